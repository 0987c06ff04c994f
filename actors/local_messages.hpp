#pragma once

// Typed answers that stay inside one node (never on the wire): what the log
// store reports about its durable state, instead of positional tuples.
// CAF-free apart from the registration macro at the end.

#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "protocol/recovery.hpp"
#include "protocol/types.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

/// The log store's answer to log_state_atom: where its log ends and what
/// campaign the node may start.
struct log_position {
  term_t current_term;
  index_t last_index;
  term_t last_term;
  /// The campaign allowed now (recovery::campaign); none while the node
  /// recovers a lost state and cannot bootstrap.
  std::optional<vote_kind> campaign;
  /// This node's incarnation, for its own vote in a tally.
  incarnation_t incarnation;
};

/// The log store's answer to status_atom.
struct log_store_status {
  term_t current_term;
  std::optional<node_id> voted_for;
  index_t commit_index;
  index_t last_index;
  uint64_t entries = 0;
  uint64_t bytes = 0;
  index_t snapshot_index;
  /// Highest commit index a leader sent this node; 0 until one did.
  index_t leader_commit_seen;
  member_state member = member_state::intact;
  incarnation_t incarnation;
  /// What a node without its state waits for (recovery::explain()).
  std::string recovery;
  /// Voters that told this node (by probing it) that they lost their state,
  /// within the last few seconds.
  std::vector<node_id> recovering_peers;
};

} // namespace flexsync

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::log_position)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::log_store_status)
