#pragma once

// Driving actors on CAF's test_coordinator in virtual time, shared by the
// simulated cluster and the lock simulator: one seeded step, running until a
// condition holds, and killing a node's actors instantly (a crash).

#include <cstdint>
#include <functional>
#include <random>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "actors/node/wiring.hpp"

namespace caf::scheduler {
class test_coordinator;
} // namespace caf::scheduler

namespace flexsync::sim {

/// Moves one ready job, chosen among all ready ones with `rng`, to the front
/// of the queue (the seeded choice decides the interleaving) and returns it;
/// null when no job is ready.
caf::resumable* pick_seeded(caf::scheduler::test_coordinator& sched,
                            std::mt19937_64& rng);

/// Runs the job pick_seeded chose.
void run_one_seeded(caf::scheduler::test_coordinator& sched,
                    std::mt19937_64& rng);

/// What run_until needs from its owner.
struct run_hooks {
  /// Runs one step (run_one_seeded plus the owner's checks).
  std::function<void()> step;
  /// False once a check failed: the run stops.
  std::function<bool()> ok;
  /// Called when a million steps pass at one instant.
  std::function<void()> livelock;
};

/// Runs steps, advancing virtual time to the next due timer whenever no job
/// is ready, until `pred` holds (checked before every step), a check fails,
/// or `max` of virtual time passes. Returns whether `pred` held.
bool run_until(caf::scheduler::test_coordinator& sched,
               const std::function<bool()>& pred, caf::timespan max,
               const run_hooks& hooks);

/// Kills every actor of a node before anything else in its mailbox, right
/// now, so that the dead incarnation never touches its storage or objects
/// again.
void kill_now(caf::scheduler::test_coordinator& sched,
              const node_endpoints& ep);

} // namespace flexsync::sim
