#include "scenarios/check/checker.hpp"
#include "scenarios/check/models.hpp"

#include <catch2/catch.hpp>

using namespace flexsync::check;

namespace {

const lock_model lock;

verdict verdict_of(const history& ops) {
  return check_history(lock, ops).result;
}

} // namespace

TEST_CASE("lock handed over by release is linearizable", "[lock]") {
  history h{ok_op(1, 0, 10, acquire(1)),
            ok_op(1, 20, 30, release(1), returns_flag(true)),
            ok_op(2, 40, 50, acquire(2)),
            ok_op(2, 60, 70, release(2), returns_flag(true))};
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("two clients holding the lock at once is a violation", "[lock]") {
  history h{ok_op(1, 0, 10, acquire(1)), ok_op(2, 20, 30, acquire(2)),
            ok_op(1, 40, 50, release(1), returns_flag(true))};
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("a blocked acquire completes after a concurrent release",
          "[lock]") {
  // Client 2's acquire is pending across client 1's release.
  history h{ok_op(1, 0, 10, acquire(1)), ok_op(2, 20, 60, acquire(2)),
            ok_op(1, 30, 40, release(1), returns_flag(true))};
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("try_acquire answers false while held and true when free",
          "[lock]") {
  history h{ok_op(1, 0, 10, acquire(1)),
            ok_op(2, 20, 30, try_acquire(2), returns_flag(false)),
            ok_op(1, 40, 50, release(1), returns_flag(true)),
            ok_op(2, 60, 70, try_acquire(2), returns_flag(true))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[1].output = returns_flag(true);
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("release by a client that does not hold the lock answers false",
          "[lock]") {
  history h{ok_op(1, 0, 10, acquire(1)),
            ok_op(2, 20, 30, release(2), returns_flag(false)),
            ok_op(3, 40, 50, try_acquire(3), returns_flag(false))};
  CHECK(verdict_of(h) == verdict::linearizable);
  h[1].output = returns_flag(true);
  CHECK(verdict_of(h) == verdict::not_linearizable);
}

TEST_CASE("info acquire that never happened does not hold the lock",
          "[lock][info]") {
  // Had it taken effect, client 2 could not acquire; at the end the lock is
  // held, so it cannot take effect then either: it must never have.
  history h{info_op(1, 0, acquire(1)), ok_op(2, 10, 20, acquire(2))};
  CHECK(verdict_of(h) == verdict::linearizable);
}

TEST_CASE("info acquire that took effect explains a failed try_acquire",
          "[lock][info]") {
  history h{info_op(1, 0, acquire(1)),
            ok_op(2, 10, 20, try_acquire(2), returns_flag(false))};
  CHECK(verdict_of(h) == verdict::linearizable);
  // ... but then client 1 holds it, so nobody else may release it.
  h.push_back(ok_op(3, 30, 40, release(3), returns_flag(true)));
  CHECK(verdict_of(h) == verdict::not_linearizable);
}
