// repl_lock_manager on real threads: exclusion, release by the holder only,
// expiry by entry time, the keep-alive, the conservative local check and
// PySyncObj's rule for slow grants. Time-dependent tests drive entry time by
// committing entries and wait on conditions; none decides by sleeping.

#include <catch2/catch.hpp>

#include <regex>

#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"
#include "tests/state_machines/lock_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

int64_t ns(caf::timespan d) {
  return d.count();
}

} // namespace

TEST_CASE("a lock has one holder and only the holder releases it",
          "[locks]") {
  local_cluster<locks_30s> c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  auto& b = c.object(1);
  REQUIRE(a.owner() != b.owner());
  CHECK(a.try_acquire("L").get());
  CHECK(a.is_acquired("L"));
  CHECK(a.try_acquire("L").get()); // re-entrant
  CHECK_FALSE(b.try_acquire("L").get());
  CHECK_FALSE(b.is_acquired("L"));
  CHECK_FALSE(b.release("L").get()); // silent no-op for a non-holder
  CHECK(a.is_acquired("L"));
  auto first = b.state_of("L");
  REQUIRE(first.has_value());
  CHECK(first->owner == a.owner());
  CHECK(a.release("L").get());
  CHECK_FALSE(a.is_acquired("L"));
  CHECK_FALSE(a.release("L").get());
  CHECK(b.try_acquire("L").get());
  CHECK(b.is_acquired("L"));
  auto second = b.state_of("L");
  REQUIRE(second.has_value());
  // A new tenure gets a higher fencing token.
  CHECK(second->token > first->token);
  CHECK(a.try_acquire("other").get()); // locks are independent
}

TEST_CASE("a re-entrant acquire refreshes the lock and keeps its token",
          "[locks]") {
  local_cluster<locks_30s> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  REQUIRE(a.try_acquire("L").get());
  auto first = a.state_of("L");
  REQUIRE(a.try_acquire("L").get());
  auto again = a.state_of("L");
  REQUIRE(first.has_value());
  REQUIRE(again.has_value());
  CHECK(again->token == first->token);
  CHECK(again->refreshed_at >= first->refreshed_at);
  CHECK(again->auto_unlock_ns == ns(30s));
}

TEST_CASE("an expired lock goes to the next owner by entry time", "[locks]") {
  local_cluster<manual_locks> c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  auto& b = c.object(1);
  REQUIRE(a.try_acquire("L").get());
  auto held = a.state_of("L");
  REQUIRE(held.has_value());
  // Each attempt commits an entry, moving entry time forward; the holder
  // never refreshes.
  REQUIRE(wait_until([&] { return b.try_acquire("L").get(); }));
  auto taken = b.state_of("L");
  REQUIRE(taken.has_value());
  CHECK(taken->owner == b.owner());
  CHECK(taken->refreshed_at - held->refreshed_at > ns(manual_locks::ttl));
  CHECK(taken->token > held->token);
  // The old holder stopped believing before the lock could pass on.
  CHECK_FALSE(a.is_acquired("L"));
  CHECK(b.is_acquired("L"));
}

TEST_CASE("the keep-alive holds a lock beyond its auto-unlock time",
          "[locks]") {
  local_cluster<kept_locks> c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  auto& b = c.object(1);
  REQUIRE(a.try_acquire("L").get());
  auto start = a.state_of("L");
  REQUIRE(start.has_value());
  bool stolen = false;
  // Until the keep-alive has renewed the lock for over 2 T of entry time,
  // every attempt of another owner fails.
  auto renewed_long = [&] {
    if (b.try_acquire("L").get())
      return stolen = true;
    auto st = b.state_of("L");
    return st && st->refreshed_at - start->refreshed_at > 2 * ns(kept_locks::ttl);
  };
  REQUIRE(wait_until(renewed_long));
  CHECK_FALSE(stolen);
  CHECK(a.is_acquired("L"));
  auto last = b.state_of("L");
  REQUIRE(last.has_value());
  CHECK(last->owner == a.owner());
  CHECK(last->token == start->token);

  SECTION("once stopped, the lock passes on after T") {
    a.stop();
    REQUIRE(wait_until([&] { return b.try_acquire("L").get(); }));
    CHECK_FALSE(a.is_acquired("L"));
    auto taken = b.state_of("L");
    REQUIRE(taken.has_value());
    CHECK(taken->owner == b.owner());
  }
}

