#pragma once

// The WAN benchmark's clients: one per zone, each a closed loop (one
// command in flight) that submits at its zone's leader if the leader is in
// the zone, else at the zone's first live node (which forwards to the
// leader), and records each command's latency in virtual time: from its
// first submission to its answer, retries included.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/bench/wan_world.hpp"

namespace flexsync::bench {

/// One command's latency and when it was answered.
struct latency_sample {
  double ms = 0;
  caf::timespan completed{0};
};

struct zone_client {
  size_t zone = 0;
  /// Commands still to make.
  size_t remaining = 0;
  std::vector<latency_sample> samples;
  /// Attempts that failed and were made again (leader changes).
  size_t retries = 0;
  /// The command in flight: its outcome slot and its first submission.
  std::optional<size_t> slot;
  caf::timespan started{0};
  size_t attempts = 0;
};

/// What runs the clients: the cluster, its world, and a hook called after
/// each answered command with its client.
struct client_run {
  sim::cluster& cluster;
  const wan_world& world;
  std::function<void(const zone_client&)> after_command;
};

/// The node a client of zone `z` submits at.
node_id entry_node(const sim::cluster& c, const wan_world& w, size_t z);

/// Runs `clients` concurrently until each has made its commands.
/// @throws std::runtime_error when a command is not answered within a
/// minute of virtual time or fails ten times, or a check fails.
void run_clients(const client_run& run, std::vector<zone_client*> clients);

/// Elects `id` and waits until the cluster is settled.
/// @throws std::runtime_error when it does not settle within a minute.
void elect(sim::cluster& c, const node_id& id);

/// Moves leadership to `id` (an operator's transfer) and waits until the
/// cluster is settled under it.
/// @throws std::runtime_error when the transfer fails.
void transfer(sim::cluster& c, const node_id& id);

/// Asks for a transfer to `id` without waiting; returns its change slot.
size_t start_transfer(sim::cluster& c, const node_id& id);

/// Latency percentiles (nearest rank) of samples, in milliseconds.
struct latency_stats {
  double p50 = 0;
  double p99 = 0;
  size_t n = 0;
  /// Attempts made again (see zone_client::retries).
  size_t retries = 0;
};

latency_stats stats_of(const std::vector<latency_sample>& xs);
latency_stats stats_of(const zone_client& cl);

} // namespace flexsync::bench
