#pragma once

// Helpers shared by the files of quorum_system (quorum.cpp,
// quorum_kinds.cpp, quorum_check.cpp); not part of the interface.

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "protocol/types.hpp"

namespace flexsync::detail {

/// Calls `put` with each "name=value" item of a comma-separated list
/// (spaces trimmed, split at the last '=', empty items skipped).
/// @throws config_error naming `what` when an item has no name or value.
void add_label(
    const std::string& text, const char* what,
    const std::function<void(const node_id&, const std::string&)>& put);

/// Sorted, without duplicates.
std::vector<node_id> normalize(std::vector<node_id> xs);

/// "{a,b,c}".
std::string render(const std::vector<node_id>& xs);

/// Renders xs[first, first + count) as "{a,b,c}".
std::string render_range(const std::vector<node_id>& xs, size_t first,
                         size_t count);

/// "counting(n=4, election=3, replication=2)".
std::string describe_counting(size_t n, size_t q1, size_t q2);

/// The voters of each zone, zones and voters sorted.
std::map<std::string, std::vector<node_id>>
zone_members(const std::map<node_id, std::string>& zone_of);

} // namespace flexsync::detail
