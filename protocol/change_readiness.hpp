#pragma once

// Whether a membership change may enter its joint configuration now: the
// voters of the new configuration that hold their state must be able to
// elect a leader of it. Nodes recovering a lost state (recovery.hpp) do not
// vote until they caught up from a leader, so a configuration whose every
// election quorum needs one of them could never elect again once its
// leader is gone (found by flexsync-sim seed 10044: a weighted system whose
// election quorum needed the one recovering voter).

#include <optional>
#include <string>

#include "protocol/membership.hpp"

namespace flexsync {

/// Nothing when the nodes in `counting` (the leader and the followers that
/// count) hold an election quorum of `next`; otherwise why the change
/// waits.
std::optional<std::string> unelectable(const configuration& next,
                                       const node_set& counting);

} // namespace flexsync
