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
  disk_full,       // the node's files may not grow past a limit just above
                   // its journal's size (RLIMIT_FSIZE: writes fail with
                   // EFBIG as on a full disk); then it restarts without
                   // one (--disk-full only)
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
  /// disk_full: how many bytes the journal may still grow.
  int64_t headroom_bytes = 0;
  /// disk_full: restart the node with the limit (recovery on a nearly full
  /// disk) instead of lowering it on the running process.
  bool at_restart = false;
};

/// The events for a run of `run_ms` ms over `nodes` nodes; replays only
/// when `replays` (a password cluster, whose links carry sealed frames),
/// full disks only when `disk_full`. Without either a seed draws what it
/// drew before they existed.
std::vector<fault_event> make_schedule(uint64_t seed, size_t nodes,
                                       int64_t run_ms, bool replays = false,
                                       bool disk_full = false);

/// One line: "at 1200ms for 800ms: pause leader (else n2)".
std::string describe(const fault_event& x);

} // namespace flexsync::nemesis
