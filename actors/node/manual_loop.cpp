#include "actors/node/manual_loop.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/node/system_config.hpp"

namespace flexsync {

namespace {

/// Jobs one run may execute before the loop is declared livelocked (an
/// actor that keeps messaging itself at one instant).
constexpr size_t max_jobs_per_run = 10'000'000;

} // namespace

manual_loop::manual_loop(clock_fn clock) : clock_(std::move(clock)) {
  if (!clock_) {
    auto start = std::chrono::steady_clock::now();
    clock_ = [start] {
      return caf::timespan{std::chrono::steady_clock::now() - start};
    };
  }
  cfg_ = std::make_unique<system_config>(1);
  cfg_->set("scheduler.policy", caf::atom("testing"));
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  // Nothing runs unless ticked: waiting for actors at shutdown would hang.
  sys_->await_actors_before_shutdown(false);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  start_ = sched_->clock().now().time_since_epoch();
}

manual_loop::~manual_loop() {
  // Drain what is queued (e.g. exit messages of stopped nodes) so actors
  // release their state before the system goes.
  run_ready();
}

caf::actor_system& manual_loop::system() {
  return *sys_;
}

caf::timespan manual_loop::wall() const {
  return clock_();
}

caf::timespan manual_loop::now() const {
  return sched_->clock().now().time_since_epoch() - start_;
}

size_t manual_loop::run_ready() {
  size_t n = 0;
  while (sched_->has_job()) {
    if (++n > max_jobs_per_run)
      throw std::runtime_error("manual_loop: livelock, jobs never run out");
    sched_->run_once();
  }
  return n;
}

size_t manual_loop::tick(caf::timespan max_wait) {
  auto& clock = sched_->clock();
  if (!sched_->has_job() && max_wait > caf::timespan{0}) {
    // Sleep until the next timer or max_wait, whichever comes first.
    auto wait = max_wait;
    auto& schedule = clock.schedule();
    if (!schedule.empty()) {
      auto due = schedule.begin()->first.time_since_epoch() - start_ - wall();
      wait = std::min(wait, std::max(due, caf::timespan{0}));
    }
    if (wait > caf::timespan{0})
      std::this_thread::sleep_for(wait);
  }
  auto target = wall();
  size_t n = run_ready();
  // Fire timers in due order; each may queue work due at the same instant.
  for (;;) {
    auto& schedule = clock.schedule();
    if (schedule.empty()
        || schedule.begin()->first.time_since_epoch() - start_ > target)
      break;
    auto due = schedule.begin()->first.time_since_epoch() - start_;
    sched_->advance_time(std::max(due - now(), caf::timespan{0}));
    n += run_ready();
  }
  if (target > now())
    sched_->advance_time(target - now());
  n += run_ready();
  auto hooks = hooks_;
  for (auto& [id, f] : hooks)
    f();
  n += run_ready();
  auto refresh = refresh_;
  for (auto& [id, f] : refresh)
    f();
  return n;
}

manual_loop::hook_id manual_loop::add_on_tick_callback(std::function<void()> f) {
  auto id = next_hook_++;
  hooks_.emplace(id, std::move(f));
  return id;
}

void manual_loop::remove_on_tick_callback(hook_id id) {
  hooks_.erase(id);
}

manual_loop::hook_id manual_loop::add_refresh(std::function<void()> f) {
  auto id = next_hook_++;
  refresh_.emplace(id, std::move(f));
  return id;
}

void manual_loop::remove_refresh(hook_id id) {
  refresh_.erase(id);
}

} // namespace flexsync
