#pragma once

// The console's command language (node_console.hpp lists the commands),
// without CAF: run_console_command parses a line, calls the node through
// console_node and writes the answer. node_console.cpp implements
// console_node on a real node; the fuzz target tests/fuzz/console.cpp on a
// fake one.

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "protocol/membership.hpp"
#include "protocol/read_mode.hpp"
#include "protocol/types.hpp"

namespace flexsync::examples {

/// The versioned tally's counts (versioned_tally::counts).
struct tally_counts {
  int64_t before = 0;
  int64_t after = 0;
  uint64_t switched_at = 0;
};

/// What the console's commands do to a node. Blocking calls wait up to the
/// console's call timeout and throw a std::exception when they fail (the
/// answer is then "error " and describe()'s text).
class console_node {
public:
  virtual ~console_node() = default;

  /// "ok self=... role=..." (status).
  virtual std::string status_line() = 0;
  /// "ok lines=N", then the N lines of the Prometheus text (metrics).
  virtual std::string metrics_text() = 0;
  /// The text of a failed call, as one line or several (made one line).
  virtual std::string describe(const std::exception& e) = 0;

  virtual int64_t counter_inc() = 0;
  virtual int64_t counter_add(int64_t n) = 0;
  /// Reads the local replica.
  virtual int64_t counter_get() = 0;
  virtual void counter_barrier(read_mode mode) = 0;
  /// An asynchronous inc: `done(ok)` runs once it completes (any thread).
  virtual void counter_inc_async(std::function<void(bool)> done,
                                 std::chrono::milliseconds timeout) = 0;

  virtual void kv_set(const std::string& key, const std::string& value) = 0;
  /// Reads the local replica.
  virtual std::optional<std::string> kv_get(const std::string& key) = 0;
  virtual void kv_barrier(read_mode mode) = 0;
  virtual void kv_barrier_async(read_mode mode,
                                std::function<void(bool)> done) = 0;
  virtual std::optional<std::string> kv_pop(const std::string& key) = 0;

  /// The payload sink (bench).
  virtual void sink_put(const std::string& payload) = 0;
  virtual void sink_put_async(const std::string& payload,
                              std::function<void(bool)> done) = 0;

  virtual int64_t tally_tick() = 0;
  virtual int64_t tally_tick_n(int64_t n) = 0;
  /// Reads the local replica.
  virtual tally_counts tally() = 0;

  virtual void drop_links() = 0;
  /// node_status::recovery (empty: intact).
  virtual std::string recovery() = 0;
  virtual void force_recover() = 0;
  /// `cmd` is add-node, remove-node or add-learner.
  virtual change_result change_membership(const std::string& cmd,
                                          const node_id& x) = 0;
  virtual change_result transfer(std::optional<node_id> target) = 0;
  virtual change_result set_code_version(uint32_t version) = 0;
  /// The configuration in effect and its index ("... (index N)").
  virtual std::string members() = 0;

  /// Heap allocations of the process so far (bench's allocs_per_op).
  virtual uint64_t allocations() = 0;
};

/// Runs one command line and returns its answer (one line, no newline;
/// metrics: "ok lines=N" and N more lines). `quit` answers "ok bye"; the
/// caller decides what quitting means. Never throws but what the node's
/// calls throw that is no std::exception.
std::string run_console_command(console_node& t, const std::string& line);

} // namespace flexsync::examples
