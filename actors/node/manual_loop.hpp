#pragma once

/// @class flexsync::manual_loop
/// Manual tick mode (PySyncObj's autoTick=False): the application drives its
/// nodes from its own loop, and nothing of theirs runs between two ticks.
///
/// How this maps onto CAF 0.17: the loop owns an actor system whose scheduler
/// is caf::scheduler::test_coordinator (`scheduler.policy = testing`). That
/// scheduler starts no worker threads: a message to an actor only queues the
/// actor as a job, and a delayed message only enters the clock's schedule.
/// tick() moves the actor clock to "now" (firing due timers) and runs every
/// queued job on the calling thread until none is left. Nodes spawned on
/// loop.system() with node_options::loop set are ordinary flexsync nodes; the
/// same actors run threaded or ticked.
///
/// Costs and limits (see README "Manual tick mode"):
/// - Everything runs on one thread: no parallelism between a node's actors,
///   and a slow apply delays every other actor of the loop.
/// - The loop and every node on it must be used from one thread (the
///   test_coordinator is not thread-safe); blocking calls fail at once with
///   would_block (nothing would run while they wait): use then() or
///   coroutines and keep ticking.
/// - Only in-process transports (the local network) work: CAF's middleman
///   runs its own I/O thread, which the testing scheduler cannot host.
/// - Timers fire late by up to one tick period.
///
/// @code
///   flexsync::manual_loop loop;
///   flexsync::node_options opts;
///   opts.loop = &loop;
///   flexsync::node n{loop.system(), cfg, net, {&counter}, opts};
///   for (;;) { loop.tick(50ms); /* application work */ }
/// @endcode

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

namespace flexsync {

class system_config;

class manual_loop {
public:
  /// Time since the loop started. The default reads std::chrono's steady
  /// clock; tests pass their own to move time deterministically.
  using clock_fn = std::function<caf::timespan()>;

  /// Creates the loop and its actor system, on the testing scheduler (no
  /// worker threads). `clock` as in clock_fn; empty reads the steady clock.
  explicit manual_loop(clock_fn clock = {});
  ~manual_loop();

  manual_loop(const manual_loop&) = delete;
  manual_loop& operator=(const manual_loop&) = delete;

  /// The loop's actor system: spawn the nodes and the local network on it.
  caf::actor_system& system();

  /// One round: when nothing is ready, first waits (really sleeps) until the
  /// next timer is due or `max_wait` passed; then moves the actor clock to
  /// now, runs every ready job, runs the on-tick callbacks and whatever they
  /// queued, and lets the nodes refresh their status. Returns the number of
  /// jobs run. Only from the thread that owns the loop.
  size_t tick(caf::timespan max_wait = caf::timespan{0});

  /// Runs ready jobs without moving time; returns how many ran.
  size_t run_ready();

  /// The loop's current time (since it started), as the actors see it.
  caf::timespan now() const;

  /// Handle of a callback registered with the loop.
  using hook_id = uint64_t;

  /// Runs `f` once per tick, after the due work. Returns a handle for
  /// remove_on_tick_callback.
  hook_id add_on_tick_callback(std::function<void()> f);

  /// Removes a callback; an unknown handle is ignored.
  void remove_on_tick_callback(hook_id id);

  /// For nodes: `f` runs at the end of every tick (status refresh).
  hook_id add_refresh(std::function<void()> f);
  /// Removes a refresh hook; an unknown handle is ignored.
  void remove_refresh(hook_id id);

private:
  caf::timespan wall() const;

  clock_fn clock_;
  /// The actor clock's reading when the loop started.
  caf::timespan start_{0};
  std::unique_ptr<system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  hook_id next_hook_ = 1;
  std::map<hook_id, std::function<void()>> hooks_;
  std::map<hook_id, std::function<void()>> refresh_;
};

} // namespace flexsync
