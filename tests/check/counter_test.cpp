#include "scenarios/check/checker.hpp"
#include "scenarios/check/models.hpp"

#include <catch2/catch.hpp>

using namespace flexsync::check;

namespace {

const counter_model counter;

verdict verdict_of(const history& ops) {
  return check_history(counter, ops).result;
}

} // namespace

TEST_CASE("adds then a read of their sum is linearizable", "[counter]") {
  history h{ok_op(1, 0, 10, add(2)), ok_op(2, 0, 10, add(3)),
            ok_op(1, 20, 30, read(), returns(5))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[2].output = returns(4);
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("concurrent fetch_adds may answer in either order", "[counter]") {
  history h{ok_op(1, 0, 10, fetch_add(1), returns(0)),
            ok_op(2, 0, 10, fetch_add(1), returns(1))};
  CHECK(verdict_of(h) == verdict::linearizable);
  std::swap(h[0].output, h[1].output);
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("fetch_add answering a duplicate is a violation", "[counter]") {
  history h{ok_op(1, 0, 10, fetch_add(1), returns(0)),
            ok_op(2, 0, 10, fetch_add(1), returns(0))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("fetch_add must see a completed add", "[counter]") {
  history h{ok_op(1, 0, 10, add(5)),
            ok_op(2, 20, 30, fetch_add(1), returns(0))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
  h[1].output = returns(5);
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("info add may explain a read, but only all or nothing",
          "[counter][info]") {
  history h{info_op(1, 0, add(5)), ok_op(2, 10, 20, read(), returns(5))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[1].output = returns(0);
  CHECK(verdict_of(h) == verdict::linearizable);
  h[1].output = returns(3);
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("info fetch_add shifts later answers when it took effect",
          "[counter][info]") {
  // The info op's answer is unknown, but its effect shows in the read.
  history h{info_op(1, 0, fetch_add(10)),
            ok_op(2, 10, 20, fetch_add(1), returns(10)),
            ok_op(2, 30, 40, read(), returns(11))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[2].output = returns(1);
  CHECK(verdict_of(h) == verdict::not_linearizable);
}
