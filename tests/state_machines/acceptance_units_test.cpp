// FEATURES.md §3's *_unit scenarios, restated exactly, each on a one-node
// cluster that holds every battery (so several batteries share one node,
// each replicated independently).

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

#include "state_machines/repl_counter.hpp"
#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_list.hpp"
#include "state_machines/repl_set.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using all_batteries
  = local_cluster<repl_counter, repl_list<int64_t>, repl_dict<int64_t, int64_t>,
                  repl_set<int64_t>, repl_queue<int64_t>,
                  repl_priority_queue<int64_t>, queue_of_3,
                  priority_queue_of_3>;

using list_t = std::vector<int64_t>;

} // namespace

TEST_CASE("repl_counter_unit", "[batteries][acceptance]") {
  all_batteries c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& counter = c.object<0>(0);
  CHECK(counter.set(42).get() == 42);
  CHECK(counter.add(10).get() == 52);
  CHECK(counter.sub(20).get() == 32);
  CHECK(counter.inc().get() == 33);
  CHECK(counter.get() == 33);
}

TEST_CASE("repl_list_unit", "[batteries][acceptance]") {
  all_batteries c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<1>(0);
  l.reset({1, 2, 3}).get();
  l.set(1, 10).get();
  CHECK(l.raw_data() == list_t{1, 10, 3});
  l.append(42).get();
  l.extend({5, 6}).get();
  l.insert(2, 66).get();
  CHECK(l.raw_data() == list_t{1, 10, 66, 3, 42, 5, 6});
  l.remove(66).get();
  CHECK(l.pop(1).get() == 10);
  CHECK(l.raw_data() == list_t{1, 3, 42, 5, 6});
  l.sort(true).get();
  CHECK(l.raw_data() == list_t{42, 6, 5, 3, 1});
  CHECK(l.index(6) == 1);
  CHECK(l.count(42) == 1);
  CHECK(l.get(2) == 5);
  CHECK(l[4] == 1);
  CHECK(l.size() == 5);
  l.set_item(0, 43).get();
  CHECK(l[0] == 43);
}

TEST_CASE("repl_dict_unit", "[batteries][acceptance]") {
  all_batteries c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& d = c.object<2>(0);
  d.reset({{1, 1}, {2, 22}}).get();
  d.set_item(1, 10).get();
  d.set(1, 20).get();
  CHECK(d.setdefault(1, 50).get() == 20);
  CHECK(d.setdefault(3, 50).get() == 50);
  d.update({{5, 5}, {6, 7}}).get();
  CHECK(d.pop(3).get() == std::optional<int64_t>{50});
  CHECK(d.pop(6).get() == std::optional<int64_t>{7});
  CHECK(d.pop(6).get() == std::nullopt);
  CHECK(d.pop(6, 0).get() == 0);
  CHECK(d.raw_data() == std::map<int64_t, int64_t>{{1, 20}, {2, 22}, {5, 5}});
  CHECK(d.get(22) == std::nullopt);
  CHECK(d.get(22, 10) == 10);
  CHECK(d.size() == 3);
  CHECK(d.contains(2));
  CHECK_FALSE(d.contains(22));
  CHECK(d.keys() == list_t{1, 2, 5});
  auto values = d.values();
  CHECK(std::multiset<int64_t>(values.begin(), values.end())
        == std::multiset<int64_t>{5, 20, 22});
  d.clear().get();
  CHECK(d.size() == 0);
}

TEST_CASE("repl_set_unit", "[batteries][acceptance]") {
  all_batteries c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& s = c.object<3>(0);
  using set_t = std::set<int64_t>;
  s.reset({1, 4}).get();
  s.add(10).get();
  s.remove(1).get();
  s.discard(10).get();
  CHECK(s.raw_data() == set_t{4});
  CHECK(s.pop().get() == 4);
  s.add(48).get();
  s.update({9, 2, 3}).get();
  CHECK(s.raw_data() == set_t{2, 3, 9, 48});
  CHECK(s.size() == 4);
  CHECK(s.contains(9));
  CHECK_FALSE(s.contains(42));
  s.clear().get();
  CHECK(s.raw_data().empty());
}

TEST_CASE("repl_queue_unit", "[batteries][acceptance]") {
  all_batteries c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& q = c.object<4>(0);
  CHECK(q.put(42).get());
  CHECK(q.put(33).get());
  CHECK(q.put(14).get());
  CHECK(q.get().get() == std::optional<int64_t>{42});
  CHECK(q.size() == 2);
  CHECK_FALSE(q.empty());
  CHECK(q.get().get() == std::optional<int64_t>{33});
  CHECK(q.get(-1).get() == 14);
  CHECK(q.get().get() == std::nullopt);
  CHECK(q.get(-1).get() == -1);
  CHECK(q.empty());

  auto& bounded = c.object<6>(0);
  CHECK(bounded.put(42).get());
  CHECK(bounded.put(33).get());
  CHECK_FALSE(bounded.full());
  CHECK(bounded.put(14).get());
  CHECK(bounded.full());
  CHECK_FALSE(bounded.put(19).get());
  CHECK(bounded.get().get() == std::optional<int64_t>{42});
}

TEST_CASE("repl_priority_queue_unit", "[batteries][acceptance]") {
  all_batteries c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& q = c.object<5>(0);
  CHECK(q.put(42).get());
  CHECK(q.put(14).get());
  CHECK(q.put(33).get());
  CHECK(q.get().get() == std::optional<int64_t>{14});
  CHECK(q.size() == 2);
  CHECK(q.get().get() == std::optional<int64_t>{33});
  CHECK(q.get(-1).get() == 42);
  CHECK(q.get().get() == std::nullopt);
  CHECK(q.get(-1).get() == -1);

  auto& bounded = c.object<7>(0);
  CHECK(bounded.put(42).get());
  CHECK(bounded.put(33).get());
  CHECK_FALSE(bounded.full());
  CHECK(bounded.put(14).get());
  CHECK(bounded.full());
  CHECK_FALSE(bounded.put(19).get());
  CHECK(bounded.get().get() == std::optional<int64_t>{14});
}
