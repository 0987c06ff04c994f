// Call outcomes carry the virtual times of their submission and completion,
// so that the simulator measures commit latency: on a WAN-like network
// without jitter, a command on the leader commits in one round trip to the
// nearest replication quorum.

#include <catch2/catch.hpp>

#include "scenarios/sim/cluster.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

/// Nodes 1 and 2 in zone A, 3 in zone B, 80 ms apart, 2 ms within a zone,
/// no jitter.
sim::zone_latency no_jitter() {
  sim::zone_latency m;
  m.zones = {"A", "B"};
  m.rtt = {{0ms, 80ms}, {80ms, 0ms}};
  m.intra_rtt = 2ms;
  m.zone_of = {{node_id{"1"}, 0}, {node_id{"2"}, 0}, {node_id{"3"}, 1}};
  return m;
}

} // namespace

TEST_CASE("a call's outcome holds when it was invoked and completed") {
  sim::cluster_options opts;
  opts.nodes = 3;
  opts.seed = 11;
  sim::cluster c{opts};
  c.net().latency = no_jitter();
  c.campaign(node_id{"1"});
  REQUIRE(c.run_until([&] { return c.settled(); }, 5s));
  auto before = c.now();
  auto slot = c.propose(node_id{"1"}, "x", 5s);
  REQUIRE(c.run_until([&] { return c.outcomes()[slot].done; }, 5s));
  auto& out = c.outcomes()[slot];
  CHECK(out.reason == fail_reason::success);
  CHECK(out.invoked == before);
  // A majority of 3 is node 1 and node 2, one intra-zone round trip away.
  CHECK(out.completed - out.invoked == 2ms);
  // Submitted on node 3: forwarded to 1 (40 ms), committed (2 ms), and
  // applied on 3 once the new commit index reaches it (at least 40 ms; a
  // leader tells a follower only of commits it verified the follower holds,
  // which takes another round trip or a resend).
  slot = c.propose(node_id{"3"}, "y", 5s);
  REQUIRE(c.run_until([&] { return c.outcomes()[slot].done; }, 5s));
  auto& far = c.outcomes()[slot];
  CHECK(far.reason == fail_reason::success);
  CHECK(far.completed - far.invoked >= 82ms);
  CHECK(far.completed - far.invoked <= 200ms);
}

TEST_CASE("a call on a node that is down completes when it is invoked") {
  sim::cluster_options opts;
  opts.nodes = 3;
  sim::cluster c{opts};
  c.run_for(10ms);
  c.crash(node_id{"2"});
  auto slot = c.propose(node_id{"2"}, "x", 1s);
  auto& out = c.outcomes()[slot];
  CHECK(out.done);
  CHECK(out.reason == fail_reason::stopped);
  CHECK(out.invoked == c.now());
  CHECK(out.completed == out.invoked);
}
