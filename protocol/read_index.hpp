#pragma once

// Linearizable reads by ReadIndex (Raft thesis §6.4; etcd-raft's readOnly,
// ScyllaDB's read_barrier), the leader's side as one value type the
// replicator owns.
//
// A read that starts at time t must see every write acknowledged before t.
// The leader takes its commit index as the read's index, then proves it was
// still the leader at t: it sends a round of heartbeats carrying a sequence
// number, and the read is confirmed once the followers that echoed that
// number (or a later one) in its term form, with the leader, a replication
// quorum. Why that suffices: a leader of a later term elected before t had
// the votes of an election quorum, all in that later term by t; every
// replication quorum meets every election quorum, so some follower that
// echoed would have been in the later term when it answered, and answered
// with that term instead. So at t no later leader existed, every entry
// committed by then is in this leader's log (Leader Completeness), and its
// commit index covers them, once it has committed an entry of its own term
// (before that it cannot know which of its entries are committed: reads
// wait for the no-op). The reader then waits until its own replica applied
// the index: a follower asks the leader for the index
// (read_index_request) and waits too.
//
// One round serves every read that arrived before it was sent (batching:
// a burst of reads costs one heartbeat per follower); heartbeats of the
// regular interval repeat the latest number, so a lost one is retried.
//
// Lease reads (thesis §6.4.1), an option: with check-quorum a follower
// ignores vote requests for election_timeout_min after it last heard its
// leader (leader stickiness). So once a replication quorum echoed a round
// sent at time s, no other leader can be elected before s plus that
// minimum, and the leader may answer reads at once until s + lease, where
// lease = election_timeout_min - the clock-drift bound (clocks measure
// durations at slightly different rates). Campaigns exempt from stickiness
// end the lease: a leadership transfer (the leader gives up its lease
// before it sends timeout-now), and configuration changes (a new quorum
// system re-confirms). Bootstraps and forced recoveries also ignore
// stickiness: they only happen when a quorum lost its state.
//
// Both arguments count the echoes against the replication quorum, because
// what they need is that the echoing followers meet every election quorum,
// and that is the one intersection the validator guarantees under either
// term mode. With shared terms an election quorum of echoes would do too
// (every two election quorums meet); with owned terms it would not: a
// smaller election quorum can miss a disjoint one that elects a later
// leader (term_owner.hpp).
//
// Invariants: sequence numbers only grow; a read gets its index at or after
// its arrival, never before; a read is released at most once, only when its
// round is confirmed, in arrival order; a lease only comes from a round sent
// after the last end_lease().

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "protocol/check_quorum.hpp"
#include "protocol/quorum.hpp"
#include "protocol/read_mode.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// A follower asks the leader for a read index.
struct read_index_request {
  /// The follower's term when it asked (informative: the leader answers in
  /// whatever term it leads).
  term_t term;
  /// Who asks.
  node_id from;
  /// Chosen by the asker, echoed in the reply.
  uint64_t id = 0;
  /// The leader may answer from its lease (read_mode::lease).
  bool lease = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_index_request& x) {
  return f(x.term, x.from, x.id, x.lease);
}

/// The leader's answer: the read index, or why there is none.
struct read_index_reply {
  uint64_t id = 0;
  /// Who answers (the leader it asked).
  node_id from;
  /// The confirmed read index; valid when ok.
  index_t index;
  bool ok = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_index_reply& x) {
  return f(x.id, x.from, x.index, x.ok);
}

/// A read released with its index.
struct released_read {
  uint64_t ticket = 0;
  index_t index;
};

class read_index_queue {
public:
  /// A read arrives at the leader, whose commit index is `commit`.
  /// `committed_in_term`: the leader committed an entry of its term, so
  /// `commit` covers every committed entry; otherwise the read waits for
  /// on_term_commit().
  void add(uint64_t ticket, index_t commit, bool committed_in_term);

  /// The leader committed an entry of its term: reads waiting for it take
  /// `commit` as their index.
  void on_term_commit(index_t commit);

  /// Reads hold an index but no round covers them yet: send one.
  bool round_wanted() const;

  /// Starts a round sent at `now`: every read holding an index joins it.
  /// Returns the number the heartbeats carry.
  uint64_t start_round(sim_time now = sim_time{0});

  /// Lease reads on (`lease` > 0) or off.
  void set_lease(sim_time lease) { lease_ = lease; }

  bool leases() const { return lease_ > sim_time{0}; }

  /// Whether a confirmed round proves that no other leader can be elected
  /// before `now` has passed.
  bool lease_valid(sim_time now) const { return leases() && now < lease_until_; }

  /// Forgets the lease, and any a round sent so far could grant.
  void end_lease();

  /// The number of the latest round (0: none yet), which every heartbeat
  /// repeats.
  uint64_t current_round() const { return round_; }

  /// A follower of the leader's term echoed `round`.
  void on_ack(const node_id& follower, uint64_t round);

  /// Releases, in arrival order, the reads whose round the leader and the
  /// followers in `counting` (those that count toward its quorums) that
  /// echoed it confirm as a replication quorum of `quorum`; with leases on,
  /// the latest confirmed round extends the lease.
  std::vector<released_read> confirmed(const quorum_system& quorum,
                                       const node_id& self,
                                       const node_set& counting);

  /// Every read still held (the leader steps down): to fail. Acks are
  /// forgotten; round numbers keep growing.
  std::vector<uint64_t> clear();

  size_t size() const { return waiting_.size() + reads_.size(); }

private:
  struct read {
    uint64_t ticket;
    index_t index;
    /// The round that covers it; 0 until one starts.
    uint64_t round;
  };

  /// Reads waiting for an entry of the leader's term to commit.
  std::vector<uint64_t> waiting_;
  /// Reads holding an index, in arrival order (rounds non-decreasing).
  std::deque<read> reads_;
  uint64_t round_ = 0;
  std::map<node_id, uint64_t> acks_;
  /// The rounds not known to be confirmed, with the time each was sent
  /// (at most max_rounds_kept, the newest).
  std::deque<std::pair<uint64_t, sim_time>> sent_;
  static constexpr size_t max_rounds_kept = 64;
  /// The highest confirmed round.
  uint64_t confirmed_ = 0;
  sim_time lease_{0};
  sim_time lease_until_{0};
  /// Rounds up to this one grant no lease (sent before end_lease()).
  uint64_t lease_floor_ = 0;
};

} // namespace flexsync
