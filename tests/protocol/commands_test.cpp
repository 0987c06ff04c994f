#include "protocol/commands.hpp"

#include <catch2/catch.hpp>

#include "field_filler.hpp"

using namespace flexsync;

TEST_CASE("new forward reply says not_leader without a leader hint",
          "[commands]") {
  forward_reply x;
  CHECK(x.reason == fail_reason::not_leader);
  CHECK(x.leader.empty());
  CHECK(x.request_ids.empty());
}

TEST_CASE("inspect visits every field of command", "[commands]") {
  test::field_filler f;
  command x;
  inspect(f, x);
  CHECK(x.client_id != 0);
  CHECK(x.request_id != 0);
  CHECK_FALSE(x.data.empty());
  CHECK(f.visited == 3);
}

TEST_CASE("inspect visits every field of forward_command", "[commands]") {
  test::field_filler f;
  forward_command x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.origin.empty());
  CHECK(x.watermark != 0);
  REQUIRE(x.commands.size() == 1);
  CHECK(x.commands[0].client_id != 0);
  CHECK(x.commands[0].request_id != 0);
  CHECK_FALSE(x.commands[0].data.empty());
}

TEST_CASE("inspect visits every field of forward_reply", "[commands]") {
  test::field_filler f;
  forward_reply x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK(x.reason != fail_reason::not_leader);
  CHECK_FALSE(x.leader.empty());
  CHECK(x.client_id != 0);
  REQUIRE(x.request_ids.size() == 1);
  CHECK(x.request_ids[0] != 0);
}
