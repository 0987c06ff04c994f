// FLEXSYNC_ASSERT stays on in every build type and reports to the thread's
// observer before it throws.

#include <catch2/catch.hpp>

#include "protocol/assert.hpp"
#include "protocol/progress.hpp"

using namespace flexsync;

TEST_CASE("FLEXSYNC_ASSERT throws with the condition and tells the observer") {
  std::string seen;
  auto previous = set_assertion_observer(
    [&](const std::string& what) { seen = what; });
  int evaluated = 0;
  FLEXSYNC_ASSERT(1 + 1 == 2, (++evaluated, std::string{"never built"}));
  CHECK(evaluated == 0);
  auto broken = [] { FLEXSYNC_ASSERT(1 + 1 == 3, std::string{"arithmetic"}); };
  CHECK_THROWS_AS(broken(), std::logic_error);
  CHECK(seen.find("1 + 1 == 3") != std::string::npos);
  CHECK(seen.find("arithmetic") != std::string::npos);
  set_assertion_observer(std::move(previous));
}

TEST_CASE("progress keeps match below next through every transition") {
  progress p{index_t{10}, 4};
  p.on_sent(index_t{10});
  CHECK(p.on_success(index_t{8}));
  CHECK(p.match_index() < p.next_index());
  p.on_sent(index_t{12});
  CHECK(p.on_reject(index_t{12}, index_t{9}));
  CHECK(p.match_index() < p.next_index());
  p.on_snapshot_installed(index_t{20});
  CHECK(p.match_index() == index_t{20});
  CHECK(p.next_index() == index_t{21});
}
