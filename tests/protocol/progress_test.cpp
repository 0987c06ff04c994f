#include "protocol/progress.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

index_t at(uint64_t x) {
  return index_t{x};
}

// A follower found at `match` and pipelined to, window `max_inflight`.
progress replicating(uint64_t match, size_t max_inflight = 4) {
  progress p{at(match), max_inflight};
  p.on_sent(at(match));
  p.on_success(at(match));
  REQUIRE(p.mode() == progress::state::replicate);
  return p;
}

} // namespace

TEST_CASE("new progress probes from the leader's last index + 1",
          "[progress]") {
  progress p{at(10), 4};
  CHECK(p.next_index() == at(11));
  CHECK(p.match_index() == at(0));
  CHECK(p.mode() == progress::state::probe);
  CHECK(p.can_send());
  CHECK(p.inflight() == 0);
}

TEST_CASE("default progress probes from index 1", "[progress]") {
  progress p;
  CHECK(p.next_index() == at(1));
  CHECK(p.match_index() == at(0));
  CHECK(p.mode() == progress::state::probe);
  CHECK(p.can_send());
}

TEST_CASE("probe sends one append at a time", "[progress]") {
  progress p{at(10), 4};
  p.on_sent(at(10));
  CHECK_FALSE(p.can_send());
  CHECK(p.next_index() == at(11));
  CHECK(p.inflight() == 0);
}

TEST_CASE("successful probe switches to replicate", "[progress]") {
  progress p{at(10), 4};
  p.on_sent(at(10));
  CHECK(p.on_success(at(10)));
  CHECK(p.mode() == progress::state::replicate);
  CHECK(p.match_index() == at(10));
  CHECK(p.next_index() == at(11));
  CHECK(p.can_send());
}

TEST_CASE("replicate pipelines up to max_inflight appends", "[progress]") {
  auto p = replicating(10, 3);
  p.on_sent(at(12));
  p.on_sent(at(14));
  CHECK(p.can_send());
  p.on_sent(at(16));
  CHECK_FALSE(p.can_send());
  CHECK(p.inflight() == 3);
  CHECK(p.next_index() == at(17));
  // A reply frees the window up to the acknowledged index.
  CHECK(p.on_success(at(14)));
  CHECK(p.inflight() == 1);
  CHECK(p.can_send());
  CHECK(p.match_index() == at(14));
  CHECK(p.next_index() == at(17));
}

TEST_CASE("max_inflight of zero still allows one append", "[progress]") {
  auto p = replicating(5, 0);
  CHECK(p.can_send());
  p.on_sent(at(6));
  CHECK_FALSE(p.can_send());
}

TEST_CASE("match index never decreases", "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(20));
  CHECK(p.on_success(at(20)));
  // A reordered reply of an older append.
  CHECK_FALSE(p.on_success(at(15)));
  CHECK(p.match_index() == at(20));
  CHECK(p.next_index() == at(21));
  CHECK_FALSE(p.on_success(at(20)));
  CHECK(p.match_index() == at(20));
}

TEST_CASE("stale rejection at or below match is ignored in replicate",
          "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  CHECK_FALSE(p.on_reject(at(10), at(3)));
  CHECK_FALSE(p.on_reject(at(7), at(3)));
  CHECK(p.mode() == progress::state::replicate);
  CHECK(p.next_index() == at(16));
  CHECK(p.inflight() == 1);
}

TEST_CASE("valid rejection in replicate falls back to probe at the hint",
          "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  p.on_sent(at(20));
  CHECK(p.on_reject(at(15), at(13)));
  CHECK(p.mode() == progress::state::probe);
  CHECK(p.next_index() == at(13));
  CHECK(p.inflight() == 0);
  CHECK(p.can_send());
  CHECK(p.match_index() == at(10));
}

TEST_CASE("rejection never moves next at or below match", "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  CHECK(p.on_reject(at(15), at(4)));
  CHECK(p.next_index() == at(11));
}

TEST_CASE("rejection hint beyond the rejected index is capped", "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  CHECK(p.on_reject(at(14), at(30)));
  CHECK(p.next_index() == at(14));
}

