#include "scenarios/sim/zone_latency.hpp"

#include <algorithm>
#include <stdexcept>

#include "protocol/assert.hpp"

namespace flexsync::sim {

caf::timespan zone_latency::mean_one_way(const node_id& a,
                                         const node_id& b) const {
  auto i = zone_of.find(a);
  auto j = zone_of.find(b);
  FLEXSYNC_ASSERT(i != zone_of.end() && j != zone_of.end(),
                  "zone_latency: no zone for " + a.name + " or " + b.name);
  auto round_trip =
      i->second == j->second ? intra_rtt : rtt.at(i->second).at(j->second);
  return round_trip / 2;
}

caf::timespan zone_latency::draw(const node_id& a, const node_id& b,
                                 std::mt19937_64& rng) const {
  auto mean = mean_one_way(a, b);
  auto sigma = zone_of.at(a) == zone_of.at(b) ? intra_sigma : wan_sigma;
  if (sigma.count() <= 0)
    return std::max(mean, min_delay);
  std::normal_distribution<double> jitter{0.0,
                                          static_cast<double>(sigma.count())};
  auto d = mean + caf::timespan{static_cast<int64_t>(jitter(rng))};
  return std::max(d, min_delay);
}

size_t zone_latency::zone_index(const std::string& name) const {
  auto i = std::find(zones.begin(), zones.end(), name);
  if (i == zones.end())
    throw std::invalid_argument("no zone named " + name);
  return static_cast<size_t>(i - zones.begin());
}

std::string zone_latency::check(const std::vector<node_id>& ids) const {
  auto n = zones.size();
  if (rtt.size() != n)
    return "the RTT matrix has " + std::to_string(rtt.size()) + " rows for " +
           std::to_string(n) + " zones";
  for (size_t i = 0; i < n; ++i) {
    if (rtt[i].size() != n)
      return "row " + zones[i] + " of the RTT matrix has " +
             std::to_string(rtt[i].size()) + " columns";
    for (size_t j = 0; j < n; ++j)
      if (i != j && (rtt[i][j] != rtt[j][i] || rtt[i][j].count() < 0))
        return "the RTT between " + zones[i] + " and " + zones[j] +
               " is not symmetric and non-negative";
  }
  if (intra_rtt.count() < 0 || wan_sigma.count() < 0 ||
      intra_sigma.count() < 0 || min_delay.count() <= 0)
    return "negative times (or a minimum delay that is not positive)";
  for (auto& id : ids) {
    auto i = zone_of.find(id);
    if (i == zone_of.end())
      return "node " + id.name + " has no zone";
    if (i->second >= n)
      return "node " + id.name + " has no valid zone";
  }
  return {};
}

} // namespace flexsync::sim
