#pragma once

// Rejoining after a lost state: the rules a node follows when it starts
// without its Raft state (memory mode; a data directory that is empty or was
// wiped), as one value type the log store owns.
//
// Such a node forgot its term, its vote and the entries it acknowledged, so
// counting it would let two nodes that are both behind (one restarted, one
// not yet caught up) elect a leader without the committed entries. It
// therefore starts `recovering`: it replicates like a learner, but grants no
// vote and counts toward no quorum (election, commit, check-quorum,
// has_quorum). It becomes `intact` again in two steps:
//
// 1. Term floor. It probes every voter. Once intact voters have answered
//    whose complement is no election quorum, every election quorum holds one
//    of them, so the highest term they report is at least every term in
//    which this node's old incarnation could have helped elect a leader (or
//    that vote is ignored: they learned the new incarnation before voting
//    again, and their votes tell the candidate; incarnation.hpp). The node
//    adopts that term and marks it voted, so it never votes twice in it.
// 2. Catch-up. It follows a leader of a term T at least the floor until its
//    commit index reaches an entry of T. Above the floor that suffices: the
//    old incarnation acked only entries of leaders of terms up to the floor,
//    every committed one is in T's leader's log (Leader Completeness) before
//    its first entry of T, so in this log too. At the floor it does not: the
//    old incarnation may have acked entries of T itself, which T's leader
//    committed counting that ack, past the node's commit index (flexsync-sim
//    seed 6921). Its leader counts acks of the new incarnation only once it
//    heard it, and ignores the old one's from then on, so every such entry
//    is at or below the leader's commit index of a heartbeat that names the
//    new incarnation (on_leader_commit): the node waits to commit that far.
//    From then on it votes and counts as before.
//
// When no such leader can exist (more than a minority without its state at
// once) the node waits and says why (explain()): no silent reset. Two ways
// out, both through a vote that binds a node without its state to one
// candidate (a promise, incarnation.hpp):
// - bootstrap: when no voter holds its state and every one of them either
//   holds no data (no entry but leaders' no-ops, no snapshot) or keeps its
//   log on disk (a first start; a whole-cluster restart in memory mode; disk
//   nodes that all restarted before they caught up), the most up-to-date of
//   them forms the cluster anew. It needs
//   the vote of every voter, and each grants only a candidate whose log is
//   at least as up to date as its own, so the winner's log holds every entry
//   that still exists anywhere. A memory node that holds data (which its
//   peers may have lost) never takes part: the cluster waits instead.
// - recover: an operator names the most up-to-date survivor (force
//   recover); nodes without their state follow it.
// A promised node accepts appends only from its candidate (in that term or
// later), votes only for it (a candidate may lose its leadership before the
// others learned of its first commit), counts for it, and is intact once it
// holds a committed entry of the term it follows it in. Every quorum it is
// part of is then one whose entries its candidate holds, which keeps Leader
// Completeness. Once the candidate reports that it holds its state again (it
// committed in a term it led, so the cluster it formed exists and nothing
// can complete the promised campaign any more), the promise ends when the
// voters holding their state can elect and commit without this node (it
// keeps its term and votes and simply catches up like any other), and
// otherwise moves to the later leader the candidate follows: that leader's
// log holds every committed entry, so it may count this node's acks in
// turn, and it gets this node's vote only when its log is up to date.
//
// Invariants: intact never goes back to false; the term floor, once known,
// never changes; at most one promise is held, a new one only with a higher
// term.

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "protocol/incarnation.hpp"
#include "protocol/quorum.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

/// Where a node stands with respect to its state.
enum class member_state : uint8_t {
  /// Holds its state (or caught up since it lost it): votes and counts.
  intact = 0,
  /// Lost its state: replicates, but neither votes nor counts.
  recovering = 1,
  /// Lost its state and granted a bootstrap or recovery vote: follows only
  /// that candidate, and counts for it.
  promised = 2,
};

const char* to_string(member_state x);

/// Whether a node without its state may grant a vote request.
enum class grant_rule : uint8_t {
  no,
  yes,
  /// Only if the candidate's log is at least as up to date as its own.
  if_up_to_date,
};

class recovery {
public:
  /// What the log store knows of its own log when it asks.
  struct log_facts {
    term_t current_term;
    index_t last_index;
    term_t last_term;
    index_t commit_index;
    /// Its log holds an entry other than a leader's no-op, or a snapshot:
    /// something a client may have written.
    bool holds_data = false;
    /// The leader of current_term it follows (or is); empty when none.
    node_id leader;
  };

  recovery() = default;

  /// A node starting. `fresh`: it holds no Raft state; `durable`: its log is
  /// on disk; `restored`: the promise a disk node was bound by when it
  /// stopped; `joining`: it joins a running cluster (node_config::join).
  /// A static read-only node (not a voter of `quorum`, not joining) never
  /// votes or counts, so it never recovers; a fresh joining node recovers as
  /// soon as it knows the voters, so that it may vote once a configuration
  /// makes it a voter.
  recovery(node_id self, incarnation_t incarnation, quorum_system quorum,
           bool fresh, bool durable,
           std::optional<promise> restored = std::nullopt,
           bool joining = false);

  /// The configuration changed (protocol/config_log.hpp). A node that holds
  /// no state and was intact only because it never voted starts recovering
  /// once it becomes a voter. Returns true when it starts probing now.
  bool set_quorum(quorum_system quorum);

  // -- what this node is ----------------------------------------------------

