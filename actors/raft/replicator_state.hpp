#pragma once

// State of the replicator actor, shared by its two source files:
// replicator.cpp (leader side) and replicator_commands.cpp (client commands).
// Private to actors/.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/objects/coro.hpp"
#include "actors/node/actor_status.hpp"
#include "actors/node/wiring.hpp"
#include "protocol/commands.hpp"
#include "protocol/forward_rules.hpp"
#include "protocol/leader_tracker.hpp"
#include "protocol/membership.hpp"
#include "protocol/metrics.hpp"
#include "protocol/progress.hpp"
#include "protocol/read_index.hpp"
#include "protocol/snapshots.hpp"

namespace flexsync::detail {

/// Most bytes of recent entries the leader keeps in memory for followers;
/// older entries are read back from the log store.
constexpr size_t cache_cap_bytes = 64 << 20;

/// Commands submitted together, answered together.
struct proposal_batch {
  std::vector<command> commands;
  /// Lowest request id the submitting client still waits for.
  uint64_t watermark = 0;
  /// The state machine's request; invalid for commands forwarded by peers.
  caf::response_promise rp;
};

/// A follower as the leader tracks it (protocol/leader_tracker.hpp), plus
/// what is in flight for it.
struct follower : tracked_follower {
  using tracked_follower::tracked_follower;

  /// A log store read for this follower is in flight.
  bool reading = false;
  /// Snapshot install in progress (stream_snapshot runs): entries below the
  /// log's start are gone.
  bool installing = false;
  /// Where stream_snapshot waits for the follower's answer to a chunk:
  /// delivered by on_install_reply, or empty by check_install when two
  /// heartbeats passed without one. Erasing the follower (stepping down)
  /// destroys a stream waiting here.
  pending<std::optional<install_reply>> install_answer;
  /// Heartbeats since the chunk in flight was sent.
  int chunk_age = 0;
  /// A read-only node outside the configuration, admitted by the transport
  /// (replicator_readonly.cpp): dropped when unlinked or silent.
  bool non_member = false;
};

struct replicator_state {
  wiring_ptr w;
  // What the election actor last announced.
  raft_role role = raft_role::follower;
  term_t term;
  node_id leader;
  // Leader side, valid while `leading`.
  bool leading = false;
  term_t lead_term;
  index_t first_index_of_term;
  index_t durable_index;
  /// The leader's entries written to its log store (maybe not yet durable):
  /// what it may send to followers.
  index_t written_index;
  /// Time of the last entry appended by this leader.
  int64_t last_time = 0;
  index_t commit;
  bool commit_dirty = false;
  std::map<node_id, follower> followers;
  std::deque<log_entry> cache;
  index_t cache_base; // index of the entry before cache.front()
  term_t cache_base_term;
  size_t cache_bytes = 0;
  uint64_t heartbeat_timer = 0;
  forward_dedupe dedupe;
  /// Terms this incarnation has led, and the term it started in: a forward
  /// bound to a term this node provably never led can be refused as
  /// not_leader; one bound to a term it may have led is dropped silently
  /// (an earlier copy may have been appended).
  std::set<term_t> led_terms;
  term_t start_term{UINT64_MAX};
  // Command side.
  std::vector<proposal_batch> buffered; // leader: waiting for the next flush
  bool flush_scheduled = false;
  std::vector<proposal_batch> waiting; // no leader known
  size_t waiting_count = 0;
  // Membership (replicator_membership.cpp).
  /// The configuration in effect (announced by the log store), the index of
  /// its entry and its quorum system.
  configuration config;
  index_t config_index;
  quorum_system quorum;
  /// The membership change this leader carries out, and who waits for it.
  std::optional<membership> change_target;
  std::vector<caf::response_promise> change_waiters;
  /// A config entry was sent to the log store and not yet announced back.
  bool config_proposed = false;
  /// Followers that left the configuration wait to be dropped until it is
  /// committed.
  bool prune_followers = false;
  /// Why the change waits, last logged (logged once per reason).
  std::string change_wait;
  /// When the change is given up unless it reached its joint configuration
  /// (the latest deadline of its waiters), and the timer generation.
  caf::actor_clock::time_point change_deadline;
  uint64_t change_timer = 0;
  // Code versions (replicator_version.cpp).
  /// A set-version request whose entry this leader appended, answered
  /// once the entry is committed.
  struct version_waiter {
    index_t index;
    uint32_t version = 0;
    caf::response_promise rp;
  };
  std::vector<version_waiter> version_waiters;
  // Leadership transfer (replicator_transfer.cpp), while one is under way.
  struct transfer_state {
    node_id target;
    std::vector<caf::response_promise> waiters;
    /// timeout_now was sent: the target campaigns.
    bool told = false;
  };
  std::optional<transfer_state> transfer;
  uint64_t transfer_timer = 0;
  /// Leader placement (node_config::placement): when this leadership began,
  /// and the previous automatic hand-over attempt (in any term).
  caf::actor_clock::time_point led_since;
  std::optional<caf::actor_clock::time_point> last_handover;
  /// With placement.follow_workload: commands per zone, and when the
  /// current window ends.
  workload_tracker workload;
  caf::actor_clock::time_point workload_window_end;
  // Linearizable reads (replicator_reads.cpp).
  /// Leader: reads waiting for their round, and who waits for each ticket:
  /// a local request, or a follower (then follower_id is its own id).
  read_index_queue reads;
  struct read_waiter {
    caf::response_promise rp;
    node_id follower;
    uint64_t follower_id = 0;
  };
  std::map<uint64_t, read_waiter> read_waiters;
  bool read_round_scheduled = false;
  /// This term told a transfer target to campaign: no lease reads again
  /// until a new leadership.
  bool lease_given_up = false;
  /// Follower: reads asked of `leader`; and reads held while no leader is
  /// known. Both dropped at their caller's deadline.
  struct asked_read {
    caf::response_promise rp;
    node_id leader;
    caf::actor_clock::time_point deadline;
    /// Asked with read_mode::lease.
    bool lease = false;
  };
  std::map<uint64_t, asked_read> asked_reads;
  std::map<uint64_t, asked_read> reads_without_leader;
  uint64_t next_read_ticket = 1;
  // Metrics (protocol/metrics.hpp).
  replicator_metrics metrics;
  /// Appended batches not committed yet, for the commit latency.
  commit_latency_tracker commit_clock;

