// Coroutines on a manually ticked loop: an actor of the loop awaits
// replicated calls as straight-line code, and every step of it happens
// inside tick() on the test's thread.

#include <optional>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/objects/coro.hpp"
#include "actors/transport/local_network.hpp"
#include "actors/node/manual_loop.hpp"
#include "actors/node/node.hpp"
#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;

task<int64_t> count_to([[maybe_unused]] caf::event_based_actor* self, repl_counter* c,
                       int64_t n, int* steps) {
  int64_t v = 0;
  for (int64_t i = 0; i < n; ++i) {
    v = co_await c->inc();
    ++*steps;
  }
  co_return v;
}

} // namespace

TEST_CASE("a coroutine on a ticked loop advances only inside ticks",
          "[actors][manual][coro]") {
  caf::timespan time{0};
  manual_loop loop{[&] { return time; }};
  auto net = spawn_local_network(loop.system());
  repl_counter counter;
  node_config cfg{"a", {}};
  use_fast_timeouts(cfg);
  cfg.seed = 99;
  node_options opts;
  opts.loop = &loop;
  node n{loop.system(), cfg, net, {&counter}, opts};
  int steps = 0;
  // Everything runs on this thread, so the test may hold the task itself.
  task<int64_t> job;
  auto runner = loop.system().spawn([&](caf::event_based_actor* self) {
    return caf::behavior{
      [&, self](go_atom) { job = count_to(self, &counter, 3, &steps); }};
  });
  auto tick = [&] {
    time += 10ms;
    loop.tick();
  };
  for (int i = 0; i < 200 && !n.is_ready(); ++i)
    tick();
  REQUIRE(n.is_ready());
  caf::anon_send(runner, go_atom::value);
  // Nothing ran yet: the go message waits for a tick.
  CHECK(steps == 0);
  for (int i = 0; i < 200 && counter.get() < 3; ++i)
    tick();
  CHECK(steps == 3);
  CHECK(counter.get() == 3);
  REQUIRE(job.done());
  CHECK(job.result() == 3);
  CHECK_FALSE(job.cancelled());
  n.stop();
  caf::anon_send_exit(runner, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
  loop.run_ready();
}
