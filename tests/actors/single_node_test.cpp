// A one-node cluster on real CAF threads: it elects itself, becomes ready and
// applies counter commands; blocking calls from inside the node are refused.

#include <catch2/catch.hpp>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

TEST_CASE("single node leads itself and applies counter commands",
          "[actors][single]") {
  // FEATURES repl_counter_unit
  local_cluster<repl_counter> c{{"solo"}};
  REQUIRE(c.at(0).wait_ready(patience));
  auto st = c.at(0).status();
  CHECK(st.role == raft_role::leader);
  CHECK(st.leader == node_id{"solo"});
  CHECK(st.ready);
  CHECK(st.voters == std::vector<node_id>{node_id{"solo"}});
  auto& counter = c.object(0);
  CHECK(counter.get() == 0);
  CHECK(counter.set(42).get() == 42);
  CHECK(counter.add(10).get() == 52);
  CHECK(counter.sub(20).get() == 32);
  CHECK(counter.inc().get() == 33);
  CHECK(counter.get() == 33);
  st = c.at(0).status();
  // The leader's no-op plus four commands, all committed and applied.
  CHECK(st.commit_index == index_t{5});
  CHECK(st.last_applied == index_t{5});
  CHECK(st.last_log_index == index_t{5});
  CHECK(st.pending_calls == 0);
}

TEST_CASE("a blocking call inside a then() callback throws would_block",
          "[actors][single][async]") {
  local_cluster<repl_counter> c{{"solo"}};
  REQUIRE(c.at(0).wait_ready(patience));
  auto& counter = c.object(0);
  report<std::optional<fail_reason>> inner;
  counter.inc().then([&counter, p = inner.sink()](int64_t, const caf::error&) {
    try {
      counter.inc().get();
      p->set_value(std::nullopt);
    } catch (const command_error& e) {
      p->set_value(e.reason());
    }
  });
  auto reason = inner.wait();
  REQUIRE(reason.has_value());
  REQUIRE(reason->has_value());
  CHECK(**reason == fail_reason::would_block);
  // The refused call was never submitted: only the outer inc applied.
  CHECK(counter.inc().get() == 2);
}

TEST_CASE("an asynchronous call inside a then() callback completes",
          "[actors][single][async]") {
  local_cluster<repl_counter> c{{"solo"}};
  REQUIRE(c.at(0).wait_ready(patience));
  auto& counter = c.object(0);
  report<std::pair<int64_t, caf::error>> chained;
  auto p = chained.sink();
  counter.set(7).then([&counter, p](int64_t, const caf::error&) {
    counter.add(3).then([p](int64_t v, const caf::error& err) {
      p->set_value({v, err});
    });
  });
  auto got = chained.wait();
  REQUIRE(got.has_value());
  CHECK(got->first == 10);
  CHECK_FALSE(got->second);
}

TEST_CASE("commands_queue_size 0 refuses every command with queue_full",
          "[actors][single][limits]") {
  local_cluster<repl_counter> c{
    {"solo"}, with([](node_config& cfg) { cfg.commands_queue_size = 0; })};
  REQUIRE(c.at(0).wait_ready(patience));
  auto& counter = c.object(0);
  auto out = run_bounded([&] { counter.inc().get(); });
  REQUIRE(out.returned);
  REQUIRE(out.failure.has_value());
  CHECK(*out.failure == fail_reason::queue_full);
  CHECK(counter.get() == 0);
}

TEST_CASE("the node constructor refuses an invalid config",
          "[actors][single][config]") {
  system_config cfg;
  caf::actor_system sys{cfg};
  auto net = spawn_local_network(sys);
  repl_counter counter;
  SECTION("election timeout too close to the heartbeat") {
    node_config nc{"a", {"b", "c"}};
    nc.heartbeat_interval = 50ms;
    nc.election_timeout_min = 150ms; // must exceed 3 * heartbeat_interval
    CHECK_THROWS_AS((node{sys, nc, net, {&counter}}), config_error);
  }
  SECTION("counting quorums that need not meet") {
    node_config nc{"a", {"b", "c", "d"}};
    nc.quorum = quorum_spec{2, 2}; // two disjoint pairs could both decide
    CHECK_THROWS_AS((node{sys, nc, net, {&counter}}), config_error);
  }
  CHECK_FALSE(counter.bound());
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
}
