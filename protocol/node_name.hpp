#pragma once

// What a node's name may hold, wherever one comes from (configuration,
// console, admin requests, peers' config entries).

#include <optional>
#include <string>

#include "protocol/types.hpp"

namespace flexsync {

/// Why `x` cannot name a member (empty, not UTF-8, a control character:
/// a line break in a name would split every status, log line and refusal
/// that names the node), or nothing. check_membership checks every name
/// with it.
std::optional<std::string> check_node_name(const node_id& x);

} // namespace flexsync
