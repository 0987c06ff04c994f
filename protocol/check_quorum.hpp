#pragma once

// Check-quorum (thesis §6.2; PySyncObj's leader fallback): a leader that has
// not heard from a replication quorum within a window steps down, so an
// isolated leader stops accepting commands it can never commit.
//
// Both checks count against the replication quorum, under either term mode.
// Leases (read_index.hpp) rest on the live followers meeting every election
// quorum: with owned terms two election quorums may be disjoint, so only a
// replication quorum (which meets every election quorum) proves that no
// other leader can be elected while the followers stay sticky. Pre-vote, in
// contrast, asks whether a campaign could win, so it counts against the
// election quorum (election_tally.hpp).

#include <chrono>
#include <map>

#include "protocol/quorum.hpp"

namespace flexsync {

using sim_time = std::chrono::nanoseconds;

/// True when the leader `self` plus the voters whose last reply is within
/// `window` of `now` form a replication quorum.
bool has_active_quorum(const quorum_system& quorum, const node_id& self,
                       const std::map<node_id, sim_time>& last_reply,
                       sim_time now, sim_time window);

/// has_quorum() on a node that does not lead (PySyncObj's hasQuorum):
/// `self`, when it is a voter and `self_counts` (it holds its Raft state),
/// plus the voters in `connected` form a replication quorum. Read-only
/// nodes (non-voters) never count, whether self or connected.
bool has_connected_quorum(const quorum_system& quorum, const node_id& self,
                          bool self_counts, const node_set& connected);

} // namespace flexsync
