// How calls fail when they cannot be applied: deadlines without a quorum,
// no leader with commands_wait_leader off, a full command queue, and a node
// stopped while calls are pending. Each case is a lone node of a three-node
// configuration (the other two are never started), so it can never elect a
// leader or commit.

#include <catch2/catch.hpp>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

const std::vector<std::string> three{"a", "b", "c"};

/// Reports (value, reason) of an asynchronous call on the counter.
using async_outcome = std::pair<int64_t, fail_reason>;

auto reporter(const report<async_outcome>& r) {
  return [p = r.sink()](int64_t v, const caf::error& err) {
    p->set_value({v, err ? to_fail_reason(err) : fail_reason::success});
  };
}

} // namespace

TEST_CASE("without a quorum a call fails with timeout at its deadline",
          "[actors][failure][timeout]") {
  local_cluster<repl_counter> c{three, only({"a"})};
  auto& counter = c.object(0);
  auto out = run_bounded([&] { counter.inc().get(200ms); });
  REQUIRE(out.returned);
  REQUIRE(out.failure.has_value());
  CHECK(*out.failure == fail_reason::timeout);

  report<async_outcome> r;
  counter.inc().then(reporter(r), 200ms);
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->second == fail_reason::timeout);
  CHECK(got->first == 0);

  auto st = c.at(0).status();
  CHECK(st.leader.empty());
  CHECK(st.role != raft_role::leader);
  CHECK_FALSE(st.ready);
  CHECK(st.pending_calls == 0);
  CHECK(st.commit_index == index_t{0});
  CHECK(counter.get() == 0);
  CHECK_FALSE(c.at(0).wait_ready(50ms));
}

TEST_CASE("with commands_wait_leader off a leaderless node fails fast",
          "[actors][failure][no_leader]") {
  local_cluster<repl_counter> c{
    three,
    with([](node_config& cfg) { cfg.commands_wait_leader = false; }, {"a"})};
  auto& counter = c.object(0);
  // A long deadline: failing with no_leader (not timeout) shows the call did
  // not wait for it.
  auto out = run_bounded([&] { counter.inc().get(30s); });
  REQUIRE(out.returned);
  REQUIRE(out.failure.has_value());
  CHECK(*out.failure == fail_reason::no_leader);

  report<async_outcome> r;
  counter.inc().then(reporter(r), 30s);
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->second == fail_reason::no_leader);
  CHECK(c.at(0).status().pending_calls == 0);
  CHECK(counter.get() == 0);
}

TEST_CASE("with commands_queue_size 0 a leaderless node fails with queue_full",
          "[actors][failure][queue_full]") {
  local_cluster<repl_counter> c{
    three, with([](node_config& cfg) { cfg.commands_queue_size = 0; }, {"a"})};
  auto& counter = c.object(0);
  auto out = run_bounded([&] { counter.inc().get(30s); });
  REQUIRE(out.returned);
  REQUIRE(out.failure.has_value());
  CHECK(*out.failure == fail_reason::queue_full);

  report<async_outcome> r;
  counter.inc().then(reporter(r), 30s);
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->second == fail_reason::queue_full);
  CHECK(c.at(0).status().pending_calls == 0);
}

TEST_CASE("stopping a node fails its pending calls with stopped",
          "[actors][failure][stop]") {
  local_cluster<repl_counter> c{three, only({"a"})};
  auto& counter = c.object(0);
  report<async_outcome> r;
  counter.add(3).then(reporter(r), 30s);
  auto blocked = std::async(std::launch::async, [&] {
    std::optional<fail_reason> failure;
    try {
      counter.inc().get(30s);
    } catch (const command_error& e) {
      failure = e.reason();
    }
    return failure;
  });
  // Both calls are held by the node, waiting for a leader.
  REQUIRE(wait_until([&] { return c.at(0).status().pending_calls == 2; }));
  c.stop(0);
  REQUIRE(blocked.wait_for(patience) == std::future_status::ready);
  auto failure = blocked.get();
  REQUIRE(failure.has_value());
  CHECK(*failure == fail_reason::stopped);
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->second == fail_reason::stopped);
  CHECK(counter.get() == 0);

  SECTION("stop() is idempotent") {
    auto again = std::async(std::launch::async, [&] {
      c.at(0).stop();
      c.at(0).stop();
    });
    CHECK(again.wait_for(patience) == std::future_status::ready);
  }
  SECTION("an asynchronous call on a stopped node fails with stopped") {
    report<async_outcome> late;
    counter.add(1).then(reporter(late), 30s);
    auto out = late.wait();
    REQUIRE(out.has_value());
    CHECK(out->second == fail_reason::stopped);
  }
  SECTION("a blocking call on a stopped node fails with stopped") {
    auto out = run_bounded([&] { counter.inc().get(30s); });
    REQUIRE(out.returned);
    REQUIRE(out.failure.has_value());
    CHECK(*out.failure == fail_reason::stopped);
  }
}
