#include "protocol/appends.hpp"

#include <catch2/catch.hpp>

#include "field_filler.hpp"

using namespace flexsync;

TEST_CASE("new append is an empty heartbeat-like append", "[appends]") {
  append_entries req;
  CHECK(req.entries.empty());
  CHECK(req.prev_log_index == index_t{0});
  CHECK(req.leader_commit == index_t{0});
  append_reply reply;
  CHECK_FALSE(reply.success);
}

TEST_CASE("inspect visits every field of append_entries", "[appends]") {
  test::field_filler f;
  append_entries x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.leader.empty());
  CHECK(x.prev_log_index != index_t{});
  CHECK(x.prev_log_term != term_t{});
  REQUIRE(x.entries.size() == 1);
  // The nested entry is visited field by field too.
  CHECK(x.entries[0].index != index_t{});
  CHECK_FALSE(x.entries[0].data.empty());
  CHECK(x.leader_commit != index_t{});
}

TEST_CASE("inspect visits every field of append_reply", "[appends]") {
  test::field_filler f;
  append_reply x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.follower.empty());
  CHECK(x.success);
  CHECK(x.index != index_t{});
  CHECK(x.hint != index_t{});
  CHECK(x.last_log_index != index_t{});
  CHECK(x.incarnation != incarnation_t{});
  CHECK_FALSE(x.counts);
  CHECK(x.code_version != 0);
  CHECK(f.visited == 9);
}

TEST_CASE("inspect visits every field of heartbeat", "[appends]") {
  test::field_filler f;
  heartbeat x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.leader.empty());
  CHECK(x.leader_commit != index_t{});
  CHECK(x.read_round != 0);
  CHECK(x.commit_hint != index_t{});
  CHECK(x.commit_hint_term != term_t{});
  CHECK(x.known_incarnation != incarnation_t{});
  CHECK(x.commit_index != index_t{});
  CHECK(f.visited == 8);
}

TEST_CASE("inspect visits every field of heartbeat_reply", "[appends]") {
  test::field_filler f;
  heartbeat_reply x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.follower.empty());
  CHECK(x.last_log_index != index_t{});
  CHECK(x.incarnation != incarnation_t{});
  CHECK_FALSE(x.counts);
  CHECK(x.read_round != 0);
  CHECK(x.code_version != 0);
  CHECK(f.visited == 7);
}
