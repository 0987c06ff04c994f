#include "protocol/placement.hpp"

#include <charconv>

#include "protocol/config_error.hpp"
#include "protocol/quorum_detail.hpp"

namespace flexsync {

namespace {

constexpr int max_priority = 1000000;

void require(bool condition, const std::string& message) {
  if (!condition)
    throw config_error("leader placement: " + message);
}

} // namespace

int placement_policy::priority_of(const node_id& x) const {
  auto i = priority.find(x);
  return i == priority.end() ? 0 : i->second;
}

std::string placement_policy::zone_of(const node_id& x) const {
  auto i = zone.find(x);
  return i == zone.end() ? std::string{} : i->second;
}

bool placement_policy::in_preferred_zone(const node_id& x) const {
  return !preferred_zone.empty() && zone_of(x) == preferred_zone;
}

void placement_policy::validate() const {
  bool named = false;
  for (auto& [x, p] : priority) {
    require(!x.empty(), "a priority names no node");
    require(p >= 0 && p <= max_priority,
            "the priority of " + x.name + " must be from 0 to 1000000");
  }
  for (auto& [x, z] : zone) {
    require(!x.empty() && !z.empty(), "a zone label needs a node and a zone");
    named = named || z == preferred_zone;
  }
  require(preferred_zone.empty() || named,
          "the preferred zone '" + preferred_zone
            + "' is no node's zone (label the nodes with their zones)");
  require(settle.count() > 0 && interval.count() > 0
            && workload_window.count() > 0,
          "settle, interval and workload_window must be positive");
  require(workload.share > 0.5 && workload.share <= 1.0,
          "the workload share must be above 0.5 and at most 1 (a 50/50 "
          "load must not move the leader)");
  require(workload.windows > 0, "workload windows must be at least 1");
}

placement_policy effective_placement(const placement_policy& p,
                                     const std::optional<std::string>& dominant,
                                     const node_id& self) {
  if (!p.follow_workload)
    return p;
  auto out = p;
  out.preferred_zone = dominant.value_or(p.zone_of(self));
  return out;
}

void parse_priorities(const std::string& text, std::map<node_id, int>& into) {
  detail::add_label(text, "priority", [&](const node_id& x,
                                          const std::string& v) {
    int p = -1;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
    if (ec != std::errc{} || end != v.data() + v.size() || p < 0
        || p > max_priority)
      throw config_error("priority " + x.name + "=" + v
                         + ": a priority must be an integer from 0 to 1000000");
    auto [i, fresh] = into.emplace(x, p);
    if (!fresh && i->second != p)
      throw config_error("priorities: node " + x.name + " is named twice");
  });
}

std::string priorities_to_string(const std::map<node_id, int>& xs) {
  std::string out;
  for (auto& [x, p] : xs)
    out += (out.empty() ? "" : ",") + x.name + "=" + std::to_string(p);
  return out;
}

} // namespace flexsync
