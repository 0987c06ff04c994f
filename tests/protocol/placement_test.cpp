// Leader placement (protocol/placement.hpp) and the automatic hand-over
// rule (protocol/transfer.hpp).

#include <chrono>

#include <catch2/catch.hpp>

#include "protocol/config.hpp"
#include "protocol/placement.hpp"
#include "protocol/transfer.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

const node_id n1{"1"};
const node_id n2{"2"};
const node_id n3{"3"};

/// A live voter holding its state with match index `match`.
transfer_candidate voter(const node_id& id, uint64_t match) {
  return {id, true, true, true, index_t{match}};
}

std::vector<transfer_candidate> ranked(const placement_policy& p,
                                       std::vector<transfer_candidate> xs) {
  rank_candidates(p, xs);
  return xs;
}

std::optional<node_id> handover(const placement_policy& p,
                                 std::vector<transfer_candidate> xs,
                                 uint64_t leader_last = 10,
                                 uint64_t max_lag = 5) {
  return automatic_handover(n1, p, ranked(p, std::move(xs)),
                            index_t{leader_last}, max_lag);
}

} // namespace

TEST_CASE("priorities parse from name=value lists", "[placement]") {
  std::map<node_id, int> xs;
  parse_priorities("1=3, 2=0,host:7003=1000000", xs);
  CHECK(xs == std::map<node_id, int>{{n1, 3}, {n2, 0},
                                     {node_id{"host:7003"}, 1000000}});
  CHECK(priorities_to_string(xs) == "1=3,2=0,host:7003=1000000");
  CHECK_THROWS_WITH(parse_priorities("1=-1", xs),
                    Catch::Contains("from 0 to 1000000"));
  CHECK_THROWS_WITH(parse_priorities("1=x", xs),
                    Catch::Contains("from 0 to 1000000"));
  CHECK_THROWS_WITH(parse_priorities("1=4", xs),
                    Catch::Contains("named twice"));
  CHECK_THROWS_WITH(parse_priorities("1", xs),
                    Catch::Contains("expected name=value"));
}

TEST_CASE("a placement is refused when it cannot mean anything",
          "[placement]") {
  placement_policy p;
  CHECK_FALSE(p.active());
  CHECK_NOTHROW(p.validate());
  p.preferred_zone = "eu";
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("is no node's zone"));
  p.zone[n2] = "eu";
  CHECK_NOTHROW(p.validate());
  CHECK(p.active());
  p.priority[n1] = -2;
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("from 0 to 1000000"));
  p.priority[n1] = 2;
  p.settle = 0s;
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("must be positive"));
}

TEST_CASE("a node config takes the zones of a zones quorum system for "
          "placement, and checks the preferred zone",
          "[placement][config]") {
  node_config c{"1", {"2", "3"}};
  c.quorum = quorum_spec::zones(1, 0);
  parse_zone_labels("1=us,2=eu,3=ap", c.labels);
  c.placement.preferred_zone = "eu";
  c.normalize_and_validate();
  CHECK(c.placement.zone.at(n3) == "ap");
  CHECK(c.placement.in_preferred_zone(n2));
  CHECK_FALSE(c.placement.in_preferred_zone(n1));
  node_config bad{"1", {"2", "3"}};
  bad.placement.preferred_zone = "mars";
  CHECK_THROWS_AS(bad.normalize_and_validate(), config_error);
}

TEST_CASE("without preferences the leader never hands over on its own",
          "[placement]") {
  CHECK_FALSE(handover({}, {voter(n2, 10), voter(n3, 10)}));
}

TEST_CASE("the leader hands over to a higher priority, never to an equal "
          "one",
          "[placement]") {
  placement_policy p;
  p.priority = {{n1, 1}, {n2, 1}, {n3, 2}};
  CHECK(handover(p, {voter(n2, 10), voter(n3, 10)}) == n3);
  // Equal ranks: no ping-pong between 1 and 2.
  p.priority[n3] = 1;
  CHECK_FALSE(handover(p, {voter(n2, 10), voter(n3, 10)}));
  // The leader ranks highest: it stays.
  p.priority = {{n1, 5}, {n3, 2}};
  CHECK_FALSE(handover(p, {voter(n2, 10), voter(n3, 10)}));
}

TEST_CASE("an automatic hand-over goes only to a live, caught-up voter "
          "that counts",
          "[placement]") {
  placement_policy p;
  p.priority = {{n2, 3}, {n3, 2}};
  auto two = voter(n2, 10);
  CHECK(handover(p, {two, voter(n3, 10)}) == n2);
  auto lagging = two;
  lagging.match = index_t{4}; // 10 - 4 > max_lag 5
  CHECK(handover(p, {lagging, voter(n3, 10)}) == n3);
  lagging.match = index_t{5};
  CHECK(handover(p, {lagging, voter(n3, 10)}) == n2);
  auto silent = two;
  silent.live = false;
  CHECK(handover(p, {silent, voter(n3, 10)}) == n3);
  auto recovering = two;
  recovering.counts = false;
  CHECK(handover(p, {recovering, voter(n3, 10)}) == n3);
  auto learner = two;
  learner.voter = false;
  CHECK(handover(p, {learner}) == std::nullopt);
}

TEST_CASE("the preferred zone comes before priorities", "[placement]") {
  placement_policy p;
  p.zone = {{n1, "us"}, {n2, "us"}, {n3, "eu"}};
  p.preferred_zone = "eu";
  p.priority = {{n1, 9}, {n2, 9}};
  CHECK(handover(p, {voter(n2, 10), voter(n3, 10)}) == n3);
  // A leader in the preferred zone stays, whatever the priorities.
  p.preferred_zone = "us";
  p.priority = {{n3, 9}};
  CHECK_FALSE(handover(p, {voter(n2, 10), voter(n3, 10)}));
  // ... and an explicit "best" transfer also prefers the zone.
  auto best = choose_transfer_target(n3, ranked(p, {voter(n1, 9),
                                                    voter(n2, 10)}),
                                     std::nullopt);
  CHECK(best.target == n2);
  p.preferred_zone = "eu";
  best = choose_transfer_target(n1, ranked(p, {voter(n2, 10), voter(n3, 1)}),
                                std::nullopt);
  CHECK(best.target == n3);
}

TEST_CASE("an automatic hand-over waits for the leadership to settle and "
          "for the previous attempt's interval",
          "[placement]") {
  using tp = std::chrono::nanoseconds;
  placement_policy p;
  p.settle = 1s;
  p.interval = 5s;
  CHECK_FALSE(handover_due(p, tp{10s}, tp{0s}, std::optional<tp>{}));
  p.priority = {{n2, 1}};
  CHECK(handover_due(p, tp{10s}, tp{0s}, std::optional<tp>{}));
  CHECK_FALSE(handover_due(p, tp{10s}, tp{9500ms}, std::optional<tp>{}));
  CHECK_FALSE(handover_due(p, tp{10s}, tp{0s}, std::optional<tp>{tp{6s}}));
  CHECK(handover_due(p, tp{10s}, tp{0s}, std::optional<tp>{tp{5s}}));
}
