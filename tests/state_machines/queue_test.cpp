// repl_queue and repl_priority_queue: bounds, defaults, order of equal
// elements, and replication across three nodes.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using queues = local_cluster<repl_queue<std::string>, queue_of_3,
                             repl_priority_queue<task>, priority_queue_of_3>;

} // namespace

TEST_CASE("an unbounded queue is never full", "[batteries][queue]") {
  queues c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& q = c.object<0>(0);
  CHECK_FALSE(q.full()); // PySyncObj says full here
  CHECK(q.empty());
  CHECK(q.max_size() == 0);
  for (int i = 0; i < 50; ++i)
    q.put("x" + std::to_string(i)).post();
  CHECK(q.put("last").get());
  CHECK(q.qsize() == 51);
  CHECK_FALSE(q.full());
  CHECK(q.raw_data().front() == "x0");
  CHECK(q.raw_data().back() == "last");
}

TEST_CASE("a full bounded queue refuses puts without a change",
          "[batteries][queue]") {
  queues c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& q = c.object<1>(0);
  CHECK(q.max_size() == 3);
  for (int64_t i = 1; i <= 3; ++i)
    CHECK(q.put(i).get());
  CHECK(q.full());
  CHECK_FALSE(q.put(4).get());
  CHECK(q.raw_data() == std::deque<int64_t>{1, 2, 3});
  CHECK(q.get(0).get() == 1);
  CHECK_FALSE(q.full());
  CHECK(q.put(4).get());
  CHECK(q.raw_data() == std::deque<int64_t>{2, 3, 4});
}

TEST_CASE("queue get on empty: empty optional or the default",
          "[batteries][queue]") {
  queues c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& q = c.object<0>(0);
  CHECK(q.get().get() == std::nullopt);
  CHECK(q.get("none").get() == "none");
  report<std::optional<std::string>> r;
  q.get().then(
    [p = r.sink()](std::optional<std::string> v, const caf::error& err) {
      CHECK_FALSE(err);
      p->set_value(std::move(v));
    });
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(*got == std::nullopt);
}

TEST_CASE("a priority queue yields equal elements in put order",
          "[batteries][priority_queue]") {
  queues c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& pq = c.object<2>(0);
  for (auto& t : std::vector<task>{{2, "b1"}, {1, "a1"}, {2, "b2"}, {1, "a2"},
                                   {0, "z"}, {2, "b3"}})
    CHECK(pq.put(t).get());
  CHECK(pq.raw_data()
        == std::vector<task>{{0, "z"}, {1, "a1"}, {1, "a2"}, {2, "b1"},
                             {2, "b2"}, {2, "b3"}});
  CHECK(pq.get().get() == std::optional<task>{task{0, "z"}});
  CHECK(pq.get().get() == std::optional<task>{task{1, "a1"}});
  CHECK(pq.get(task{}).get() == task{1, "a2"});
  CHECK(pq.size() == 3);
}

TEST_CASE("a bounded priority queue refuses puts when full",
          "[batteries][priority_queue]") {
  queues c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& pq = c.object<3>(0);
  CHECK(pq.put(5).get());
  CHECK(pq.put(1).get());
  CHECK(pq.put(3).get());
  CHECK(pq.full());
  CHECK_FALSE(pq.put(0).get()); // even a smaller one
  CHECK(pq.raw_data() == std::vector<int64_t>{1, 3, 5});
  CHECK(pq.get().get() == std::optional<int64_t>{1});
  CHECK_FALSE(pq.full());
}

TEST_CASE("queues agree on every node, whoever puts and gets",
          "[batteries][queue][cluster]") {
  queues c{{"a", "b", "c"}};
  REQUIRE(c.wait_all_ready());
  // Puts and gets from all three nodes, interleaved; equal priorities
  // included.
  size_t taken_pq = 0;
  size_t taken_q = 0;
  for (int i = 0; i < 12; ++i) {
    c.object<2>(i % 3).put(task{i % 3, "t" + std::to_string(i)}).post();
    c.object<0>((i + 1) % 3).put("s" + std::to_string(i)).post();
    if (i % 4 == 3) {
      taken_pq += c.object<2>((i + 2) % 3).get().get().has_value() ? 1 : 0;
      taken_q += c.object<0>(i % 3).get().get().has_value() ? 1 : 0;
    }
  }
  CHECK(c.object<1>(1).put(7).get());
  auto settled = [&] {
    for (size_t i = 0; i < 3; ++i)
      if (c.object<2>(i).size() != 12 - taken_pq
          || c.object<0>(i).size() != 12 - taken_q
          || c.object<1>(i).size() != 1)
        return false;
    return true;
  };
  REQUIRE(wait_until(settled));
  for (size_t i = 1; i < 3; ++i) {
    CHECK(c.object<0>(i).raw_data() == c.object<0>(0).raw_data());
    CHECK(c.object<1>(i).raw_data() == c.object<1>(0).raw_data());
    CHECK(c.object<2>(i).raw_data() == c.object<2>(0).raw_data());
  }
  // Snapshots of equal states are equal, byte for byte.
  CHECK(snapshot_of(c.object<2>(1)) == snapshot_of(c.object<2>(2)));
}
