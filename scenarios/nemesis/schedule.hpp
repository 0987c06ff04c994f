#pragma once

// The nemesis runner's fault schedule: a list of fault events drawn from one
// seed, so `--seed S` (with the same --nodes and --seconds) replays the same
// events with the same timings. Only the schedule is replayed: the real-time
// interleaving of processes, sockets and disks differs from run to run.
//
// Events never overlap: each one starts, holds for its duration and is
// healed before the next begins.

#include <cstdint>
#include <string>
#include <vector>

namespace flexsync::nemesis {

enum class fault_kind : uint8_t {
  kill_restart,    // SIGKILL a node, restart it (same data dir) after a while
  pause,           // SIGSTOP a node, SIGCONT it after a while
  partition,       // cut every link between `side` and the other nodes
  isolate,         // cut every link of one node
  drop_links,      // close every link of one node once
  delay,           // hold the bytes of one node's links for delay_ms
  cluster_restart, // SIGKILL every node, restart them all
  replay,          // replay sealed traffic of one node's link (password
                   // mode only; fault_proxy::replay)
};

const char* to_string(fault_kind x);

struct fault_event {
  /// When it starts, in ms after the workload started.
  int64_t start_ms = 0;
  /// How long it holds before it is healed.
  int64_t duration_ms = 0;
  fault_kind kind = fault_kind::kill_restart;
  /// Aim at the node that leads when the event starts (`node` if none).
  bool at_leader = false;
  /// The target node (kill_restart, pause, isolate, drop_links, delay,
  /// replay: its link to the next node).
  size_t node = 0;
  /// One side of a partition.
  std::vector<size_t> side;
  /// The delay of a delay event.
  int64_t delay_ms = 0;
};

/// The events for a run of `run_ms` ms over `nodes` nodes; replays only
/// when `replays` (a password cluster, whose links carry sealed frames).
/// Without replays a seed draws what it drew before they existed.
std::vector<fault_event> make_schedule(uint64_t seed, size_t nodes,
                                       int64_t run_ms, bool replays = false);

/// One line: "at 1200ms for 800ms: pause leader (else n2)".
std::string describe(const fault_event& x);

} // namespace flexsync::nemesis
