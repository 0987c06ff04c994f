#pragma once

// The simulator's safety and liveness checkers. They watch every node through
// the observer hooks and through a decorator around each node's storage, and
// are run after every simulation step:
//
// - election safety: at most one leader per term;
// - durable state: current_term never decreases, at most one vote per term;
// - log matching: equal (index, term) implies equal logs up to that index
//   (checked with a hash chain per node, incrementally);
// - commit: a node's commit index never decreases; a leader commits by
//   counting only entries of its own term (§5.4.2); a committed entry never
//   changes and is in the log of every later leader (leader completeness);
// - state machine safety: no two nodes apply different entries at an index;
// - calls: a call reported as proven-not-applied is never applied.
//
// At the end of a run, end_check() verifies that every acknowledged command
// was applied on every live node.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "actors/node/observer.hpp"
#include "protocol/memory_storage.hpp"

namespace flexsync::sim {

class checker;

/// A storage decorator that reports every change to the checker. It wraps
/// the node's real storage: the journal on a simulated disk, or memory.
class checked_storage : public storage {
public:
  checked_storage(node_id self, checker* owner, std::shared_ptr<storage> inner)
    : self_(std::move(self)), owner_(owner), inner_(std::move(inner)) {}

  index_t snapshot_index() const override { return inner_->snapshot_index(); }
  index_t last_index() const override { return inner_->last_index(); }
  term_t term_at(index_t i) const override { return inner_->term_at(i); }
  term_t current_term() const override { return inner_->current_term(); }
  std::optional<node_id> voted_for() const override {
    return inner_->voted_for();
  }
  void save_term_and_vote(term_t term,
                          std::optional<node_id> voted_for) override;
  void sync() override { inner_->sync(); }
  bool durable_at_once() const override { return inner_->durable_at_once(); }
  void append(entry_list entries) override;
  void truncate_suffix(index_t from) override;
  void entries(index_t from, index_t to, size_t max_bytes,
               entry_list& out) const override {
    inner_->entries(from, to, max_bytes, out);
  }
  index_t commit_index() const override { return inner_->commit_index(); }
  void save_commit_index(index_t index) override;
  void install_snapshot(index_t index, term_t term, int64_t time) override;
  int64_t last_time() const override { return inner_->last_time(); }
  size_t entry_count() const override { return inner_->entry_count(); }
  size_t byte_size() const override { return inner_->byte_size(); }

  /// The entry at `i` (snapshot_index() < i <= last_index()).
  log_entry at(index_t i) const;

private:
  node_id self_;
  checker* owner_;
  std::shared_ptr<storage> inner_;
};

/// Identity of an entry's content.
struct fingerprint {
  term_t term;
  uint64_t hash = 0;
  bool operator==(const fingerprint&) const = default;
};

fingerprint fingerprint_of(const log_entry& e);

class checker : public node_observer {
public:
  // -- setup ------------------------------------------------------------------

  /// Wraps `inner` (a fresh memory_storage when null) for node `id`.
  /// `lost_state`: the node restarts without its durable state (memory
  /// mode): a new incarnation, which remembers no vote and acknowledged
  /// nothing yet. Otherwise a restarted node must recover what it
  /// acknowledged and the vote of its current term.
  std::shared_ptr<checked_storage>
  make_storage(const node_id& id, std::shared_ptr<storage> inner = nullptr,
               bool lost_state = false);

  /// A node's state machines restarted from (or installed) a snapshot of
  /// everything up to `index`: it applies from index + 1 on.
  void on_restore(const node_id& self, index_t index) override;

  /// A node (re)started: its applied position restarts at 0.
  void on_start(const node_id& id);

  /// A node crashed: it no longer has a role.
  void on_stop(const node_id& id) { roles_.erase(id); }

  // -- node_observer ----------------------------------------------------------

  void on_role_change(const node_id& self, raft_role role, term_t term,
                      const node_id& leader) override;
  void on_commit(const node_id& self, index_t index,
                 term_t counted_in) override;
  void on_apply(const node_id& self, const log_entry& entry) override;
  void on_call_done(const node_id& self, uint64_t client_id,
                    uint64_t request_id, fail_reason reason) override;
  void on_vote_sent(const node_id& self, term_t term,
                    const node_id& candidate) override;
  void on_ack_sent(const node_id& self, index_t index) override;
  void on_member_state(const node_id& self, member_state state) override;
  /// Checks that the configuration is the one the node's log holds at
  /// `index` (protocol/config_log.hpp), and records it.
  void on_config(const node_id& self, const configuration& config,
                 index_t index) override;

