// Coroutines inside actors (actors/objects/coro.hpp): replicated calls awaited as
// straight-line code, errors as exceptions or values, nested tasks, an actor
// that stays responsive while awaiting, and cancellation: a coroutine whose
// actor stops is destroyed, with its locals, and never resumes.

#include <atomic>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/objects/coro.hpp"
#include "state_machines/repl_counter.hpp"
#include "state_machines/repl_set.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

const std::vector<std::string> three{"a", "b", "c"};

using go_atom = caf::atom_constant<caf::atom("go")>;

/// Counts destructions of coroutine locals.
struct sentinel {
  std::atomic<int>* destroyed;
  ~sentinel() { ++*destroyed; }
};

task<int64_t> add_twice([[maybe_unused]] caf::event_based_actor* self, repl_counter& c,
                        int64_t n) {
  auto first = co_await c.add(n);
  auto second = co_await c.add(n);
  co_return first + second;
}

task<void> sum_story([[maybe_unused]] caf::event_based_actor* self, repl_counter& c,
                     std::shared_ptr<std::promise<int64_t>> out) {
  auto v = co_await c.set(42);
  v = co_await c.add(10);
  auto nested = co_await add_twice(self, c, 1); // 53 + 54
  out->set_value(v + nested);
}

// The README's example, verbatim.
// BEGIN README coroutine
flexsync::task<int64_t> bump([[maybe_unused]] caf::event_based_actor* self,
                             flexsync::repl_counter& hits) {
  auto v = co_await hits.add(10);                // throws like get()
  auto w = co_await hits.inc().as_expected();     // caf::expected<int64_t>
  co_return v + (w ? *w : 0);
}
// END README coroutine

struct coro_actor_state {
  task<void> running;
  static inline const char* name = "coro_test_actor";
};

/// An actor that starts `start(self)` on go_atom and answers pings meanwhile.
template <class Start>
caf::actor spawn_coro_actor(caf::actor_system& sys, Start start) {
  return sys.spawn(
    [start](caf::stateful_actor<coro_actor_state>* self) -> caf::behavior {
      return {
        [=](go_atom) { self->state.running = start(self); },
        [=](caf::ping_atom, int32_t x) { return x + 1; },
      };
    });
}

int32_t ping(caf::actor_system& sys, const caf::actor& a) {
  caf::scoped_actor self{sys};
  int32_t result = -1;
  self->request(a, patience, caf::ping_atom::value, int32_t{41})
    .receive([&](int32_t x) { result = x; }, [&](caf::error&) {});
  return result;
}

} // namespace

