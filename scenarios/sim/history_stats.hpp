#pragma once

// Counts of a checked client history (sim/lin_workload.hpp), for a run's
// summary. Std only, so random_sim.hpp stays free of CAF.

#include <cstdint>

namespace flexsync::sim {

struct history_stats {
  uint64_t ops = 0;
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  /// Partitions the search could not decide within its budget.
  uint64_t undecided = 0;
  uint64_t search_steps = 0;

  history_stats& operator+=(const history_stats& x) {
    ops += x.ops;
    ok += x.ok;
    fail += x.fail;
    info += x.info;
    undecided += x.undecided;
    search_steps += x.search_steps;
    return *this;
  }
};

} // namespace flexsync::sim
