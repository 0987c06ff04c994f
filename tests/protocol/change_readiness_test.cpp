#include "protocol/change_readiness.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

membership voters(std::initializer_list<const char*> xs) {
  membership m;
  for (auto x : xs)
    m.voters.emplace_back(x);
  return m.normalize();
}

node_set set_of(std::initializer_list<const char*> xs) {
  node_set out;
  for (auto x : xs)
    out.emplace(x);
  return out;
}

} // namespace

TEST_CASE("a joint configuration waits until the voters holding their "
          "state can elect in both halves (seed 10044)",
          "[membership][change_readiness]") {
  configuration next;
  next.old = voters({"1", "2", "3", "4", "5"});
  next.current = voters({"3", "4", "5"});
  // Weighted: 3 weighs 2, 4 and 5 weigh 1; electing needs weight 4, so
  // every election quorum holds 4.
  next.current.quorum
    = quorum_spec::weighted(4, 3, {{node_id{"3"}, 2}, {node_id{"4"}, 1},
                                   {node_id{"5"}, 1}});
  // 4 recovers a lost state: it does not vote, so nobody could be elected.
  auto why = unelectable(next, set_of({"1", "2", "3", "5"}));
  REQUIRE(why);
  CHECK(why->find("{1,2,3,5}") != std::string::npos);
  // Once 4 caught up, the change may go on.
  CHECK_FALSE(unelectable(next, set_of({"1", "3", "4", "5"})));
  // Two of five elect in neither half.
  CHECK(unelectable(next, set_of({"3", "4"})));
  // A majority of the old voters without 3, 4 and 5 elects in the old
  // half only.
  CHECK(unelectable(next, set_of({"1", "2", "3"})));
}
