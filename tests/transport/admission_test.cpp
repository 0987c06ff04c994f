// The handshake slot policy and the bounded log of unauthenticated
// connections (tcp_admission.hpp), as pure functions.

#include <vector>

#include <catch2/catch.hpp>

#include "actors/transport/wire/tcp_admission.hpp"

using namespace flexsync::tcp;

namespace {

using event = handshake_log::event;
using clock_type = handshake_log::clock;

size_t victim(std::vector<pending_view> xs) {
  return pick_victim(xs);
}

} // namespace

TEST_CASE("a connection without a hello is evicted before one that sent its "
          "hello, however old",
          "[transport][admission]") {
  CHECK(victim({{"127.0.0.1", true, 1}, {"127.0.0.1", false, 9}}) == 1);
  CHECK(victim({{"10.0.0.9", false, 7}, {"10.0.0.2", true, 1}}) == 0);
}

TEST_CASE("among equals the oldest is evicted, so a young real handshake "
          "survives on loopback where every peer shares one address",
          "[transport][admission]") {
  CHECK(victim({{"127.0.0.1", false, 5},
                {"127.0.0.1", false, 2},
                {"127.0.0.1", false, 8}}) == 1);
  // Only hellos left (a forged-hello flood): still the oldest.
  CHECK(victim({{"127.0.0.1", true, 4}, {"127.0.0.1", true, 3}}) == 1);
}

TEST_CASE("the host with the most unfinished handshakes is evicted from "
          "first, so one host cannot push out the others",
          "[transport][admission]") {
  // 10.0.0.1 has the oldest connection but only one.
  CHECK(victim({{"10.0.0.1", false, 1},
                {"10.0.0.66", false, 5},
                {"10.0.0.66", false, 3},
                {"10.0.0.66", false, 9}}) == 2);
  // A tie goes to the host of the oldest connection.
  CHECK(victim({{"10.0.0.7", false, 4},
                {"10.0.0.8", false, 2},
                {"10.0.0.7", false, 6},
                {"10.0.0.8", false, 8}}) == 1);
}

TEST_CASE("the first events of an interval get their own line, the rest one "
          "summary line, and a flood that goes on only the summary",
          "[transport][admission]") {
  handshake_log log{2, std::chrono::seconds(5)};
  auto t0 = clock_type::time_point{} + std::chrono::hours(1);
  CHECK(log.record(event::timed_out, t0));
  CHECK(log.record(event::evicted, t0));
  for (int i = 0; i < 1000; ++i)
    CHECK_FALSE(log.record(event::evicted, t0 + std::chrono::seconds(1)));
  CHECK_FALSE(log.record(event::rejected, t0 + std::chrono::seconds(2)));
  // Nothing before the interval is over.
  CHECK_FALSE(log.roll(t0 + std::chrono::seconds(4)));
  auto line = log.roll(t0 + std::chrono::seconds(5));
  REQUIRE(line);
  CHECK(*line == "unauthenticated connections in the last 5.0 s: 1001 "
                 "evicted (all handshake slots taken), 1 closed at the "
                 "handshake deadline, 1 rejected for a protocol violation; "
                 "2 of them logged above");
  // While the flood goes on, only the summary.
  CHECK_FALSE(log.record(event::rejected, t0 + std::chrono::seconds(6)));
  line = log.roll(t0 + std::chrono::seconds(11));
  REQUIRE(line);
  CHECK(*line == "unauthenticated connections in the last 5.0 s: 1 rejected "
                 "for a protocol violation");
  // After a quiet interval, events have their own line again, and an
  // interval without held-back lines says nothing more.
  CHECK(log.record(event::rejected, t0 + std::chrono::seconds(30)));
  CHECK_FALSE(log.roll(t0 + std::chrono::seconds(40)));
  CHECK_FALSE(log.roll(t0 + std::chrono::seconds(60)));
}

TEST_CASE("events whose lines are not wanted use no budget and cause no "
          "summary",
          "[transport][admission]") {
  handshake_log log{1, std::chrono::seconds(5)};
  auto t0 = clock_type::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 50; ++i)
    CHECK_FALSE(log.record(event::closed_by_remote, t0, false));
  CHECK_FALSE(log.roll(t0 + std::chrono::seconds(6)));
  CHECK(log.record(event::rejected, t0 + std::chrono::seconds(7)));
  CHECK_FALSE(
      log.record(event::closed_by_remote, t0 + std::chrono::seconds(7)));
  auto line = log.roll(t0 + std::chrono::seconds(12));
  REQUIRE(line);
  CHECK(line->find("1 rejected for a protocol violation, 1 closed by the "
                   "remote end; 1 of them logged above") != std::string::npos);
}
