#include "scenarios/check/checker.hpp"
#include "scenarios/check/models.hpp"

#include <catch2/catch.hpp>

using namespace flexsync::check;

namespace {

const set_model set;
const queue_model queue;

} // namespace

TEST_CASE("set: read_all sees completed adds and not removed elements",
          "[set]") {
  history h{ok_op(1, 0, 10, add(3)), ok_op(2, 0, 10, add(1)),
            ok_op(1, 20, 30, read_all(), returns_values({3, 1})),
            ok_op(2, 40, 50, remove(3)),
            ok_op(1, 60, 70, read_all(), returns_values({1}))};
  CHECK(check_history(set, h).result == verdict::linearizable);
  h[4].output = returns_values({1, 3});
  CHECK(check_history(set, h).result == verdict::not_linearizable);
}

TEST_CASE("set: contains false after a completed add is a violation",
          "[set]") {
  history h{ok_op(1, 0, 10, add(4)),
            ok_op(2, 20, 30, contains(4), returns_flag(false))};
  CHECK(check_history(set, h).result == verdict::not_linearizable);
  h[1].invoke_time = 5; // now concurrent with the add
  CHECK(check_history(set, h).result == verdict::linearizable);
}

TEST_CASE("set: adding twice keeps one element", "[set]") {
  history h{ok_op(1, 0, 10, add(2)), ok_op(1, 20, 30, add(2)),
            ok_op(1, 40, 50, remove(2)),
            ok_op(1, 60, 70, contains(2), returns_flag(false))};
  CHECK(check_history(set, h).result == verdict::linearizable);
}

TEST_CASE("set: an element never added cannot be read", "[set][info]") {
  history h{info_op(1, 0, add(5)),
            ok_op(2, 10, 20, read_all(), returns_values({5, 6}))};
  CHECK(check_history(set, h).result == verdict::not_linearizable);
  h[1].output = returns_values({5});
  CHECK(check_history(set, h).result == verdict::linearizable);
}

TEST_CASE("queue: pops follow push order", "[queue]") {
  history h{ok_op(1, 0, 10, push(1)), ok_op(1, 20, 30, push(2)),
            ok_op(2, 40, 50, pop(), returns(1)),
            ok_op(2, 60, 70, pop(), returns(2)),
            ok_op(2, 80, 90, pop(), returns_nil())};
  CHECK(check_history(queue, h).result == verdict::linearizable);
  std::swap(h[2].output, h[3].output);
  CHECK(check_history(queue, h).result == verdict::not_linearizable);
}

TEST_CASE("queue: concurrent pushes may be popped in either order",
          "[queue]") {
  history h{ok_op(1, 0, 10, push(1)), ok_op(2, 0, 10, push(2)),
            ok_op(3, 20, 30, pop(), returns(2)),
            ok_op(3, 40, 50, pop(), returns(1))};
  CHECK(check_history(queue, h).result == verdict::linearizable);
}

TEST_CASE("queue: an element is popped at most once", "[queue]") {
  history h{ok_op(1, 0, 10, push(1)), ok_op(2, 20, 30, pop(), returns(1)),
            ok_op(3, 20, 30, pop(), returns(1))};
  CHECK(check_history(queue, h).result == verdict::not_linearizable);
  h[2].output = returns_nil();
  CHECK(check_history(queue, h).result == verdict::linearizable);
}
