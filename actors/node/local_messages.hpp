#pragma once

// Typed answers that stay inside one node (never on the wire), instead of
// positional tuples: where the log ends, and each actor's status
// (actors/node/actor_status.hpp) and metrics part (protocol/metrics.hpp).
// CAF-free apart from the registration macro at the end.

#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/node/actor_status.hpp"
#include "protocol/membership.hpp"
#include "protocol/metrics.hpp"
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

} // namespace flexsync

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::log_position)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::configuration)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::log_store_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::election_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::state_machine_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::membership_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::replicator_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::election_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::log_store_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::replicator_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::state_machine_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::snapshot_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::transport_metrics)
