#pragma once

// The leader's commit rule (§5.3, §5.4.2).

#include <map>

#include "protocol/quorum.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// Returns the leader's new commit index. `match` holds every voter's match
/// index, the leader's own durable last index included. `first_index_of_term`
/// is the index of the leader's no-op: the leader's log holds entries of its
/// own term exactly from there on, so an index N has the current term iff
/// N >= first_index_of_term.
///
/// §5.4.2: only an entry of the current term is committed by counting
/// replicas; earlier entries are committed indirectly with it (Figure 8). The
/// result never decreases.
index_t advance_commit(const quorum_system& quorum,
                       const std::map<node_id, index_t>& match,
                       index_t first_index_of_term, index_t commit_index);

} // namespace flexsync