  static inline const char* name = "flexsync.replicator";
};

using replicator_ptr = caf::stateful_actor<replicator_state>*;

// -- shared helpers (replicator.cpp) ------------------------------------------

size_t count_commands(const std::vector<proposal_batch>& xs);
void schedule_flush(replicator_ptr self);
void fail_batches(std::vector<proposal_batch>& xs, fail_reason why);
void send_entries(replicator_ptr self, const node_id& f);
void send_heartbeat(replicator_ptr self, const node_id& f, follower& fo);
void on_match_change(replicator_ptr self);
/// The log store wrote `entries` as first..last (durable: fsync'd too):
/// cache them, count the leader's own copy if durable, send to followers.
void on_written(replicator_ptr self, entry_list entries, index_t first,
                index_t last, bool durable);
void stop_leading(replicator_ptr self, fail_reason why);
/// Common checks of a follower reply: a newer term steps down; a reply of
/// another term or of an older incarnation of the follower is ignored; a
/// newer incarnation resets the follower's progress. `counts`: the reply's
/// flag (none for install replies, which do not carry it).
follower* take_reply(replicator_ptr self, term_t term, const node_id& from,
                     incarnation_t incarnation,
                     std::optional<bool> counts = std::nullopt);

// -- reports (replicator_status.cpp) -------------------------------------------

/// The leader's view of its followers for node::status(): ids, learner
/// flags, whether each replied within leader_fallback_timeout, match and
/// next indexes, versions, and whether those replies make a replication
/// quorum. Empty vectors and false on a node that does not lead.
replicator_status progress_report(replicator_ptr self);
/// The replicator's part of node::metrics().
replicator_metrics metrics_of(replicator_ptr self);

// -- membership (replicator_membership.cpp) ------------------------------------

/// The log store announced the configuration in effect.
void on_config(replicator_ptr self, const configuration& c, index_t index);
/// A change request of the membership manager (this node leads).
void on_change_request(replicator_ptr self, const change_request& req,
                       caf::response_promise rp);
/// Takes the next step of a change in flight, if any (after a commit, a
/// configuration or a learner's progress changed).
void drive_change(replicator_ptr self);
/// Makes the followers those of the configuration: adds new members with
/// fresh progress, drops those that left.
void sync_followers(replicator_ptr self);
/// Fails the change waiters: this node stopped leading.
void abandon_change(replicator_ptr self);
/// The deadline timer of change `timer` fired.
void on_change_deadline(replicator_ptr self, uint64_t timer);

// -- code versions (replicator_version.cpp) ------------------------------------

/// A set_version request (this node leads): admits it against the enabled
/// version and the voters' reported versions, appends the version entry
/// and answers once it is committed.
void on_set_version(replicator_ptr self, const change_request& req,
                    caf::response_promise rp);
/// The commit index moved: answers the set-version waiters it covers.
void answer_version_waiters(replicator_ptr self);
/// This node stopped leading: fails the waiters with leader_changed (the
/// entry may still commit; asking again is safe).
void abandon_version_waiters(replicator_ptr self);

// -- leadership transfer (replicator_transfer.cpp) -----------------------------

/// A transfer_leader request (this node leads): picks the target, holds
/// new proposals, and hands over once the target is caught up.
void on_transfer_request(replicator_ptr self, const change_request& req,
                         caf::response_promise rp);
/// Tells the target to campaign once it is caught up (after a reply from it
/// and every heartbeat).
void advance_transfer(replicator_ptr self);
/// The configured leader placement, with the zones of a zones quorum system
/// in the current configuration for nodes it does not name (members added
/// since the node started).
placement_policy current_placement(replicator_ptr self);
/// With placement.follow_workload: `n` commands came from `from` (this
/// node for local calls); counted by its zone.
void count_workload(replicator_ptr self, const node_id& from, size_t n);
/// The term of the leader's entry `i` when its cache holds it (or it is
/// the cache's base), else 0.
term_t cached_term(const replicator_state& st, index_t i);
/// Leader placement: hands over on its own to a higher-ranked live,
/// caught-up voter once due (protocol/transfer.hpp, automatic_handover).
void maybe_hand_over(replicator_ptr self);
/// The bound of transfer `timer` passed: give up and resume proposals.
void on_transfer_deadline(replicator_ptr self, uint64_t timer);
/// This node stopped leading: answers the transfer's waiters and keeps the
/// proposals it held for the next leader.
void end_transfer_on_step_down(replicator_ptr self);

// -- linearizable reads (replicator_reads.cpp) ----------------------------------

/// The state machine actor asks for a read index (deadline: `timeout`).
void on_read_index(replicator_ptr self, caf::response_promise rp,
                   caf::timespan timeout, read_mode mode);
/// The leader starts a term: leases as configured.
void reads_on_lead(replicator_ptr self);
/// The leader tells a node to campaign at once (a transfer, or handing over
/// when removed): that campaign ignores leader stickiness, so the lease
/// ends for the rest of the term.
void give_up_lease(replicator_ptr self);
/// A heartbeat tick: with leases, every tick is a round that extends it.
void reads_on_heartbeat(replicator_ptr self);
void on_read_index_request(replicator_ptr self, const read_index_request& r);
void on_read_index_reply(replicator_ptr self, const read_index_reply& r);
/// Sends a round of heartbeats soon if reads wait for one.
void schedule_read_round(replicator_ptr self);
void on_read_round(replicator_ptr self, term_t term);
/// A follower's heartbeat reply echoed `round` (already taken as a reply
/// of this leader's term).
void on_read_ack(replicator_ptr self, const node_id& from, uint64_t round);
/// Answers the reads whose round is confirmed.
void release_reads(replicator_ptr self);
/// The commit index moved: reads waiting for the term's first commit go.
void reads_on_commit(replicator_ptr self);
/// This node stopped leading: its reads fail (leader_changed).
void fail_reads_on_step_down(replicator_ptr self);
/// The role or leader changed: reads asked of another leader fail, held
/// ones go to the new leader.
void reads_on_role(replicator_ptr self);

// -- unconfigured read-only nodes (replicator_readonly.cpp) --------------------

/// Leader, with node_config::admit_non_member: asks the transport whom it
/// links with, starts replicating to linked non-members and drops those
/// unlinked or silent (protocol/readonly_rules.hpp, sync_readonly).
void poll_readonly_links(replicator_ptr self);
/// `from` is neither in the configuration nor a follower kept from it (an
/// admitted read-only node, or unknown): its replies never depose.
bool is_outsider(const replicator_state& st, const node_id& from);

// -- snapshot install (replicator_install.cpp) ---------------------------------

void begin_install(replicator_ptr self, const node_id& f, follower& fo);
void on_install_reply(replicator_ptr self, const install_reply& r);
/// Called every heartbeat: resends a chunk that got no answer.
void check_install(replicator_ptr self, follower& fo);

// -- command side (replicator_commands.cpp) -----------------------------------

void on_propose(replicator_ptr self, uint64_t watermark,
                std::vector<command>& commands);
void on_forward_command(replicator_ptr self, forward_command& fc);
void on_flush(replicator_ptr self);
/// Appends one entry of the leader's own making (a configuration, a code
/// version) with this term and time; once written, as on_written, then
/// `written(index)` while still leading that term.
void append_own_entry(replicator_ptr self, entry_kind kind, std::string data,
                      std::function<void(index_t)> written = {});
void on_role(replicator_ptr self, raft_role role, term_t term,
             const node_id& leader, fail_reason why);

} // namespace flexsync::detail
