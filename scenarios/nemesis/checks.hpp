#pragma once

// The nemesis runner's checks after the heal: liveness (a write succeeds
// within a bound), convergence (every replica reports the same applied index
// and the same values), the final reads through the log that close the
// history, and linearizability of the history (scenarios/check).

#include <chrono>
#include <string>
#include <vector>

#include "scenarios/nemesis/cluster.hpp"
#include "scenarios/nemesis/workload.hpp"

namespace flexsync::nemesis {

/// Bound of every wait after the heal.
constexpr std::chrono::milliseconds heal_bound{20000};

/// Writes (`add 1`, recorded) on the nodes in turn until one succeeds;
/// how long that took in ms, or -1 when none did within heal_bound.
int64_t wait_for_write(cluster& c, recorder& rec);

/// Waits until all replicas report the same state; empty when they do,
/// otherwise what differed last.
std::string wait_for_convergence(cluster& c, size_t registers);

/// Every node reads the counter and every register through the log.
void final_reads(cluster& c, recorder& rec, size_t registers);

struct history_verdict {
  /// Parts of the history proven not linearizable.
  int violations = 0;
  /// Parts the search gave up on (budget).
  int undecided = 0;
  /// The checker's report of the failing parts.
  std::string text;
};

history_verdict check_history(const recorder& rec);

} // namespace flexsync::nemesis