TEST_CASE("only the answer to the current probe counts", "[progress]") {
  progress p{at(10), 4};
  p.on_sent(at(10));
  // The probe had prev_log_index = next - 1 = 10.
  CHECK_FALSE(p.on_reject(at(9), at(2)));
  CHECK_FALSE(p.on_reject(at(11), at(2)));
  CHECK(p.next_index() == at(11));
  CHECK_FALSE(p.can_send());
  CHECK(p.on_reject(at(10), at(6)));
  CHECK(p.next_index() == at(6));
  CHECK(p.mode() == progress::state::probe);
  // A new probe may go out at once.
  CHECK(p.can_send());
  // A duplicate of the same rejection is now stale.
  CHECK_FALSE(p.on_reject(at(10), at(6)));
  CHECK(p.next_index() == at(6));
}

TEST_CASE("probe backs off one step when the hint is not lower",
          "[progress]") {
  progress p{at(10), 4};
  p.on_sent(at(10));
  CHECK(p.on_reject(at(10), at(10)));
  CHECK(p.next_index() == at(10));
  p.on_sent(at(10));
  CHECK(p.on_reject(at(9), at(9)));
  CHECK(p.next_index() == at(9));
}

TEST_CASE("heartbeat lets a lost probe be resent", "[progress]") {
  progress p{at(10), 4};
  p.on_sent(at(10));
  CHECK_FALSE(p.can_send());
  p.on_heartbeat();
  CHECK(p.can_send());
  CHECK(p.mode() == progress::state::probe);
  CHECK(p.next_index() == at(11));
}

TEST_CASE("two heartbeats without progress fall back to probe", "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  p.on_sent(at(20));
  p.on_heartbeat();
  CHECK(p.mode() == progress::state::replicate);
  CHECK(p.inflight() == 2);
  p.on_heartbeat();
  CHECK(p.mode() == progress::state::probe);
  CHECK(p.next_index() == at(11));
  CHECK(p.inflight() == 0);
  CHECK(p.can_send());
}

TEST_CASE("a round trip longer than two heartbeats is no loss when the "
          "election timeout allows it",
          "[progress]") {
  using namespace std::chrono_literals;
  // Defaults (160 ms / 50 ms) and a short election timeout: two heartbeats.
  CHECK(stall_heartbeats(160ms, 50ms) == 2);
  CHECK(stall_heartbeats(100ms, 50ms) == 2);
  // A WAN setup, 1 s / 100 ms: five heartbeats (500 ms > a 218 ms RTT).
  CHECK(stall_heartbeats(1000ms, 100ms) == 5);
  auto p = replicating(10);
  p.on_sent(at(15));
  for (int i = 0; i < 4; ++i)
    p.on_heartbeat(5);
  CHECK(p.mode() == progress::state::replicate);
  p.on_heartbeat(5);
  CHECK(p.mode() == progress::state::probe);
}

TEST_CASE("progress between heartbeats keeps replicating", "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  p.on_sent(at(20));
  p.on_heartbeat();
  CHECK(p.on_success(at(15)));
  p.on_heartbeat();
  CHECK(p.mode() == progress::state::replicate);
  p.on_heartbeat();
  CHECK(p.mode() == progress::state::probe);
  CHECK(p.next_index() == at(16));
}

TEST_CASE("stale success does not count as progress", "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  p.on_heartbeat();
  CHECK_FALSE(p.on_success(at(8)));
  p.on_heartbeat();
  CHECK(p.mode() == progress::state::probe);
}

TEST_CASE("idle follower with nothing in flight stays in replicate",
          "[progress]") {
  auto p = replicating(10);
  for (int i = 0; i < 5; ++i)
    p.on_heartbeat();
  CHECK(p.mode() == progress::state::replicate);
  // The idle count restarts once appends are in flight again.
  p.on_sent(at(12));
  p.on_heartbeat();
  CHECK(p.mode() == progress::state::replicate);
}

TEST_CASE("success in probe after a fallback resumes replicating",
          "[progress]") {
  auto p = replicating(10);
  p.on_sent(at(15));
  p.on_heartbeat();
  p.on_heartbeat();
  REQUIRE(p.mode() == progress::state::probe);
  // The late reply of the pipelined append arrives.
  CHECK(p.on_success(at(15)));
  CHECK(p.mode() == progress::state::replicate);
  CHECK(p.match_index() == at(15));
  CHECK(p.next_index() == at(16));
  CHECK(p.inflight() == 0);
}
