#pragma once

// Incarnations and the messages of recovery after a lost state.
//
// A node that starts without its Raft state (memory mode, or a data
// directory that is empty or was wiped) has forgotten its term, its vote
// and the entries it acknowledged. It comes back as a new incarnation: a
// number larger than any earlier start of the same node. Until it has
// caught up it neither votes nor counts toward any quorum (recovery.hpp).
//
// Every vote reply carries the voter's incarnation and the incarnations it
// knows of (a crash vector, after Michael, Ports et al., "Recovering Shared
// Objects Without Stable Storage", DISC 2017): a candidate ignores a vote
// once it learns that the voter restarted since, so a vote the old
// incarnation gave and the new one forgot can never elect a second leader.

#include <cstdint>
#include <utility>
#include <vector>

#include "protocol/types.hpp"

namespace flexsync {

/// Numbers the starts of one node: a later start has a larger number
/// (nanoseconds of the wall clock at start in real nodes, a counter in the
/// simulator). 0 means "none known".
using incarnation_t = strong_number<struct incarnation_tag>;

/// One node's incarnation as some node knows it.
struct incarnation_entry {
  node_id node;
  incarnation_t incarnation;
  bool operator==(const incarnation_entry&) const = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, incarnation_entry& x) {
  return f(x.node, x.incarnation);
}

/// The latest incarnation a node knows of each node (a crash vector): only
/// ever raised.
class incarnation_map {
public:
  /// Records that `node` reached `inc`; returns whether that was news.
  bool merge(const node_id& node, incarnation_t inc);

  /// Raises every entry to at least `other`'s.
  void merge(const incarnation_map& other);

  /// The latest incarnation known of `node` (0 when none).
  incarnation_t of(const node_id& node) const;

  /// Whether a message of incarnation `inc` of `node` comes from a
  /// previous life of it.
  bool is_stale(const node_id& node, incarnation_t inc) const {
    return inc < of(node);
  }

  const std::vector<incarnation_entry>& entries() const { return entries_; }

  bool operator==(const incarnation_map&) const = default;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 incarnation_map& x) {
    return f(x.entries_);
  }

private:
  /// Sorted by node, one entry per node.
  std::vector<incarnation_entry> entries_;
};

/// A vote that binds a node without its state to one leader: granted in a
/// bootstrap (a new cluster) or in an operator's recovery. The node follows
/// only `candidate` in `term` and counts toward its quorums, until it holds
/// a committed entry of that term.
struct promise {
  node_id candidate;
  incarnation_t candidate_incarnation;
  term_t term;
  /// In messages, an empty candidate stands for "no promise".
  bool empty() const { return candidate.empty(); }
  bool operator==(const promise&) const = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, promise& x) {
  return f(x.candidate, x.candidate_incarnation, x.term);
}

/// Sent by a node without its state to every voter, until it is intact
/// again.
struct recovery_probe {
  /// Who lost its state.
  node_id from;
  /// Its new incarnation: the receiver records it before it answers, so any
  /// vote the receiver grants afterwards tells the candidate.
  incarnation_t incarnation;
  /// Numbers the probes of this incarnation; echoed in the report.
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_probe& x) {
  return f(x.from, x.incarnation, x.seq);
}

/// The answer to a probe: where the replier stands.
struct recovery_report {
  /// Who answers, and in which incarnation.
  node_id from;
  incarnation_t incarnation;
  /// Echoes `recovery_probe::seq`.
  uint64_t seq = 0;
  /// The replier's current term: a prober's term floor is the highest term
  /// among enough intact repliers.
  term_t current_term;
  /// Whether the replier holds its state (intact), so its term counts.
  bool intact = false;
  /// Where its log ends: a bootstrap is led by the most up-to-date voter.
  index_t last_log_index;
  term_t last_log_term;
  /// Its log is on disk: what it acknowledged survived its restarts.
  bool durable = false;
  /// Its log holds an entry other than a no-op, or a snapshot.
  bool holds_data = false;
  /// Its commit index.
  index_t commit_index;
  /// The leader of its current term it follows (or is); empty when none.
  node_id leader;
  /// The promise it is bound by; an empty candidate when none.
  promise promised;
  /// Every incarnation it knows, the prober's own included.
  incarnation_map known;
  /// It holds its state, voter or not (`intact` says both): a candidate
  /// that holds its state but is no voter any more (removed, or made a
  /// learner) campaigns no more, so a promise to it ends.
  bool holds_state = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_report& x) {
  return f(x.from, x.incarnation, x.seq, x.current_term, x.intact,
           x.last_log_index, x.last_log_term, x.durable, x.holds_data,
           x.commit_index, x.leader, x.promised, x.known, x.holds_state);
}

} // namespace flexsync
