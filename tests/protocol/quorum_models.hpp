#pragma once

// The kinds of quorum system as tests/protocol/quorum_brute_test.cpp defines
// them: directly over bit masks of voters (bit i is voter i, named 'a' + i),
// independently of protocol/quorum_kinds.cpp, for many parameter choices.

#include <algorithm>
#include <bit>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "protocol/quorum.hpp"

namespace flexsync::quorum_models {

using predicate = std::function<bool(uint32_t)>;

/// A quorum system as the test defines it: its spec (labels included) over
/// voters a, b, ... (bit i is voter i) and the two predicates over masks.
struct model {
  std::string name;
  size_t n = 0;
  quorum_spec spec;
  predicate election;
  predicate replication;
};

inline std::vector<node_id> voters_of(size_t n) {
  std::vector<node_id> out;
  for (size_t i = 0; i < n; ++i)
    out.emplace_back(std::string(1, static_cast<char>('a' + i)));
  return out;
}

inline size_t popcount(uint32_t x) {
  return static_cast<size_t>(std::popcount(x));
}

// -- the kinds, defined directly ---------------------------------------------

inline std::vector<model> counting_models() {
  std::vector<model> out;
  for (size_t n = 1; n <= 9; ++n) {
    auto majority = [n](uint32_t m) { return 2 * popcount(m) > n; };
    out.push_back({"majority n=" + std::to_string(n), n, quorum_spec{},
                   majority, majority});
    for (size_t q1 = 1; q1 <= n; ++q1)
      for (size_t q2 = 1; q2 <= n; ++q2)
        out.push_back({"counting n=" + std::to_string(n) + " " +
                           std::to_string(q1) + "," + std::to_string(q2),
                       n, quorum_spec::counting(q1, q2),
                       [q1](uint32_t m) { return popcount(m) >= q1; },
                       [q2](uint32_t m) { return popcount(m) >= q2; }});
  }
  return out;
}

/// Holds every cell of some row (rows) or of some column.
inline bool full_line(uint32_t m, const std::vector<size_t>& cell, size_t rows,
                      size_t columns, bool by_rows) {
  auto lines = by_rows ? rows : columns;
  auto length = by_rows ? columns : rows;
  for (size_t l = 0; l < lines; ++l) {
    auto all = true;
    for (size_t k = 0; k < length && all; ++k) {
      auto c = by_rows ? l * columns + k : k * columns + l;
      all = (m >> cell[c]) & 1u;
    }
    if (all)
      return true;
  }
  return false;
}

inline std::vector<model> grid_models(std::mt19937_64& rng) {
  std::vector<model> out;
  for (size_t rows = 1; rows <= 9; ++rows)
    for (size_t columns = 1; rows * columns <= 9; ++columns)
      for (auto elect : {grid_lines::rows, grid_lines::columns})
        for (auto shuffled : {false, true}) {
          auto n = rows * columns;
          auto voters = voters_of(n);
          std::vector<size_t> cell(n); // voter index at each cell
          std::iota(cell.begin(), cell.end(), size_t{0});
          if (shuffled)
            std::shuffle(cell.begin(), cell.end(), rng);
          std::vector<node_id> order;
          for (auto i : cell)
            order.push_back(voters[i]);
          auto by_rows = elect == grid_lines::rows;
          auto spec = quorum_spec::grid(rows, columns, elect, order);
          out.push_back({"grid " + to_string(spec), n, spec,
                         [=](uint32_t m) {
                           return full_line(m, cell, rows, columns, by_rows);
                         },
                         [=](uint32_t m) {
                           return full_line(m, cell, rows, columns, !by_rows);
                         }});
        }
  return out;
}

inline model weighted_model(const std::vector<uint64_t>& w, size_t w1,
                            size_t w2) {
  auto voters = voters_of(w.size());
  std::map<node_id, uint64_t> weights;
  std::string name =
      "weighted " + std::to_string(w1) + "," + std::to_string(w2) + " weights";
  for (size_t i = 0; i < w.size(); ++i) {
    weights[voters[i]] = w[i];
    name += " " + std::to_string(w[i]);
  }
  auto weight = [w](uint32_t m) {
    uint64_t sum = 0;
    for (size_t i = 0; i < w.size(); ++i)
      if (m & (1u << i))
        sum += w[i];
    return sum;
  };
  return {name, w.size(), quorum_spec::weighted(w1, w2, weights),
          [=](uint32_t m) { return weight(m) >= w1; },
          [=](uint32_t m) { return weight(m) >= w2; }};
}

inline std::vector<model> weighted_models(std::mt19937_64& rng) {
  std::vector<model> out;
  // Even weights make W1 + W2 <= total safe: {2,2,2} with 3,3.
  out.push_back(weighted_model({2, 2, 2}, 3, 3));
  std::uniform_int_distribution<uint64_t> weight{1, 4};
  for (size_t n = 1; n <= 9; ++n) {
    for (int draw = 0; draw < (n <= 4 ? 10 : 6); ++draw) {
      std::vector<uint64_t> w(n);
      for (auto& x : w)
        x = draw == 0 ? 2 : weight(rng);
      auto total = std::accumulate(w.begin(), w.end(), size_t{0});
      if (n <= 4) {
        for (size_t w1 = 1; w1 <= total; ++w1)
          for (size_t w2 = 1; w2 <= total; ++w2)
            out.push_back(weighted_model(w, w1, w2));
        continue;
      }
      // Mostly near the boundary W1 + W2 = total, where subset sums decide.
      std::uniform_int_distribution<size_t> any{1, total};
      std::uniform_int_distribution<int> near{-2, 2};
      for (int k = 0; k < 24; ++k) {
        auto w1 = any(rng);
        auto w2 = k % 3 == 0 ? any(rng) : total - w1 + near(rng);
        if (w2 >= 1 && w2 <= total)
          out.push_back(weighted_model(w, w1, w2));
      }
    }
  }
  return out;
}

/// Partitions of n into at most four parts, largest first.
inline void partitions(size_t n, size_t largest, std::vector<size_t>& prefix,
                       std::vector<std::vector<size_t>>& out) {
  if (n == 0) {
    out.push_back(prefix);
    return;
  }
  if (prefix.size() == 4)
    return;
  for (size_t part = std::min(n, largest); part >= 1; --part) {
    prefix.push_back(part);
    partitions(n - part, part, prefix, out);
    prefix.pop_back();
  }
}

/// A zones model; `zone` is each voter's zone number.
inline model zones_model(const std::vector<size_t>& zone, size_t zones,
                         size_t fz, size_t fn) {
  auto n = zone.size();
  auto voters = voters_of(n);
  std::map<node_id, std::string> zone_of;
  std::vector<uint32_t> members(zones, 0);
  std::string name =
      "zones fz=" + std::to_string(fz) + " fn=" + std::to_string(fn) + " zones";
  for (size_t i = 0; i < n; ++i) {
    zone_of[voters[i]] = "z" + std::to_string(zone[i]);
    members[zone[i]] |= 1u << i;
    name += " " + voters[i].name + "=z" + std::to_string(zone[i]);
  }
  auto zones_with = [members](uint32_t m, auto need) {
    size_t count = 0;
    for (auto z : members)
      if (popcount(m & z) >= need(popcount(z)))
        ++count;
    return count;
  };
  return {name, n, quorum_spec::zones(fz, fn, zone_of),
          [=](uint32_t m) {
            return zones_with(m, [fn](size_t size) {
                     return size > fn ? size - fn : 0;
                   }) >= zones - fz;
          },
          [=](uint32_t m) {
            return zones_with(m, [fn](size_t) { return fn + 1; }) >= fz + 1;
          }};
}

/// Zones models, including invalid ones (a zone of f_n voters or fewer).
inline std::vector<model> zones_models(std::mt19937_64& rng) {
  std::vector<model> out;
  for (size_t n = 1; n <= 9; ++n) {
    std::vector<std::vector<size_t>> parts;
    std::vector<size_t> prefix;
    partitions(n, n, prefix, parts);
    for (auto& sizes : parts) {
      std::vector<size_t> zone;
      for (size_t z = 0; z < sizes.size(); ++z)
        zone.insert(zone.end(), sizes[z], z);
      std::shuffle(zone.begin(), zone.end(), rng);
      for (size_t fz = 0; fz < sizes.size(); ++fz)
        for (size_t fn = 0; fn <= sizes.front(); ++fn)
          out.push_back(zones_model(zone, sizes.size(), fz, fn));
    }
  }
  return out;
}

} // namespace flexsync::quorum_models
