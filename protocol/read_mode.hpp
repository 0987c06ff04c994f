#pragma once

/// @enum flexsync::read_mode
/// How a read barrier (state_machine::barrier()) is confirmed; the protocol
/// is in protocol/read_index.hpp.

#include <cstdint>

namespace flexsync {

enum class read_mode : uint8_t {
  /// A heartbeat round to a replication quorum (ReadIndex).
  read_index = 0,
  /// The leader's lease when it holds one (node_config::lease_reads),
  /// otherwise a round.
  lease = 1,
};

} // namespace flexsync
