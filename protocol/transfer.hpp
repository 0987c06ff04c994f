#pragma once

// Leadership transfer (thesis §3.10; etcd's MsgTimeoutNow, ScyllaDB's
// stepdown): the leader picks a target, stops taking new proposals, brings
// the target's log up to its own last entry, then sends it a timeout_now
// (protocol/votes.hpp) so that it campaigns at once, skipping pre-vote and
// leader stickiness. The leader gives up after a bound and resumes.
//
// The rules here are pure: whom to hand over to, and when the target is
// ready. Safety does not depend on them (the target still needs an election
// quorum and an up-to-date log to win); they decide only who leads next.

#include <optional>
#include <string>
#include <vector>

#include "protocol/membership.hpp"
#include "protocol/placement.hpp"
#include "protocol/types.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

/// Another node as the leader sees it when it looks for a successor.
struct transfer_candidate {
  node_id id;
  /// A voter of the configuration the cluster ends in (C_new while joint):
  /// a node that is leaving must not take over.
  bool voter = false;
  /// Its latest reply says it holds its Raft state (recovery.hpp): a node
  /// that lost it must not be asked to lead.
  bool counts = false;
  /// It answered within the election timeout.
  bool live = false;
  /// Its match index.
  index_t match;
  /// Operator preference (placement.hpp): in the preferred zone first,
  /// then priority (higher leads first); 0 and false unless configured.
  int priority = 0;
  bool preferred_zone = false;
};

/// Fills in each candidate's preferences from `p`.
void rank_candidates(const placement_policy& p,
                     std::vector<transfer_candidate>& xs);

/// What a transfer request resolves to.
struct transfer_choice {
  /// The node to hand over to; empty when the request is refused or when
  /// nothing is to be done (`result` says which).
  std::optional<node_id> target;
  /// Refusal (request_denied with one line), or success when the leader
  /// was asked to hand over to itself (it already leads).
  change_result result;
};

/// Chooses whom the leader `self` hands over to. `wanted` empty means the
/// best candidate: a live voter that counts, in the preferred zone first,
/// then with the highest priority, then the longest log, then the smallest
/// name (so every choice is deterministic). A named target must be such a
/// voter, else the request is refused with a line saying why.
transfer_choice choose_transfer_target(const node_id& self,
                                       const std::vector<transfer_candidate>& xs,
                                       const std::optional<node_id>& wanted);

/// Automatic hand-over (placement.hpp): the node the leader `self` should
/// hand over to on its own, if any: the best live voter that counts, ranks
/// strictly higher than `self` and whose log is within `max_lag` entries of
/// `leader_last` (the transfer then brings it up to date).
std::optional<node_id>
automatic_handover(const node_id& self, const placement_policy& p,
                   const std::vector<transfer_candidate>& xs,
                   index_t leader_last, uint64_t max_lag);

/// Whether the leader may look for an automatic hand-over at `now` (any
/// clock): it has led since `led_since` for at least p.settle, and its
/// previous attempt (if any) is at least p.interval ago.
template <class TimePoint>
bool handover_due(const placement_policy& p, TimePoint now,
                  TimePoint led_since, std::optional<TimePoint> last_attempt) {
  return p.active() && now - led_since >= p.settle
         && (!last_attempt || now - *last_attempt >= p.interval);
}

/// A follower heeds a timeout_now only from the leader it follows, in its
/// current term: a late one (the sender lost leadership since) is void.
inline bool heeds_timeout_now(const timeout_now& m, term_t term,
                              const node_id& leader) {
  return m.term == term && m.leader == leader;
}

/// The target may be told to campaign once its log holds every entry the
/// leader wrote: it then wins the vote of every voter the leader could.
inline bool transfer_ready(index_t target_match, index_t leader_last) {
  return target_match >= leader_last;
}

} // namespace flexsync
