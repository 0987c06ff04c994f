// Messages per command on the leader and on a follower, counted on the
// simulator: every step resumes one actor for one message, so counting steps
// per actor counts deliveries. Heartbeats and election timers are set far
// apart so that the window after a call holds only what the call causes.
// The bounds below are the counts measured when the hot path was last
// changed (README "How a node is built"); a change that adds a message per
// command to the path fails here.

#include <cstdio>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "scenarios/sim/cluster.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

/// Deliveries per actor of the leader and of one follower while `submit`
/// runs and the cluster then quiets down (200 ms of virtual time).
struct counts {
  std::map<std::string, uint64_t> leader, follower;
  uint64_t leader_total = 0, follower_total = 0;
};

sim::cluster_options quiet_cluster(counts& c, const node_id*& leader,
                                   const node_id*& follower, bool disk) {
  sim::cluster_options o;
  o.seed = 7;
  o.disk = disk;
  o.heartbeat_interval = 10s;
  o.election_timeout_min = 40s;
  o.election_timeout_max = 80s;
  o.persistence.snapshot_check_interval = std::chrono::hours(1);
  o.before_step = [&c, &leader, &follower](const node_id& id,
                                           const char* actor) {
    if (leader != nullptr && id == *leader) {
      ++c.leader[actor];
      ++c.leader_total;
    } else if (follower != nullptr && id == *follower) {
      ++c.follower[actor];
      ++c.follower_total;
    }
  };
  return o;
}

template <class Submit>
counts measure(bool disk, Submit submit) {
  counts c;
  const node_id* leader = nullptr;
  const node_id* follower = nullptr;
  sim::cluster cl{quiet_cluster(c, leader, follower, disk)};
  REQUIRE(cl.run_until([&] { return cl.settled(); }, 300s));
  auto l = *cl.leader();
  auto f = cl.ids()[0] == l ? cl.ids()[1] : cl.ids()[0];
  leader = &l;
  follower = &f;
  submit(cl, l, f);
  cl.run_for(200ms);
  for (auto& o : cl.outcomes())
    REQUIRE(o.done);
  leader = follower = nullptr;
  return c;
}

void print(const char* what, const counts& c, double per) {
  std::printf("RESULT messages=%s leader=%.2f follower=%.2f "
              "leader_total=%llu follower_total=%llu\n",
              what, c.leader_total / per, c.follower_total / per,
              static_cast<unsigned long long>(c.leader_total),
              static_cast<unsigned long long>(c.follower_total));
  for (auto& [actor, n] : c.leader)
    std::printf("  leader   %-28s %.1f\n", actor.c_str(), n / per);
  for (auto& [actor, n] : c.follower)
    std::printf("  follower %-28s %.1f\n", actor.c_str(), n / per);
}

void one_on_leader(bool disk, uint64_t leader_max, uint64_t follower_max) {
  auto c = measure(disk, [](sim::cluster& cl, const node_id& l,
                            const node_id&) { cl.propose(l, "x", 10s); });
  print(disk ? "one_call_on_leader_disk" : "one_call_on_leader_memory", c, 1);
  CHECK(c.leader_total <= leader_max);
  CHECK(c.follower_total <= follower_max);
}

void one_on_follower(bool disk, uint64_t leader_max, uint64_t follower_max) {
  auto c = measure(disk, [](sim::cluster& cl, const node_id&,
                            const node_id& f) { cl.propose(f, "x", 10s); });
  print(disk ? "one_call_on_follower_disk" : "one_call_on_follower_memory", c,
        1);
  CHECK(c.leader_total <= leader_max);
  CHECK(c.follower_total <= follower_max);
}

void hundred_on_leader(bool disk, uint64_t leader_max, uint64_t follower_max) {
  auto c = measure(disk, [](sim::cluster& cl, const node_id& l,
                            const node_id&) {
    for (int i = 0; i < 100; ++i)
      cl.propose(l, "x" + std::to_string(i), 10s);
  });
  print(disk ? "batch_of_100_on_leader_disk" : "batch_of_100_on_leader_memory",
        c, 100);
  CHECK(c.leader_total <= leader_max);
  CHECK(c.follower_total <= follower_max);
}

} // namespace

TEST_CASE("messages per command: one call on the leader") {
  SECTION("disk") { one_on_leader(true, 17, 9); }
  SECTION("memory") { one_on_leader(false, 15, 5); }
}

TEST_CASE("messages per command: one call on a follower") {
  SECTION("disk") { one_on_follower(true, 14, 13); }
  SECTION("memory") { one_on_follower(false, 12, 9); }
}

TEST_CASE("messages per command: 100 concurrent calls on the leader") {
  SECTION("disk") { hundred_on_leader(true, 261, 58); }
  SECTION("memory") { hundred_on_leader(false, 183, 23); }
}
