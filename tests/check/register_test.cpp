#include "scenarios/check/checker.hpp"
#include "scenarios/check/models.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace flexsync::check;

namespace {

const register_model reg;

verdict verdict_of(const history& ops) {
  return check_history(reg, ops).result;
}

bool linearized(const search_result& r, size_t op) {
  return std::find(r.order.begin(), r.order.end(), op) != r.order.end();
}

} // namespace

TEST_CASE("sequential write then read of it is linearizable", "[register]") {
  history h{ok_op(1, 0, 10, write(1)), ok_op(2, 20, 30, read(), returns(1))};
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("stale read after a completed write is a violation", "[register]") {
  history h{ok_op(1, 0, 10, write(1)), ok_op(2, 20, 30, read(), returns(0))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("read concurrent with a write may see either value",
          "[register]") {
  auto w = ok_op(1, 0, 100, write(1));
  CHECK(verdict_of({w, ok_op(2, 10, 20, read(), returns(0))})
        == verdict::linearizable);
  CHECK(verdict_of({w, ok_op(2, 10, 20, read(), returns(1))})
        == verdict::linearizable);
  CHECK(verdict_of({w, ok_op(2, 10, 20, read(), returns(2))})
        == verdict::not_linearizable);
}

TEST_CASE("a read may not flip back to an older value", "[register]") {
  // Both reads overlap the write, but once one saw 1 a later one cannot
  // see 0.
  history h{ok_op(1, 0, 100, write(1)), ok_op(2, 10, 20, read(), returns(1)),
            ok_op(3, 30, 40, read(), returns(0))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
  std::swap(h[1].output, h[2].output);
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("concurrent writes may take effect in either order",
          "[register]") {
  history h{ok_op(1, 0, 50, write(1)), ok_op(2, 0, 50, write(2)),
            ok_op(3, 60, 70, read(), returns(1))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[2].output = returns(2);
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("info write that must have taken effect explains a later read",
          "[register][info]") {
  history h{info_op(1, 0, write(1)), ok_op(2, 10, 20, read(), returns(1))};
  auto r = linearize(reg, h, 1000);
  REQUIRE(r.result == verdict::linearizable);
  CHECK(linearized(r, 0));
}

TEST_CASE("info write invoked after a read returned cannot explain it",
          "[register][info]") {
  history h{ok_op(2, 0, 10, read(), returns(1)), info_op(1, 20, write(1))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("info write that did not take effect leaves the old value",
          "[register][info]") {
  history h{info_op(1, 0, write(1)), ok_op(2, 10, 20, read(), returns(0)),
            ok_op(2, 30, 40, read(), returns(0))};
  auto r = linearize(reg, h, 1000);
  REQUIRE(r.result == verdict::linearizable);
  CHECK_FALSE(linearized(r, 0));
}

TEST_CASE("info write cannot take effect and then be undone",
          "[register][info]") {
  history h{info_op(1, 0, write(1)), ok_op(2, 10, 20, read(), returns(1)),
            ok_op(2, 30, 40, read(), returns(0))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("info cas takes effect only where its condition holds",
          "[register][info]") {
  // cas(1, 2) may swap only after the write of 1.
  history h{info_op(1, 0, cas(1, 2)), ok_op(2, 10, 20, write(1)),
            ok_op(3, 30, 40, read(), returns(2))};
  CHECK(verdict_of(h) == verdict::linearizable);
  history never{info_op(1, 0, cas(5, 2)), ok_op(2, 10, 20, write(1)),
                ok_op(3, 30, 40, read(), returns(2))};
  CHECK(verdict_of(never) == verdict::not_linearizable);
}

TEST_CASE("cas answers must match the value at their point", "[register]") {
  history h{ok_op(1, 0, 10, write(1)),
            ok_op(2, 20, 30, cas(1, 2), returns_flag(true)),
            ok_op(3, 40, 50, cas(1, 3), returns_flag(false)),
            ok_op(1, 60, 70, read(), returns(2))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[2].output = returns_flag(true);
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("fail ops are dropped: they never took effect", "[register]") {
  history h{fail_op(1, 0, 10, write(5)), ok_op(2, 20, 30, read(), returns(5))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
  h[1].output = returns(0);
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("ops that only touch at an instant count as concurrent",
          "[register]") {
  // The lenient reading: the write's return and the read's invoke tie.
  history h{ok_op(1, 0, 10, write(1)), ok_op(2, 10, 20, read(), returns(0))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[1].invoke_time = 11;
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("empty and info-only histories are linearizable", "[register]") {
  CHECK(verdict_of({}) == verdict::linearizable);
  CHECK(verdict_of({info_op(1, 0, write(1))}) == verdict::linearizable);
}

TEST_CASE("an op returning before its invocation is a bug", "[register]") {
  CHECK_THROWS_AS(verdict_of({ok_op(1, 10, 5, write(1))}), std::logic_error);
}

TEST_CASE("an op the model does not know is a bug", "[register]") {
  CHECK_THROWS_AS(verdict_of({ok_op(1, 0, 5, push(1))}), std::logic_error);
}
