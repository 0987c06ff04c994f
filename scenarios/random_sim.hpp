#pragma once

// One randomized simulation run: a cluster of random size and quorum system,
// random faults (partitions, one-way links, drops, duplicates, delays,
// crashes and restarts) under random client load, then healing, and the
// checks that must hold afterwards. A seed reproduces a run exactly.

#include <cstdint>
#include <optional>
#include <string>

#include "scenarios/sim/history_stats.hpp"

namespace flexsync::sim {

struct run_result {
  bool ok = true;
  /// One line describing the run (nodes, quorum, faults).
  std::string setup;
  /// The violations, one per line, when !ok.
  std::string report;
  uint64_t steps = 0;
  uint64_t acked = 0;
  /// With batteries: battery commands the model applied.
  uint64_t battery_commands = 0;
  /// The client history checked for linearizability (sim/lin_workload.hpp).
  history_stats history;
};

struct run_params {
  uint64_t seed = 1;
  /// Fixed cluster size, or random (1 to 5) when unset.
  std::optional<size_t> nodes;
  /// Virtual duration of the fault phase.
  double chaos_seconds = 6.0;
  /// Print node logs at info level.
  bool verbose = false;
  /// With verbose: print node logs at debug level.
  bool debug = false;
  /// Half the client load are random battery operations, checked against a
  /// sequential model (sim/battery_model.hpp).
  bool batteries = false;
  /// Storage of every node: simulated disks (true), memory mode (false: a
  /// crash loses everything), or random per run (90 % disk) when unset.
  std::optional<bool> disk;
  /// The direct rule checks (checker::set_rule_checks); off, only the
  /// safety properties and the client history judge the run.
  bool rule_checks = true;
  /// A planted flaw: clients read registers from their node's replica
  /// instead of through the log, as if that were linearizable. It is not
  /// (a deposed leader, a lagging follower), so the history check must
  /// find violations: what shows that it can.
  bool local_reads = false;
  /// The leader-churn profile (random_sim.cpp): forced on or off, or drawn
  /// per seed (about one in eight) when unset.
  std::optional<bool> churn;
  /// The membership profile (sim/membership_chaos.hpp): forced on or off,
  /// or drawn per seed (about one in eight) when unset.
  std::optional<bool> membership;
  /// Owned terms (sim/profiles.hpp, owned_terms): forced on (for every
  /// eligible seed) or off, or drawn per seed when unset.
  std::optional<bool> owned_terms;
  /// Leadership transfers during the fault phase (sim/profiles.hpp),
  /// asked of random nodes for random or the best targets.
  bool transfers = false;
  /// Lease reads forced on (with check-quorum, which they need) for every
  /// seed, or drawn (half the runs with check-quorum) when unset.
  bool lease_reads = false;
  /// The lease-skew profile of runs with lease reads (sim/lease_skew.hpp):
  /// forced on (no run draws exact clocks) or off (no run draws the
  /// profile: seeds replay as before it), or drawn per run when unset.
  std::optional<bool> clock_skew;
};

run_result run_random(const run_params& params);

} // namespace flexsync::sim