  // -- storage events ---------------------------------------------------------

  void on_term_vote(const node_id& self, term_t old_term,
                    const std::optional<node_id>& old_vote, term_t term,
                    const std::optional<node_id>& vote);
  void on_log_change(const node_id& self, index_t from);
  /// The node's log was cut back to `last` by the protocol.
  void on_log_cut(const node_id& self, index_t last);
  /// The node's log now starts after a snapshot: its history up to the
  /// snapshot is the one the snapshot was taken from.
  void on_snapshot_installed(const node_id& self);

  // -- checks -----------------------------------------------------------------

  /// Incremental log-matching check; call after every step.
  void check_logs();

  /// Every node of a memory-mode cluster is down: whatever it held is gone,
  /// and a cluster that forms afterwards starts a new history (terms,
  /// entries and calls start over).
  void forget_history();

  /// Every acknowledged command is applied on each of `live` nodes.
  void end_check(const std::vector<node_id>& live);

  void violation(std::string what);

  /// Turns the direct rule checks off or on (on by default): a commit by
  /// counting only of an entry of the leader's term, one vote per term,
  /// across restarts too, and a restart recovering its vote and everything
  /// it acknowledged. Off, only the safety properties judge a run (election
  /// safety, leader completeness, log matching, state machine safety,
  /// acknowledged commands applied, and the client history): what shows
  /// whether random runs are adversarial enough to turn a broken rule into
  /// a visible violation.
  void set_rule_checks(bool on) { rule_checks_ = on; }

  bool ok() const { return violations_.empty(); }
  const std::vector<std::string>& violations() const { return violations_; }

  // -- observations for scripts -------------------------------------------------

  /// What a node's election actor last announced.
  struct role_view {
    raft_role role = raft_role::follower;
    term_t term;
    node_id leader;
  };

  const std::map<node_id, role_view>& roles() const { return roles_; }

  index_t applied(const node_id& id) const;
  /// What each node last announced of its state (intact until it says).
  member_state member(const node_id& id) const;
  /// The configuration a node last announced (null before it did).
  const configuration* config_of(const node_id& id) const;
  index_t commit_of(const node_id& id) const;
  const std::map<term_t, node_id>& leaders() const { return leaders_; }
  size_t acked() const { return acked_.size(); }
  checked_storage& storage_of(const node_id& id) { return *stores_.at(id); }

private:
  using call_key = std::pair<uint64_t, uint64_t>;

  std::tuple<node_id, uint64_t, term_t> vote_key(const node_id& id,
                                                 term_t term) const;

  std::map<node_id, std::shared_ptr<checked_storage>> stores_;
  std::map<term_t, node_id> leaders_;
  std::map<node_id, role_view> roles_;
  std::map<node_id, member_state> members_;
  std::map<node_id, configuration> configs_;
  std::map<index_t, fingerprint> committed_;
  /// Lowest term of a leader that counted each committed index.
  std::map<index_t, term_t> commit_term_;
  std::map<index_t, fingerprint> applied_at_;
  std::map<node_id, index_t> commit_;
  std::map<node_id, index_t> applied_;
  /// How far each node acknowledged its log; lowered only when its log is
  /// legitimately cut (a conflict, or a snapshot replacing it).
  std::map<node_id, index_t> acked_log_;
  /// Incarnations of each node that lost its state (memory mode).
  std::map<node_id, uint64_t> incarnation_;
  /// Every vote ever granted, across restarts: (voter, incarnation, term) ->
  /// candidate. A node that keeps its durable state stays one incarnation.
  std::map<std::tuple<node_id, uint64_t, term_t>, node_id> votes_;
  // Log matching.
  std::map<node_id, std::vector<uint64_t>> chains_;
  std::map<node_id, index_t> dirty_;
  std::set<node_id> reseed_;
  std::map<std::pair<index_t, term_t>, uint64_t> chain_at_;
  // Calls.
  std::map<call_key, index_t> applied_calls_;
  std::map<call_key, index_t> acked_;
  std::map<call_key, std::string> doomed_;
  std::vector<std::string> violations_;
  bool rule_checks_ = true;
};

} // namespace flexsync::sim
