// The other things a task awaits (actors/objects/coro.hpp): ask<Rs...>() requests to
// other actors, and pending<T> slots filled by a later message handler of
// the same actor; and their cancellation: a task suspended in either is
// destroyed with its actor, its locals' destructors run, and it never
// resumes.

#include <atomic>
#include <future>
#include <string>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/objects/coro.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

struct sentinel {
  std::atomic<int>* destroyed;
  ~sentinel() { ++*destroyed; }
};

/// Answers (x + 1, "pong") to a non-negative x and an error to a negative
/// one; never answers 0.
caf::behavior server(caf::stateful_actor<std::vector<caf::response_promise>>* self) {
  return {
    [=](caf::ping_atom, int32_t x) -> caf::message {
      if (x == 0) {
        self->state.push_back(self->make_response_promise());
        return {};
      }
      if (x < 0)
        return caf::make_message(caf::make_error(caf::sec::invalid_argument));
      return caf::make_message(x + 1, std::string{"pong"});
    },
    [=](caf::get_atom) { return self->state.size(); },
  };
}

using reply = caf::expected<std::tuple<int32_t, std::string>>;

task<void> ask_story(caf::event_based_actor* self, caf::actor srv,
                     caf::actor dead, std::promise<std::string>* out) {
  std::string log;
  auto ok = co_await ask<int32_t, std::string>(srv, caf::infinite,
                                               caf::ping_atom::value,
                                               int32_t{41});
  if (ok)
    log += std::to_string(std::get<0>(*ok)) + std::get<1>(*ok);
  auto refused = co_await ask<int32_t, std::string>(srv, caf::infinite,
                                                    caf::ping_atom::value,
                                                    int32_t{-1});
  log += ' ';
  log += refused ? "answered" : self->system().render(refused.error());
  auto gone = co_await ask<int32_t, std::string>(dead, caf::infinite,
                                                 caf::ping_atom::value,
                                                 int32_t{1});
  log += gone ? " answered" : " dead";
  out->set_value(log);
}

struct slot_state {
  pending<int> slot;
  task<void> running;
};

task<void> sum_three([[maybe_unused]] caf::event_based_actor* self,
                     pending<int>* slot, std::promise<int>* out) {
  int sum = 0;
  for (int i = 0; i < 3; ++i)
    sum += co_await *slot;
  out->set_value(sum);
}

task<void> wait_forever([[maybe_unused]] caf::event_based_actor* self,
                        pending<int>* slot, caf::actor srv,
                        std::atomic<int>* destroyed,
                        std::atomic<int>* resumed) {
  sentinel s{destroyed};
  if (slot)
    co_await *slot;
  else
    co_await ask<int32_t, std::string>(srv, caf::infinite,
                                       caf::ping_atom::value, int32_t{0});
  ++*resumed;
}

/// Delivers `x` to the actor's slot; whether a task was waiting.
bool deliver(caf::actor_system& sys, const caf::actor& a, int x) {
  caf::scoped_actor self{sys};
  bool result = false;
  self->request(a, patience, deliver_atom::value, x)
    .receive([&](bool waiting) { result = waiting; }, [&](caf::error&) {});
  return result;
}

/// What `a` answers to get_atom: the server's unanswered requests, or
/// whether the slot actor's task waits.
size_t ask_count(caf::actor_system& sys, const caf::actor& a) {
  caf::scoped_actor self{sys};
  size_t result = 0;
  self->request(a, patience, caf::get_atom::value)
    .receive([&](size_t n) { result = n; }, [&](caf::error&) {});
  return result;
}

/// An actor with a pending<int> slot, running `start(self)` on go.
template <class Start>
caf::actor spawn_slot_actor(caf::actor_system& sys, Start start) {
  return sys.spawn(
    [start](caf::stateful_actor<slot_state>* self) -> caf::behavior {
      return {
        [=](go_atom) { self->state.running = start(self); },
        [=](deliver_atom, int x) { return self->state.slot.deliver(x); },
        [=](caf::get_atom) { return size_t{self->state.slot.waiting()}; },
      };
    });
}

} // namespace

TEST_CASE("a task awaits requests to other actors, errors as values",
          "[actors][coro]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto srv = sys.spawn(server);
  auto dead = sys.spawn(server);
  caf::anon_send_exit(dead, caf::exit_reason::user_shutdown);
  {
    caf::scoped_actor waiter{sys};
    waiter->wait_for(dead);
  }
  std::promise<std::string> out;
  auto fut = out.get_future();
  auto a = sys.spawn([&](caf::event_based_actor* self) -> caf::behavior {
    return {
      [&, self](go_atom) {
        [[maybe_unused]] auto t = ask_story(self, srv, dead, &out);
      },
    };
  });
  caf::anon_send(a, go_atom::value);
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  CHECK(fut.get() == "42pong system_error(invalid_argument) dead");
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(srv, caf::exit_reason::user_shutdown);
}

TEST_CASE("a task awaits values that later messages deliver",
          "[actors][coro]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::promise<int> out;
  auto fut = out.get_future();
  auto a = spawn_slot_actor(sys, [&](caf::stateful_actor<slot_state>* self) {
    return sum_three(self, &self->state.slot, &out);
  });
  // Nobody waits yet: the value is dropped.
  CHECK_FALSE(deliver(sys, a, 100));
  caf::anon_send(a, go_atom::value);
  CHECK(deliver(sys, a, 1));
  CHECK(deliver(sys, a, 2));
  CHECK(deliver(sys, a, 3));
  REQUIRE(fut.wait_for(patience) == std::future_status::ready);
  CHECK(fut.get() == 6);
  // Finished: nobody waits any more.
  CHECK_FALSE(deliver(sys, a, 4));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("a task waiting on a slot or a request dies with its actor",
          "[actors][coro][cancel]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto srv = sys.spawn(server);
  for (bool on_slot : {true, false}) {
    std::atomic<int> destroyed{0};
    std::atomic<int> resumed{0};
    auto a = spawn_slot_actor(sys, [&](caf::stateful_actor<slot_state>* self) {
      return wait_forever(self, on_slot ? &self->state.slot : nullptr, srv,
                          &destroyed, &resumed);
    });
    caf::anon_send(a, go_atom::value);
    // Suspended: in the slot, or in a request the server holds unanswered.
    auto& waits_on = on_slot ? a : srv;
    REQUIRE(wait_until([&] { return ask_count(sys, waits_on) > 0; }));
    CHECK(destroyed == 0);
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    a = nullptr;
    CHECK(wait_until([&] { return destroyed == 1; }));
    CHECK(resumed == 0);
  }
  caf::anon_send_exit(srv, caf::exit_reason::user_shutdown);
}
