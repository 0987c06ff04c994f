// The deadlines of pending calls (protocol/deadline_queues.hpp).

#include <catch2/catch.hpp>

#include <set>

#include "protocol/deadline_queues.hpp"

using namespace flexsync;

namespace {

using queues = deadline_queues<int, int>;

struct pending_set {
  std::set<uint64_t> ids;
  bool operator()(uint64_t id) const { return ids.count(id) > 0; }
};

} // namespace

TEST_CASE("deadlines of different timeouts come due in time order, each "
          "once") {
  queues q;
  pending_set p{{1, 2, 3, 4}};
  q.add(10, 10, 1); // timeout 10 at time 0
  q.add(3, 5, 2);   // timeout 3 at time 2
  q.add(10, 12, 3);
  q.add(3, 7, 4);
  CHECK(q.earliest(p) == 5);
  CHECK(q.take_due(6, p) == std::vector<uint64_t>{2});
  CHECK(q.earliest(p) == 7);
  auto due = q.take_due(12, p);
  CHECK(std::set<uint64_t>(due.begin(), due.end())
        == std::set<uint64_t>{1, 3, 4});
  CHECK(q.take_due(100, p).empty());
  CHECK(q.empty());
}

TEST_CASE("an answered call never comes due, and its deadline is not the "
          "earliest") {
  queues q;
  pending_set p{{1, 2}};
  q.add(10, 10, 1);
  q.add(10, 11, 2);
  p.ids.erase(1);
  CHECK(q.earliest(p) == 11);
  CHECK(q.take_due(20, p) == std::vector<uint64_t>{2});
}

TEST_CASE("a deadline earlier than its queue's last (the clock went back) "
          "is kept in order") {
  queues q;
  pending_set p{{1, 2}};
  q.add(10, 10, 1);
  q.add(10, 8, 2);
  CHECK(q.earliest(p) == 8);
  CHECK(q.take_due(9, p) == std::vector<uint64_t>{2});
  CHECK(q.take_due(10, p) == std::vector<uint64_t>{1});
}

TEST_CASE("answered calls behind a long-pending one are compacted away, so "
          "the queues stay proportional to the calls pending") {
  queues q;
  pending_set p{{0}};
  q.add(1000, 1000, 0); // stays pending
  for (uint64_t id = 1; id <= 5000; ++id) {
    p.ids.insert(id);
    q.add(1000, 1000 + static_cast<int>(id), id);
    p.ids.erase(id);
    q.on_answered(p.ids.size(), p);
  }
  CHECK(q.entries() <= 2 * p.ids.size() + 1025);
  CHECK(q.take_due(1'000'000, p) == std::vector<uint64_t>{0});
}
