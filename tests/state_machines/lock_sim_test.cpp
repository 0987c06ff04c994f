// Lock safety under faults, on virtual time: seeded simulator runs with
// partitions that cut off lock holders, crashes and restarts, and leader
// clocks skewed within the safety margin. No two clients ever believe they
// hold one lock at once; after healing, every lock can be acquired again and
// all replicas hold the same table.

#include <catch2/catch.hpp>

#include <cstdlib>

#include "tests/state_machines/lock_sim.hpp"

using namespace flexsync;
using namespace flexsync::testing;
using namespace std::chrono_literals;

namespace {

struct totals {
  size_t grants = 0;
  size_t handovers = 0;
  size_t takeovers = 0;
};

/// Runs `seeds` simulations; each must pass. Returns what they exercised.
totals run_seeds(uint64_t first, uint64_t seeds, caf::timespan skew) {
  totals result;
  for (auto seed = first; seed < first + seeds; ++seed) {
    lock_sim_options opts;
    opts.seed = seed;
    opts.nodes = 3 + seed % 3;
    opts.max_clock_skew = skew;
    lock_sim sim{opts};
    sim.chaos(8s);
    sim.heal();
    auto live = sim.ok() && sim.liveness(10s);
    INFO(sim.report());
    REQUIRE(sim.ok());
    REQUIRE(live);
    result.grants += sim.grants();
    result.handovers += sim.handovers();
    result.takeovers += sim.takeovers();
  }
  return result;
}

} // namespace

TEST_CASE("no two clients hold one lock, across partitions and crashes",
          "[locks][sim]") {
  auto t = run_seeds(1, 40, 0s);
  // The runs did exercise the interesting case: a lock passing on by expiry
  // while its previous holder was alive (cut off from the cluster).
  CHECK(t.grants > 50);
  CHECK(t.takeovers > 0);
}

TEST_CASE("replay lock simulations", "[.replay]") {
  // LOCK_SIM_SEED (first seed), LOCK_SIM_COUNT (default 1, traced when 1)
  // and LOCK_SIM_SKEW_MS select the runs.
  auto env = [](const char* name, uint64_t fallback) -> uint64_t {
    auto x = std::getenv(name);
    return x ? std::stoull(x) : fallback;
  };
  auto first = env("LOCK_SIM_SEED", 1);
  auto count = env("LOCK_SIM_COUNT", 1);
  auto skew = std::chrono::milliseconds(env("LOCK_SIM_SKEW_MS", 0));
  totals t;
  for (auto seed = first; seed < first + count; ++seed) {
    lock_sim_options opts;
    opts.seed = seed;
    opts.nodes = 3 + seed % 3;
    opts.max_clock_skew = skew;
    opts.verbose = count == 1;
    lock_sim sim{opts};
    sim.chaos(8s);
    sim.heal();
    auto live = sim.ok() && sim.liveness(10s);
    INFO(sim.report());
    CHECK(sim.ok());
    CHECK(live);
    t.grants += sim.grants();
    t.handovers += sim.handovers();
    t.takeovers += sim.takeovers();
  }
  WARN(count << " runs: " << t.grants << " grants, " << t.handovers
              << " handovers, " << t.takeovers << " after expiry");
}

TEST_CASE("lock safety holds with leader clocks skewed within the margin",
          "[locks][sim]") {
  // T = 1 s, margin T/4 = 250 ms >= 2 * 100 ms of skew.
  auto t = run_seeds(1000, 40, 100ms);
  CHECK(t.grants > 50);
}

TEST_CASE("beyond the margin, the checker catches two holders",
          "[locks][sim]") {
  // The limit the documentation states: leader clocks 400 ms apart (more
  // than the 250 ms margin allows) let a lock expire early. About one seed
  // in twenty shows it; the checker must see it.
  bool caught = false;
  for (uint64_t seed = 1; seed <= 100 && !caught; ++seed) {
    lock_sim_options opts;
    opts.seed = seed;
    opts.nodes = 3 + seed % 3;
    opts.max_clock_skew = 400ms;
    lock_sim sim{opts};
    sim.chaos(8s);
    caught = !sim.violations().empty();
  }
  CHECK(caught);
}