TEST_CASE("an owner cut off from the cluster stops believing on its own",
          "[locks]") {
  local_cluster<kept_locks> c{{"a", "b", "c"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  auto& b = c.object(1);
  REQUIRE(a.try_acquire("L").get());
  REQUIRE(a.is_acquired("L"));
  c.stop(0); // its refreshes can no longer commit
  CHECK(wait_until([&] { return !a.is_acquired("L"); }));
  REQUIRE(wait_until([&] { return b.try_acquire("L").get(); }));
  CHECK_FALSE(a.is_acquired("L"));
}

TEST_CASE("is_acquired follows the client's own clock", "[locks]") {
  local_cluster<clocked_locks> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  REQUIRE(a.try_acquire("L").get());
  CHECK(a.is_acquired("L"));
  // A pause of T - margin (margin = T/4) on the client's clock: the table
  // still names it, but it may no longer assume it holds the lock.
  a.advance(clocked_locks::ttl * 3 / 4);
  CHECK_FALSE(a.is_acquired("L"));
  auto st = a.state_of("L");
  REQUIRE(st.has_value());
  CHECK(st->owner == a.owner());
  // A confirmed refresh makes it sure again.
  CHECK(a.refresh().get() == std::vector<std::string>{"L"});
  CHECK(a.is_acquired("L"));
}

TEST_CASE("a grant that arrives later than T/2 is reported as a failure",
          "[locks]") {
  local_cluster<clocked_locks> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  // Every reading of the client's clock moves it T/2 on: the outcome looks
  // late.
  a.jump_per_reading(clocked_locks::ttl / 2);
  CHECK_FALSE(a.try_acquire("L").get());
  a.jump_per_reading(0s);
  // The blocking mode released it before returning.
  CHECK_FALSE(a.state_of("L").has_value());
  CHECK_FALSE(a.is_acquired("L"));

  SECTION("asynchronously, the release is posted") {
    a.jump_per_reading(clocked_locks::ttl / 2);
    report<std::pair<bool, caf::error>> r;
    a.try_acquire("M").then([p = r.sink()](bool ok, const caf::error& err) {
      p->set_value({ok, err});
    });
    auto got = r.wait();
    a.jump_per_reading(0s);
    REQUIRE(got.has_value());
    CHECK_FALSE(got->first);
    CHECK_FALSE(got->second);
    CHECK(wait_until([&] { return !a.state_of("M").has_value(); }));
  }
}

TEST_CASE("lock calls work in all three modes", "[locks]") {
  local_cluster<locks_30s> c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  auto& b = c.object(1);
  report<std::pair<bool, caf::error>> r;
  a.try_acquire("L").then([p = r.sink()](bool ok, const caf::error& err) {
    p->set_value({ok, err});
  });
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->first);
  CHECK_FALSE(got->second);
  CHECK(a.is_acquired("L"));
  b.try_acquire("M").post();
  CHECK(wait_until([&] { return b.is_acquired("M"); }));
  b.release("M").post();
  CHECK(wait_until([&] { return !b.state_of("M").has_value(); }));
  CHECK_FALSE(b.is_acquired("M"));
}

TEST_CASE("two lock managers on one node are independent", "[locks]") {
  local_cluster<locks_30s, locks_30s> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& first = c.object<0>(0);
  auto& second = c.object<1>(0);
  CHECK(first.try_acquire("L").get());
  CHECK(second.try_acquire("L").get());
  CHECK(first.is_acquired("L"));
  CHECK(second.is_acquired("L"));
}

TEST_CASE("the lock table survives a snapshot round trip", "[locks]") {
  local_cluster<locks_30s> c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& a = c.object(0);
  REQUIRE(a.try_acquire("x").get());
  REQUIRE(a.try_acquire("y").get());
  repl_lock_manager copy{30s};
  CHECK_FALSE(snapshot_round_trip(a, copy));
  CHECK(copy.raw_data() == a.raw_data());
  CHECK(copy.raw_data().size() == 2);
  // The copy's client confirmed nothing: it believes it holds nothing.
  CHECK_FALSE(copy.is_acquired("x"));
}

TEST_CASE("owners are <hostname>:<pid>:<instance> unless given", "[locks]") {
  repl_lock_manager one{30s};
  repl_lock_manager two{30s};
  std::regex shape{"[^:]*:[0-9]+:[0-9]+"};
  CHECK(std::regex_match(one.owner(), shape));
  CHECK(one.owner() != two.owner());
  lock_options opts;
  opts.owner = "worker-7";
  repl_lock_manager named{opts};
  CHECK(named.owner() == "worker-7");
  CHECK(named.auto_unlock_time() == 30s);
}

TEST_CASE("inconsistent lock options are refused", "[locks]") {
  auto make = [](caf::timespan t, caf::timespan margin,
                 caf::timespan interval) {
    lock_options opts;
    opts.auto_unlock_time = t;
    opts.safety_margin = margin;
    opts.keepalive_interval = interval;
    repl_lock_manager x{opts};
  };
  CHECK_THROWS_AS(make(0s, 0s, 0s), std::invalid_argument);
  CHECK_THROWS_AS(make(10s, 10s, 0s), std::invalid_argument);
  CHECK_THROWS_AS(make(10s, 2s, 8s), std::invalid_argument);
  CHECK_NOTHROW(make(10s, 2s, 7s));
  CHECK_NOTHROW(make(10s, 0s, 0s));
}

TEST_CASE("an unregistered lock manager refuses calls", "[locks]") {
  repl_lock_manager x{30s};
  CHECK_THROWS_AS(x.try_acquire("L"), std::logic_error);
  CHECK_FALSE(x.is_acquired("L"));
  CHECK_FALSE(x.state_of("L").has_value());
}
