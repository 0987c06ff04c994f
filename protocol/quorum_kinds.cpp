#include "protocol/quorum.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "protocol/quorum_detail.hpp"

// Each kind's rule: which sets are quorums, the highest committed index,
// and the smallest quorum sizes. Parameters were validated (quorum_check.cpp)
// before any of this runs.

namespace flexsync {

namespace {

/// The k-th largest (k from 1) of `xs`, which holds at least k values.
uint64_t kth_largest(std::vector<uint64_t> xs, size_t k) {
  std::nth_element(xs.begin(), xs.begin() + (k - 1), xs.end(),
                   std::greater<>{});
  return xs[k - 1];
}

} // namespace

void quorum_system::index_labels() {
  auto& s = spec_;
  label_.assign(voters_.size(), 0);
  zone_size_.clear();
  auto pos = [this](const node_id& x) {
    return static_cast<size_t>(
        std::lower_bound(voters_.begin(), voters_.end(), x) - voters_.begin());
  };
  q1_ = s.election_quorum;
  q2_ = s.replication_quorum;
  if (s.kind == kind::grid) {
    for (size_t cell = 0; cell < s.order.size(); ++cell)
      label_[pos(s.order[cell])] = cell;
    // An election line is a row of `columns` cells, or a column of `rows`.
    auto by_rows = s.elect == grid_lines::rows;
    q1_ = by_rows ? s.columns : s.rows;
    q2_ = by_rows ? s.rows : s.columns;
  } else if (s.kind == kind::weighted) {
    for (size_t i = 0; i < voters_.size(); ++i)
      label_[i] = s.weight_of.at(voters_[i]);
    // The fewest voters that reach a weight: the heaviest first.
    auto fewest = [ws = label_](size_t weight) mutable {
      std::sort(ws.begin(), ws.end(), std::greater<>{});
      size_t sum = 0;
      size_t count = 0;
      while (sum < weight)
        sum += ws[count++];
      return count;
    };
    q1_ = fewest(s.election_quorum);
    q2_ = fewest(s.replication_quorum);
  } else if (s.kind == kind::zones) {
    auto zones = detail::zone_members(s.zone_of);
    std::vector<size_t> need; // per zone: voters of it in an election quorum
    for (auto& [zone, members] : zones) {
      for (auto& x : members)
        label_[pos(x)] = zone_size_.size();
      zone_size_.push_back(members.size());
      need.push_back(members.size() - s.node_failures);
    }
    std::sort(need.begin(), need.end());
    q1_ = 0;
    for (size_t z = 0; z < zones.size() - s.zone_failures; ++z)
      q1_ += need[z];
    q2_ = (s.node_failures + 1) * (s.zone_failures + 1);
  }
}

size_t quorum_system::threshold(phase p) const {
  return p == phase::election ? spec_.election_quorum
                              : spec_.replication_quorum;
}

bool quorum_system::meets(phase p, const std::vector<char>& in) const {
  switch (spec_.kind) {
  case kind::grid:
    return grid_meets(p, in);
  case kind::zones:
    return zones_meet(p, in);
  case kind::weighted: {
    size_t weight = 0;
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i])
        weight += label_[i];
    return weight >= threshold(p);
  }
  default:
    return static_cast<size_t>(std::count(in.begin(), in.end(), 1)) >=
           threshold(p);
  }
}

bool quorum_system::lines_are_rows(phase p) const {
  return (p == phase::election) == (spec_.elect == grid_lines::rows);
}

bool quorum_system::grid_meets(phase p, const std::vector<char>& in) const {
  // A quorum holds every cell of one line (a row or a column).
  auto rows = lines_are_rows(p);
  auto& s = spec_;
  std::vector<size_t> held(rows ? s.rows : s.columns, 0);
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i])
      ++held[rows ? label_[i] / s.columns : label_[i] % s.columns];
  auto length = rows ? s.columns : s.rows;
  return std::find(held.begin(), held.end(), length) != held.end();
}

bool quorum_system::zones_meet(phase p, const std::vector<char>& in) const {
  // Replication: f_n + 1 voters in each of f_z + 1 zones. Election: all but
  // f_n voters in each of all but f_z zones. Any f_z + 1 zones and any
  // Z - f_z zones share one, where f_n + 1 and size - f_n voters meet.
  auto& s = spec_;
  std::vector<size_t> held(zone_size_.size(), 0);
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i])
      ++held[label_[i]];
  size_t zones = 0;
  for (size_t z = 0; z < held.size(); ++z) {
    auto need = p == phase::replication ? s.node_failures + 1
                                        : zone_size_[z] - s.node_failures;
    if (held[z] >= need)
      ++zones;
  }
  auto need = p == phase::replication ? s.zone_failures + 1
                                      : zone_size_.size() - s.zone_failures;
  return zones >= need;
}

uint64_t quorum_system::own_committed(const std::vector<uint64_t>& m) const {
  switch (spec_.kind) {
  case kind::grid:
    return grid_committed(m);
  case kind::weighted:
    return weighted_committed(m);
  case kind::zones:
    return zones_committed(m);
  default:
    // The q2-th largest match index: exactly q2 voters (a replication
    // quorum) hold it or more.
    if (m.size() < q2_)
      return 0;
    return kth_largest(m, q2_);
  }
}

uint64_t quorum_system::grid_committed(const std::vector<uint64_t>& m) const {
  // A line has committed the lowest match index of its cells; an index is
  // committed once any replication line has.
  auto rows = lines_are_rows(phase::replication);
  auto& s = spec_;
  std::vector<uint64_t> lowest(rows ? s.rows : s.columns,
                               std::numeric_limits<uint64_t>::max());
  for (size_t i = 0; i < m.size(); ++i) {
    auto& x = lowest[rows ? label_[i] / s.columns : label_[i] % s.columns];
    x = std::min(x, m[i]);
  }
  return *std::max_element(lowest.begin(), lowest.end());
}

uint64_t
quorum_system::weighted_committed(const std::vector<uint64_t>& m) const {
  // The most advanced voters first, until their weight reaches W2.
  std::vector<std::pair<uint64_t, size_t>> xs;
  for (size_t i = 0; i < m.size(); ++i)
    xs.emplace_back(m[i], label_[i]);
  std::sort(xs.begin(), xs.end(), std::greater<>{});
  size_t weight = 0;
  for (auto& [match, w] : xs) {
    weight += w;
    if (weight >= spec_.replication_quorum)
      return match;
  }
  return 0;
}

uint64_t quorum_system::zones_committed(const std::vector<uint64_t>& m) const {
  // Per zone, the index f_n + 1 of its voters hold; then the index f_z + 1
  // zones hold.
  auto& s = spec_;
  std::vector<std::vector<uint64_t>> by_zone(zone_size_.size());
  for (size_t i = 0; i < m.size(); ++i)
    by_zone[label_[i]].push_back(m[i]);
  std::vector<uint64_t> zones;
  for (auto& xs : by_zone)
    if (xs.size() > s.node_failures)
      zones.push_back(kth_largest(xs, s.node_failures + 1));
  if (zones.size() <= s.zone_failures)
    return 0;
  return kth_largest(zones, s.zone_failures + 1);
}

} // namespace flexsync