  member_state state() const;
  bool intact() const { return intact_; }
  incarnation_t incarnation() const { return incarnation_; }
  const incarnation_map& known() const { return known_; }
  const std::optional<promise>& promised() const { return promise_; }
  const std::optional<term_t>& term_floor() const { return floor_; }
  /// A peer knows a newer incarnation of this node (see report_effect).
  bool stale() const { return stale_self_; }

  /// Whether replies to `leader` in `term` count toward its quorums; for a
  /// learner, whether they could once it is promoted (it holds its state).
  bool counts_for(const node_id& leader, term_t term) const;

  /// Whether appends of `leader` in `term` may change this node's log: a
  /// promised node follows only its candidate, in its term or later.
  bool accepts(const node_id& leader, term_t term) const;

  /// Whether this node probes the voters (it lost its state and knows the
  /// voters).
  bool probing() const { return !intact_ && !quorum_.voters().empty(); }

  // -- messages ---------------------------------------------------------------

  /// The next probe to send to every other voter.
  recovery_probe next_probe();

  /// Answers `p`, recording the prober's incarnation first: every vote this
  /// node grants afterwards tells its candidate.
  recovery_report on_probe(const recovery_probe& p, const log_facts& log);

  /// What a report changed.
  struct report_effect {
    /// The term floor, the first time it is known: adopt it, voted.
    std::optional<term_t> floor;
    /// A peer knows a newer incarnation of this node than its own: its clock
    /// went back across a restart. It cannot rejoin safely (see explain()).
    bool stale_self = false;
    /// The candidate this node promised holds its state, and enough others
    /// do: the promise ended.
    bool promise_ended = false;
    /// The candidate holds its state and follows a later leader: the
    /// promise moved to that one.
    bool promise_moved = false;
  };

  report_effect on_report(const recovery_report& r);

  // -- votes ------------------------------------------------------------------

  /// Whether this node, without its state, may grant `req`: a recover
  /// request; a bootstrap request while it may take part in one (if the
  /// candidate is up to date); an ordinary request (or pre-vote) of the
  /// candidate it promised (if up to date, unless it is the very
  /// incarnation it promised). A promised node refuses another candidate's
  /// bootstrap while it follows its candidate as leader of the promise's
  /// term and the voters bound to that incarnation form a replication
  /// quorum: that leader can commit, and a moved promise would strand it
  /// (flexsync-sim seed 400320); likewise while it follows its candidate as
  /// leader of a later term, that candidate's latest report says it leads
  /// it, and the voters counting for it there form a replication quorum
  /// (seed 71, where the candidate restarted and led again). Intact nodes
  /// decide with the ordinary rules.
  grant_rule may_grant(const request_vote& req, const log_facts& log) const;

  /// This node granted a bootstrap or recovery vote (or normal vote of the
  /// candidate it promised): it follows `p.candidate` from now on.
  void on_promise(promise p);

  /// This node campaigns in `term` (its term and self-vote are durable).
  void on_campaign(vote_kind kind, term_t term);

  /// This node won `term`. A node without its state that won a bootstrap or
  /// recovery (or leads again after one, in the cluster it formed) now holds
  /// a promise to itself: it counts for itself and rejoins once it commits.
  /// Returns that promise.
  std::optional<promise> on_lead(term_t term);

  /// The campaign this node may start when its election timer fires:
  /// normal when intact or promised to itself (it won a bootstrap or
  /// recovery and lost its leadership before committing); bootstrap when it
  /// is the most up-to-date voter (ties: the smallest) and every voter
  /// reported that it may take part, unless it follows a later leader that
  /// can commit (see may_grant); none otherwise.
  std::optional<vote_kind> campaign(const log_facts& log) const;

  /// The term of a bootstrap or recovery campaign: above every term this
  /// node knows of and, with owned terms, one this node owns (it must be a
  /// voter).
  term_t special_term(const log_facts& log) const;

  // -- catching up -------------------------------------------------------------

  /// The leader of `term` sent its commit index `commit` after it heard
  /// incarnation `known` of this node (a heartbeat). Catching up in the
  /// floor term waits for that commit index.
  void on_leader_commit(term_t term, incarnation_t known, index_t commit);

  /// The commit index moved (`term_at_commit` is the term of its entry).
  /// Returns true when this node just became intact.
  bool on_commit(const log_facts& log, term_t term_at_commit);

  /// One line on what this node waits for (status and logs); empty when
  /// intact.
  std::string explain() const;

private:
  std::optional<term_t> compute_floor() const;
  bool others_may_bootstrap(bool all_heard) const;
  bool promise_fulfilled() const;
  bool may_bootstrap(bool holds_data, bool durable) const;
  bool can_bootstrap(const log_facts& log) const;
  bool leader_can_commit(const request_vote& req, const log_facts& log) const;
  bool leader_of_term_can_commit(const node_id& other,
                                 const log_facts& log) const;
  bool promised_to_self() const;

  node_id self_;
  incarnation_t incarnation_;
  quorum_system quorum_;
  bool voter_ = false;
  bool durable_ = false;
  bool intact_ = true;
  /// Intact only because it holds no state and never voted (a read-only
  /// node started without its state).
  bool vacuous_ = false;
  std::optional<promise> promise_;
  std::optional<term_t> floor_;
  /// The lowest commit index a leader of `first` sent after it heard this
  /// incarnation (on_leader_commit).
  std::optional<std::pair<term_t, index_t>> leader_mark_;
  bool stale_self_ = false;
  /// The latest campaign of this node.
  term_t campaign_term_;
  vote_kind campaign_kind_ = vote_kind::normal;
  uint64_t probe_seq_ = 0;
  incarnation_map known_;
  /// The latest report of each other voter.
  std::map<node_id, recovery_report> reports_;
};

} // namespace flexsync
