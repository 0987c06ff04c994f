#pragma once

// The nemesis runner's clients and their history. One client per node, one
// command in flight each, through the node's console:
//   add D     fetch_add(D) on the counter (the answer is the new value, so
//             the value before is answer - D); add 0 is read() through the log
//   set K V   put(V) on register K (values unique per run)
//   read K    get() on register K through the log ("error no such key": nil)
// Outcomes: an "ok" answer is ok; an error whose fail reason proves the
// command was never applied (protocol/fail_reason.hpp) is fail; anything
// else (another error, no answer in time, the process killed or paused) is
// info: it may or may not have taken effect.
//
// With `plant_local_reads`, reads use the console's local reads (`get`,
// `kv K`), which are not linearizable, and are recorded as if they were:
// the checker must then find violations.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "scenarios/check/history.hpp"
#include "scenarios/nemesis/child.hpp"

namespace flexsync::nemesis {

/// The counter's key in the history; registers are "k0", "k1", ...
inline const std::string counter_key = "counter";

/// The history of a run; thread-safe. Times are steady_clock microseconds
/// since the recorder was made.
class recorder {
public:
  recorder();

  check::ticks now() const;
  void add(check::operation op);
  check::history ops() const;

  /// The ops on the counter, or on the registers.
  check::history counter_ops() const;
  check::history register_ops() const;

private:
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mtx_;
  check::history ops_;
};

/// One client's command: the console line and the op it is in the history.
struct client_op {
  std::string line;
  std::string key;
  check::op_input input;
  /// For add: the delta to subtract from the answer (fetch_add's output).
  int64_t delta = 0;
};

/// Runs `op` on `node` as client `client` and records it; returns its
/// outcome. An op whose line never reached the node's console (the process
/// is gone or ending) is not recorded and counts as failed.
check::outcome run_op(node_child& node, recorder& rec, int64_t client,
                      const client_op& op, std::chrono::milliseconds bound);

struct workload_options {
  uint64_t seed = 1;
  size_t registers = 5;
  bool plant_local_reads = false;
  /// How long a client waits for an answer before it records info.
  std::chrono::milliseconds bound{3500};
};

/// Client `client`'s next op; `seq` makes written values unique.
client_op next_op(std::mt19937_64& g, int64_t client, int64_t seq,
                  const workload_options& opts);

/// Runs client `client` against `node` until `stop`; skips a node that is
/// not running.
void client_loop(node_child& node, recorder& rec, int64_t client,
                 const workload_options& opts, const std::atomic<bool>& stop);

} // namespace flexsync::nemesis
