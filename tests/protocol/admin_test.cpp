// The admin protocol's pure part: the health verdict.

#include <catch2/catch.hpp>

#include "protocol/admin.hpp"

using namespace flexsync;

namespace {

admin_health_reply healthy_follower() {
  admin_health_reply h;
  h.running = true;
  h.role = "follower";
  h.leader = "127.0.0.1:7001";
  h.has_quorum = true;
  h.ready = true;
  h.member = "intact";
  h.commit_lag = 3;
  h.commit_lag_known = true;
  h.apply_lag = 2;
  h.max_lag = 10;
  return h;
}

} // namespace

TEST_CASE("a caught-up follower with a leader and a quorum is healthy") {
  auto h = healthy_follower();
  judge_health(h);
  CHECK(h.healthy);
  CHECK(h.problems.empty());
}

TEST_CASE("each missing condition makes a node unhealthy and is named") {
  struct flaw {
    const char* name;
    void (*apply)(admin_health_reply&);
    const char* problem;
  };
  std::vector<flaw> flaws{
    {"stopped", [](admin_health_reply& h) { h.running = false; },
     "the node is stopped"},
    {"no leader", [](admin_health_reply& h) { h.leader.clear(); },
     "no leader known"},
    {"no quorum", [](admin_health_reply& h) { h.has_quorum = false; },
     "no quorum"},
    {"not ready", [](admin_health_reply& h) { h.ready = false; },
     "not caught up with a leader yet"},
    {"recovering", [](admin_health_reply& h) { h.member = "recovering"; },
     "lost its Raft state (recovering), counts in no quorum"},
    {"commit lag", [](admin_health_reply& h) { h.commit_lag = 11; },
     "commit index 11 entries behind the leader's"},
    {"apply lag", [](admin_health_reply& h) { h.apply_lag = 11; },
     "11 committed entries not applied"},
  };
  for (auto& f : flaws) {
    INFO(f.name);
    auto h = healthy_follower();
    f.apply(h);
    judge_health(h);
    CHECK_FALSE(h.healthy);
    CHECK(h.problems == f.problem);
  }
}

TEST_CASE("lags at the bound are healthy, an unknown commit lag is not "
          "judged, and problems add up") {
  auto h = healthy_follower();
  h.commit_lag = h.apply_lag = h.max_lag;
  judge_health(h);
  CHECK(h.healthy);
  h = healthy_follower();
  h.commit_lag_known = false;
  h.commit_lag = 1'000'000;
  judge_health(h);
  CHECK(h.healthy);
  h = healthy_follower();
  h.leader.clear();
  h.has_quorum = false;
  judge_health(h);
  CHECK(h.problems == "no leader known; no quorum");
}
