// Linearizable reads (state_machine::barrier(), ReadIndex) on real CAF
// threads: the simulator checks them under faults (read_index.scenario and
// the client histories of flexsync-sim); here each case is one user story.

#include <future>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using cluster = local_cluster<repl_counter>;

} // namespace

TEST_CASE("after a barrier every member reads the writes acknowledged "
          "before it, in all three call modes",
          "[read_barrier]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  for (size_t writer = 0; writer < c.size(); ++writer) {
    auto v = c.object(writer).add(1).get(5s);
    for (size_t i = 0; i < c.size(); ++i) {
      // Blocking: the barrier, then the local replica.
      CHECK(c.object(i).read_linearizable(
              [&] { return c.object(i).get(); }, 5s)
            == v);
      // Callback: completes in the node's context, after the apply.
      report<int64_t> seen;
      c.object(i).barrier().then(
        [&obj = c.object(i), sink = seen.sink()](const caf::error& err) {
          sink->set_value(err ? -1 : obj.get());
        },
        5s);
      CHECK(seen.wait() == v);
    }
  }
  auto m = c.at(*leader).metrics();
  CHECK(m.replicator->reads_confirmed.value >= 9);
  CHECK(m.replicator->read_rounds.value >= 1);
  auto follower = (*leader + 1) % c.size();
  CHECK(c.at(follower).metrics().replicator->reads_forwarded.value >= 3);
}

TEST_CASE("many barriers at once are confirmed by few rounds",
          "[read_barrier]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(5).get(5s) == 5);
  auto before = c.at(*leader).metrics().replicator->read_rounds.value;
  std::vector<report<bool>> done(200);
  for (auto& d : done)
    c.object(*leader).barrier().then(
      [sink = d.sink()](const caf::error& err) { sink->set_value(!err); }, 5s);
  for (auto& d : done)
    CHECK(d.wait() == true);
  auto rounds = c.at(*leader).metrics().replicator->read_rounds.value - before;
  INFO(rounds << " rounds for 200 barriers");
  CHECK(rounds >= 1);
  CHECK(rounds < 100);
}

TEST_CASE("without a quorum a barrier fails at its deadline instead of "
          "answering from a replica that may be stale",
          "[read_barrier]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  // The leader alone (check-quorum takes a while to notice): its barrier
  // cannot be confirmed.
  for (size_t i = 0; i < c.size(); ++i)
    if (i != *leader)
      c.stop(i);
  try {
    c.object(*leader).barrier().get(300ms);
    FAIL("a barrier without a quorum succeeded");
  } catch (const command_error& e) {
    CHECK((e.reason() == fail_reason::timeout
           || e.reason() == fail_reason::leader_changed));
  }
}

TEST_CASE("a stopped node fails its barriers with stopped",
          "[read_barrier]") {
  cluster c{{"a"}};
  REQUIRE(c.await_leader());
  REQUIRE(c.object(0).add(1).get(5s) == 1);
  CHECK(c.object(0).read_linearizable([&] { return c.object(0).get(); }) == 1);
  c.stop(0);
  try {
    c.object(0).barrier().get(1s);
    FAIL("a barrier on a stopped node succeeded");
  } catch (const command_error& e) {
    CHECK(e.reason() == fail_reason::stopped);
  }
}

TEST_CASE("with lease reads the leader answers lease barriers without a "
          "round, and the values are as fresh",
          "[read_barrier][lease]") {
  cluster c{{"a", "b", "c"},
            with([](node_config& cfg) { cfg.lease_reads = true; })};
  auto leader = c.await_leader();
  REQUIRE(leader);
  // The lease comes from heartbeat rounds: wait until one was confirmed.
  REQUIRE(wait_until([&] {
    c.object(*leader).barrier(read_mode::lease).get(5s);
    return c.at(*leader).metrics().replicator->reads_lease.value > 0;
  }));
  for (int i = 1; i <= 20; ++i) {
    auto v = c.object(*leader).add(1).get(5s);
    CHECK(c.object(*leader).read_linearizable(
            [&] { return c.object(*leader).get(); }, 5s)
          == v);
    auto follower = (*leader + 1 + i % 2) % c.size();
    c.object(follower).barrier(read_mode::lease).get(5s);
    CHECK(c.object(follower).get() == v);
  }
  CHECK(c.at(*leader).metrics().replicator->reads_lease.value > 10);
}

TEST_CASE("lease reads need check-quorum and a lease longer than a heartbeat",
          "[read_barrier][lease]") {
  node_config cfg{"a", {"b", "c"}};
  cfg.lease_reads = true;
  cfg.check_quorum = false;
  CHECK_THROWS_AS(cfg.normalize_and_validate(), config_error);
  cfg.check_quorum = true;
  cfg.normalize_and_validate();
  cfg.clock_drift_bound = cfg.election_timeout_min;
  CHECK_THROWS_AS(cfg.normalize_and_validate(), config_error);
}
