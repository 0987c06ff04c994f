// Batteries across several nodes: FEATURES.md's batteries_common restated,
// and deterministic_batteries (the same commands from different nodes give
// the same state everywhere, refused commands change nothing anywhere).

#include <catch2/catch.hpp>

#include <string>

#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_list.hpp"
#include "state_machines/repl_set.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"
#include "tests/state_machines/lock_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using opt_string = std::optional<std::string>;

} // namespace

TEST_CASE("batteries_common", "[batteries][locks][acceptance]") {
  local_cluster<repl_dict<std::string, std::string>, locks_30s> c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  auto& dict_a = c.object<0>(0);
  auto& dict_b = c.object<0>(1);
  auto& locks_a = c.object<1>(0);
  auto& locks_b = c.object<1>(1);

  // call_sync set and pop on one node are visible on the other.
  dict_a.set("testKey", "testValue").get();
  CHECK(wait_until([&] { return dict_b.get("testKey") == opt_string{"testValue"}; }));
  CHECK(dict_a.pop("testKey").get() == opt_string{"testValue"});
  CHECK(wait_until([&] { return !dict_b.contains("testKey"); }));

  // A's acquire succeeds, B's fails; after A's release, B's succeeds.
  CHECK(locks_a.try_acquire("test.lock1").get());
  CHECK_FALSE(locks_b.try_acquire("test.lock1").get());
  CHECK_FALSE(locks_b.is_acquired("test.lock1"));
  locks_a.release("test.lock1").get();
  CHECK(locks_b.try_acquire("test.lock1").get());

  // setdefault keeps the first value, whichever node asks.
  CHECK(dict_a.setdefault("keyA", "valueA").get() == "valueA");
  CHECK(dict_b.setdefault("keyA", "valueB").get() == "valueA");
  dict_a.pop("keyA").get();
  CHECK(dict_b.setdefault("keyA", "valueB").get() == "valueB");
}

TEST_CASE("deterministic_batteries: the same commands from any node give "
          "the same state everywhere",
          "[batteries][cluster]") {
  local_cluster<repl_list<int64_t>, repl_set<int64_t>,
                repl_dict<int64_t, std::string>>
    c{{"a", "b", "c"}};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto follower = (*leader + 1) % 3;
  auto& l = c.object<0>(follower);
  auto& s = c.object<1>(*leader);
  auto& d = c.object<2>((*leader + 2) % 3);
  for (int64_t i = 0; i < 20; ++i) {
    c.object<0>(i % 3).append(i * 7 % 11).post();
    c.object<1>(i % 3).add(i % 5).post();
    c.object<2>(i % 3).set(i % 4, std::to_string(i)).post();
  }
  // Posts from three nodes reach every node.
  auto all_posted = [&] {
    for (size_t i = 0; i < 3; ++i)
      if (c.object<0>(i).size() != 20 || c.object<1>(i).size() != 5
          || c.object<2>(i).size() != 4)
        return false;
    return true;
  };
  REQUIRE(wait_until(all_posted));
  l.sort(true).get();
  // Refused commands, from a follower and from the leader, change nothing.
  CHECK(battery_error_of([&] { l.pop(100).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { s.remove(99).get(); })
        == battery_errc::key_not_found);
  // pop() takes the smallest on every node.
  auto smallest = s.pop().get();
  auto popped = l.pop().get(); // the last after a descending sort
  d.update({{10, "x"}}).get();
  auto all_equal = [&] {
    for (size_t i = 0; i < 3; ++i)
      if (c.object<0>(i).size() != 19 || c.object<1>(i).size() != 4
          || c.object<2>(i).size() != 5)
        return false;
    for (size_t i = 1; i < 3; ++i)
      if (c.object<0>(i).raw_data() != c.object<0>(0).raw_data()
          || c.object<1>(i).raw_data() != c.object<1>(0).raw_data()
          || c.object<2>(i).raw_data() != c.object<2>(0).raw_data())
        return false;
    return true;
  };
  CHECK(wait_until(all_equal));
  CHECK(smallest == 0);
  CHECK_FALSE(c.object<1>(1).contains(0));
  auto rest = c.object<0>(0).raw_data();
  CHECK(std::is_sorted(rest.rbegin(), rest.rend()));
  CHECK(popped <= rest.back());
  for (size_t i = 1; i < 3; ++i)
    CHECK(snapshot_of(c.object<2>(i)) == snapshot_of(c.object<2>(0)));
}
