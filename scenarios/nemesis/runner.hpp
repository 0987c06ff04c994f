#pragma once

// One nemesis run from start to verdict: start the cluster, run the clients
// and the seeded schedule, heal, check liveness, convergence and the
// history, print the report. See flexsync_nemesis.cpp for the options.

#include <cstdint>
#include <string>

namespace flexsync::nemesis {

struct run_options {
  uint64_t seed = 1;
  size_t nodes = 3;
  /// How long the clients and the nemesis run.
  int64_t seconds = 30;
  std::string node_bin;
  bool plant_local_reads = false;
  /// Password mode, with replays of sealed traffic among the faults.
  bool password = false;
  /// Full disks among the faults (a file size limit on a node).
  bool disk_full = false;
  /// Keep the data dirs and logs even when the run passes.
  bool keep_dir = false;
  /// This program, for the replay command.
  std::string self_path;
};

/// The command line that replays `opts`'s schedule.
std::string replay_command(const run_options& opts);

/// 0: every check passed; 1: a violation; 3: the cluster never came up.
int run(const run_options& opts);

} // namespace flexsync::nemesis
