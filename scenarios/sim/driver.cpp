#include "scenarios/sim/driver.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace flexsync::sim {

namespace {

/// Steps at one virtual instant before the run is declared livelocked.
constexpr uint64_t max_steps_per_instant = 1'000'000;

} // namespace

caf::resumable* pick_seeded(caf::scheduler::test_coordinator& sched,
                            std::mt19937_64& rng) {
  auto& jobs = sched.jobs;
  if (jobs.size() > 1) {
    std::uniform_int_distribution<size_t> pick{0, jobs.size() - 1};
    auto k = pick(rng);
    std::rotate(jobs.begin(), jobs.begin() + k, jobs.begin() + k + 1);
  }
  return jobs.empty() ? nullptr : jobs.front();
}

void run_one_seeded(caf::scheduler::test_coordinator& sched,
                    std::mt19937_64& rng) {
  pick_seeded(sched, rng);
  sched.run_once();
}

bool run_until(caf::scheduler::test_coordinator& sched,
               const std::function<bool()>& pred, caf::timespan max,
               const run_hooks& hooks) {
  auto& clock = sched.clock();
  auto deadline = clock.now() + max;
  uint64_t at_instant = 0;
  for (;;) {
    if (pred())
      return true;
    if (!hooks.ok())
      return false;
    if (sched.has_job()) {
      if (++at_instant > max_steps_per_instant) {
        hooks.livelock();
        return false;
      }
      hooks.step();
      continue;
    }
    at_instant = 0;
    auto& schedule = clock.schedule();
    if (schedule.empty() || schedule.begin()->first > deadline) {
      if (deadline > clock.now())
        sched.advance_time(deadline - clock.now());
      while (sched.has_job())
        hooks.step();
      return pred();
    }
    auto due = schedule.begin()->first;
    sched.advance_time(std::max(due - clock.now(), caf::timespan{0}));
  }
}

void kill_now(caf::scheduler::test_coordinator& sched,
              const node_endpoints& ep) {
  for (auto& a : {ep.election, ep.replicator, ep.log_store, ep.membership,
                  ep.state_machine, ep.snapshotter}) {
    if (!a)
      continue;
    a->enqueue(nullptr, caf::make_message_id(caf::message_priority::high),
               caf::make_message(caf::exit_msg{a.address(),
                                               caf::exit_reason::kill}),
               nullptr);
    auto* job = dynamic_cast<caf::resumable*>(
      caf::actor_cast<caf::abstract_actor*>(a));
    sched.run_jobs_filtered([&](caf::resumable* r) { return r == job; });
  }
}

} // namespace flexsync::sim
