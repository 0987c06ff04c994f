// Workload-following placement (protocol/workload.hpp).

#include <catch2/catch.hpp>

#include "protocol/placement.hpp"
#include "protocol/workload.hpp"

using namespace flexsync;

namespace {

/// Closes `count` windows of `eu` and `us` commands each.
void windows(workload_tracker& t, const workload_rule& r, int count,
             uint64_t eu, uint64_t us) {
  for (int i = 0; i < count; ++i) {
    t.add("eu", eu);
    t.add("us", us);
    t.close_window(r);
  }
}

} // namespace

TEST_CASE("a zone dominates after a run of windows with its share",
          "[workload]") {
  workload_rule r; // 60%, 3 windows, 10 commands
  workload_tracker t;
  windows(t, r, 2, 70, 30);
  CHECK_FALSE(t.dominant());
  windows(t, r, 1, 70, 30);
  CHECK(t.dominant() == "eu");
  // It stays while nobody else dominates a run: quiet and mixed windows.
  windows(t, r, 5, 1, 0);
  windows(t, r, 5, 50, 50);
  CHECK(t.dominant() == "eu");
  windows(t, r, 2, 10, 90);
  CHECK(t.dominant() == "eu");
  windows(t, r, 1, 10, 90);
  CHECK(t.dominant() == "us");
}

TEST_CASE("a 50/50 load never names a zone", "[workload]") {
  workload_rule r;
  workload_tracker t;
  windows(t, r, 100, 50, 50);
  CHECK_FALSE(t.dominant());
  // Alternating majorities break every run.
  for (int i = 0; i < 50; ++i) {
    windows(t, r, 1, 80, 20);
    windows(t, r, 1, 20, 80);
  }
  CHECK_FALSE(t.dominant());
}

TEST_CASE("a window with too few commands breaks a run", "[workload]") {
  workload_rule r;
  workload_tracker t;
  windows(t, r, 2, 9, 0);
  windows(t, r, 1, 5, 0);
  CHECK_FALSE(t.dominant());
  windows(t, r, 2, 20, 0);
  windows(t, r, 1, 9, 0);
  windows(t, r, 1, 20, 0);
  CHECK_FALSE(t.dominant());
  // Commands of nodes without a zone count in the total only.
  t.reset();
  for (int i = 0; i < 3; ++i) {
    t.add("", 100);
    t.add("eu", 20);
    t.close_window(r);
  }
  CHECK_FALSE(t.dominant());
}

TEST_CASE("following the workload replaces the preferred zone, without a "
          "dominant zone the leader's own is preferred",
          "[workload][placement]") {
  placement_policy p;
  p.zone = {{node_id{"1"}, "us"}, {node_id{"2"}, "eu"}};
  p.preferred_zone = "us";
  CHECK(effective_placement(p, std::string{"eu"}, node_id{"1"})
          .preferred_zone
        == "us"); // not following: unchanged
  p.follow_workload = true;
  CHECK(effective_placement(p, std::string{"eu"}, node_id{"1"})
          .preferred_zone
        == "eu");
  CHECK(effective_placement(p, std::nullopt, node_id{"2"}).preferred_zone
        == "eu");
  p.workload.share = 0.5;
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("above 0.5"));
}
