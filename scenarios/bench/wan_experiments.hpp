#pragma once

// The WAN benchmark's experiments: commit latency per client zone for one
// quorum system, and the workload shift (the load moves from one zone to
// another; how long until the new zone's latency recovers, under a leader
// placement policy).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/bench/wan_clients.hpp"

namespace flexsync::bench {

/// One system measured: a row per client zone, or why it could not run.
struct system_result {
  wan_system system;
  /// Where the leader was: a zone, or "local" (moved to each client zone).
  std::string leader_zone;
  /// Indexed by zone.
  std::vector<std::optional<latency_stats>> zones;
  /// The nodes refused the system (the validator's message).
  std::optional<std::string> refused;
  /// Appends sent while the clients ran (static systems): what re-sends
  /// cost on the WAN.
  size_t appends = 0;
};

/// Runs `sys` with every zone's client making `commands` commands at
/// once, the leader elected in `leader_zone`; a localized system moves the
/// leader into each zone in turn and repeats the run, keeping the row of
/// the zone that leads.
system_result measure_system(const wan_world& w, const wan_system& sys,
                             size_t commands, size_t leader_zone);

/// Where leadership goes when the load shifts: one row of the shift
/// experiment. A node-side policy (node_config::placement) sets it in
/// `configure` and leaves `after_command` empty.
struct shift_policy {
  std::string name;
  /// Adjusts the cluster's options before it starts.
  std::function<void(sim::cluster_options&)> configure;
  /// Called after each answered command of the shifted load with how many
  /// were answered so far: what an operator or a harness-side policy does.
  std::function<void(sim::cluster&, const wan_world&, size_t to_zone,
                     size_t done)>
      after_command;
};

/// The placement policies the benchmark knows: "static" (the leader stays),
/// "operator" (a transfer into the new zone once it has made
/// `transfer_after` commands) and "follow-workload" (the node's own
/// workload-following placement).
std::vector<shift_policy> shift_policies(size_t transfer_after);

struct shift_result {
  std::string policy;
  /// The old zone's latency before the shift, the new zone's after it.
  latency_stats before;
  latency_stats after;
  /// Commands of the new zone answered before its latency recovered (the
  /// first of `recovery_window` commands in a row within the goal), and
  /// the virtual time from the shift to that command's answer; nothing
  /// when it never recovered.
  std::optional<size_t> recovered_after;
  std::optional<double> recovered_ms;
  /// The goal a recovered command meets: 1.2 x the intra-zone RTT.
  double goal_ms = 0;
  /// The new zone's slowest command (e.g. one held during a transfer).
  double slowest_ms = 0;
};

constexpr size_t recovery_window = 10;

/// Runs the zones system with the leader in `from`: `commands` commands
/// from `from`'s client, then `commands` from `to`'s, under `policy`.
shift_result measure_shift(const wan_world& w, const shift_policy& policy,
                           size_t from, size_t to, size_t commands);

} // namespace flexsync::bench
