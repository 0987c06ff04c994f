// The pending-call resolution proof (protocol/call_tracker).

#include <catch2/catch.hpp>

#include "protocol/call_tracker.hpp"

using namespace flexsync;

namespace {

using verdicts = std::vector<call_verdict>;
using tracker = call_tracker<tracked_call>;

} // namespace

TEST_CASE("a bound call fails once an entry of a later term is applied, "
          "with the reason its path proves") {
  tracker t;
  t.add(1, {});
  t.add(2, {});
  t.add(3, {});
  CHECK(t.bind({1}, term_t{4}, true, term_t{3}).empty());
  CHECK(t.bind({2}, term_t{4}, false, term_t{3}).empty());
  // Unbound calls (3) are never resolved early.
  CHECK(t.on_applied_term(term_t{4}).empty());
  CHECK(t.on_applied_term(term_t{5})
        == verdicts{{1, fail_reason::discarded},
                    {2, fail_reason::leader_changed}});
}

TEST_CASE("binding after a later term was applied fails at once") {
  tracker t;
  t.add(7, {});
  CHECK(t.bind({7}, term_t{2}, false, term_t{3})
        == verdicts{{7, fail_reason::leader_changed}});
}

TEST_CASE("a call submitted before a snapshot install waits for its own "
          "apply or its deadline") {
  tracker t;
  t.add(1, {});
  t.bind({1}, term_t{2}, true, term_t{2});
  t.on_snapshot_restored();
  CHECK(t.on_applied_term(term_t{9}).empty());
  CHECK(t.on_quorum_lost(term_t{2}).empty());
  t.add(2, {});
  t.bind({2}, term_t{9}, true, term_t{9});
  CHECK(t.on_applied_term(term_t{10})
        == verdicts{{2, fail_reason::discarded}});
}

TEST_CASE("losing the quorum fails the calls of the lost term only, the "
          "watermark is the lowest pending id") {
  tracker t;
  CHECK(t.watermark(5) == 5);
  t.add(5, {});
  t.add(6, {});
  t.bind({5}, term_t{3}, true, term_t{3});
  t.bind({6}, term_t{4}, true, term_t{3});
  CHECK(t.on_quorum_lost(term_t{4})
        == verdicts{{6, fail_reason::quorum_lost}});
  CHECK(t.watermark(9) == 5);
  CHECK(t.take(5));
  CHECK_FALSE(t.take(5));
  CHECK(t.watermark(9) == 6);
  CHECK_THROWS_AS(t.add(6, {}), std::logic_error);
}

TEST_CASE("a bind reports only the calls it binds, so its cost does not grow "
          "with the calls in flight") {
  tracker t;
  t.add(1, {});
  t.add(2, {});
  t.bind({1}, term_t{2}, true, term_t{2});
  // An entry of term 3 was applied: call 1 is doomed, reported here.
  CHECK(t.on_applied_term(term_t{3})
        == verdicts{{1, fail_reason::discarded}});
  // Its answer is the caller's; the next bind does not repeat it.
  CHECK(t.bind({2}, term_t{3}, true, term_t{3}).empty());
  CHECK(t.bind({2}, term_t{2}, false, term_t{3})
        == verdicts{{2, fail_reason::leader_changed}});
}
