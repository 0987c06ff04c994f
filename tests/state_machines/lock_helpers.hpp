#pragma once

// Lock managers that local_cluster can default-construct: short auto-unlock
// times, keep-alive on or off, and one whose client clock a test can move.

#include <atomic>
#include <chrono>
#include <memory>

#include "state_machines/repl_lock_manager.hpp"

namespace flexsync::testing {

using namespace std::chrono_literals;

inline lock_options lock_opts(caf::timespan t, bool keepalive) {
  lock_options opts;
  opts.auto_unlock_time = t;
  opts.keepalive = keepalive;
  return opts;
}

/// T = 30 s, as in FEATURES.md's batteries_common.
struct locks_30s : repl_lock_manager {
  locks_30s() : repl_lock_manager(30s) {}
};

/// T = 600 ms and no keep-alive: a lock lapses unless refreshed by hand.
struct manual_locks : repl_lock_manager {
  static constexpr caf::timespan ttl = 600ms;
  manual_locks() : repl_lock_manager(lock_opts(ttl, false)) {}
};

/// T = 600 ms with the keep-alive (every 150 ms).
struct kept_locks : repl_lock_manager {
  static constexpr caf::timespan ttl = 600ms;
  kept_locks() : repl_lock_manager(lock_opts(ttl, true)) {}
};

/// A client clock the test moves: real time plus `skew`, and every reading
/// also adds `step` to the skew (so a call sees time jump between its
/// submission and its outcome).
struct test_clock {
  std::shared_ptr<std::atomic<int64_t>> skew
    = std::make_shared<std::atomic<int64_t>>(0);
  std::shared_ptr<std::atomic<int64_t>> step
    = std::make_shared<std::atomic<int64_t>>(0);

  void advance(caf::timespan d) { *skew += d.count(); }
  void jump_per_reading(caf::timespan d) { *step = d.count(); }
};

/// T = 30 s, no keep-alive, and a test_clock as the client's clock.
struct clocked_locks : test_clock, repl_lock_manager {
  static constexpr caf::timespan ttl = 30s;

  clocked_locks() : repl_lock_manager(options(*this)) {}

  static lock_options options(test_clock& c) {
    auto opts = lock_opts(ttl, false);
    opts.clock = [skew = c.skew, step = c.step] {
      auto offset = skew->fetch_add(step->load()) + step->load();
      return caf::actor_clock::clock_type::now() + caf::timespan{offset};
    };
    return opts;
  }
};

} // namespace flexsync::testing