TEST_CASE("replicated calls read as straight-line code in a coroutine",
          "[actors][coro]") {
  local_cluster<repl_counter> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& counter = c.object(0);
  auto out = std::make_shared<std::promise<int64_t>>();
  auto fut = out->get_future();
  auto a = spawn_coro_actor(c.system(), [&, out](auto self) {
    return sum_story(self, counter, out);
  });
  caf::anon_send(a, go_atom::value);
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  CHECK(fut.get() == 52 + 53 + 54);
  CHECK(counter.get() == 54);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("the README's coroutine", "[actors][coro][readme]") {
  local_cluster<repl_counter> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& counter = c.object(0);
  auto out = std::make_shared<std::promise<int64_t>>();
  auto fut = out->get_future();
  auto a = spawn_coro_actor(c.system(), [&, out](auto self) {
    auto t = bump(self, counter);
    return [](task<int64_t> t, [[maybe_unused]] auto self,
              std::shared_ptr<std::promise<int64_t>> out) -> task<void> {
      out->set_value(co_await std::move(t));
    }(std::move(t), self, out);
  });
  caf::anon_send(a, go_atom::value);
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  CHECK(fut.get() == 10 + 11);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("a coroutine gets errors as exceptions or as values, and its actor "
          "stays responsive while it waits",
          "[actors][coro][errors]") {
  // A lone node of three: calls wait for a leader until their deadline.
  local_cluster<repl_counter> c{
    three, with([](node_config& cfg) { cfg.default_call_timeout = 300ms; },
                {"a"})};
  auto& counter = c.object(0);
  auto out = std::make_shared<std::promise<std::pair<fail_reason, fail_reason>>>();
  auto fut = out->get_future();
  auto a = spawn_coro_actor(c.system(), [&, out]([[maybe_unused]] caf::event_based_actor* self)
                                          -> task<void> {
    fail_reason thrown = fail_reason::success;
    try {
      co_await counter.inc();
    } catch (const command_error& e) {
      thrown = e.reason();
    }
    auto v = co_await counter.inc().as_expected();
    out->set_value({thrown, v ? fail_reason::success : to_fail_reason(v.error())});
  });
  caf::anon_send(a, go_atom::value);
  // Suspended in the first co_await, the actor still answers.
  CHECK(ping(c.system(), a) == 42);
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  auto [thrown, valued] = fut.get();
  CHECK(thrown == fail_reason::timeout);
  CHECK(valued == fail_reason::timeout);
  CHECK(counter.get() == 0);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("an apply error reaches the coroutine like a blocking call's",
          "[actors][coro][errors]") {
  local_cluster<repl_set<int64_t>> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& set = c.object(0);
  auto out = std::make_shared<std::promise<std::pair<bool, bool>>>();
  auto fut = out->get_future();
  auto a = spawn_coro_actor(c.system(), [&, out]([[maybe_unused]] caf::event_based_actor* self)
                                          -> task<void> {
    bool thrown = false;
    try {
      co_await set.remove(7); // absent: the handler returns an error
    } catch (const apply_error&) {
      thrown = true;
    }
    auto v = co_await set.remove(7).as_expected();
    out->set_value({thrown, !v && v.error() == battery_errc::key_not_found});
  });
  caf::anon_send(a, go_atom::value);
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  auto [thrown, handler_error] = fut.get();
  CHECK(thrown);
  CHECK(handler_error);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

namespace {

task<int64_t> inner_wait([[maybe_unused]] caf::event_based_actor* self, repl_counter* c,
                         std::atomic<int>* destroyed, std::atomic<int>* resumed) {
  sentinel s{destroyed};
  auto v = co_await c->inc();
  ++*resumed;
  co_return v;
}

task<void> outer_wait([[maybe_unused]] caf::event_based_actor* self, repl_counter* c,
                      std::atomic<int>* destroyed, std::atomic<int>* resumed) {
  sentinel s{destroyed};
  co_await inner_wait(self, c, destroyed, resumed);
  ++*resumed;
}

} // namespace

TEST_CASE("coroutines awaiting when their actor stops are destroyed cleanly",
          "[actors][coro][cancel]") {
  // A lone node of three: the call can never complete while the test runs.
  local_cluster<repl_counter> c{
    three, with([](node_config& cfg) { cfg.default_call_timeout = 600s; },
                {"a"})};
  auto& counter = c.object(0);
  std::atomic<int> destroyed{0};
  std::atomic<int> resumed{0};
  auto a = spawn_coro_actor(c.system(), [&](caf::event_based_actor* self) {
    return outer_wait(self, &counter, &destroyed, &resumed);
  });
  caf::anon_send(a, go_atom::value);
  // Both coroutines are suspended once the node holds the call.
  REQUIRE(wait_until([&] { return c.at(0).status().pending_calls == 1; }));
  CHECK(destroyed == 0);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  a = nullptr;
  // Inner and outer frames are destroyed (their sentinels run), in cascade,
  // without ever resuming past their co_await.
  CHECK(wait_until([&] { return destroyed == 2; }));
  CHECK(resumed == 0);
}

namespace {

task<void> write_then_barrier([[maybe_unused]] caf::event_based_actor* self,
                              repl_counter& writer, repl_counter& reader,
                              std::shared_ptr<std::promise<int64_t>> out) {
  auto v = co_await writer.add(7);
  co_await reader.barrier(); // linearizable from here on
  out->set_value(reader.get() - v);
}

} // namespace

TEST_CASE("a coroutine awaits a read barrier, then reads another member's "
          "write on its own replica",
          "[actors][coro][read_barrier]") {
  local_cluster<repl_counter> c{three};
  REQUIRE(c.await_leader());
  auto out = std::make_shared<std::promise<int64_t>>();
  auto fut = out->get_future();
  auto a = spawn_coro_actor(c.system(), [&, out](auto self) {
    return write_then_barrier(self, c.object(0), c.object(2), out);
  });
  caf::anon_send(a, go_atom::value);
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  CHECK(fut.get() == 0);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
