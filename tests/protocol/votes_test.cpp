#include "protocol/votes.hpp"

#include <catch2/catch.hpp>

#include "field_filler.hpp"

using namespace flexsync;

TEST_CASE("new vote request is a real vote without transfer", "[votes]") {
  request_vote req;
  CHECK_FALSE(req.pre_vote);
  CHECK_FALSE(req.transfer);
  vote_reply reply;
  CHECK_FALSE(reply.granted);
  CHECK_FALSE(reply.pre_vote);
}

TEST_CASE("inspect visits every field of request_vote", "[votes]") {
  test::field_filler f;
  request_vote x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.candidate.empty());
  CHECK(x.last_log_index != index_t{});
  CHECK(x.last_log_term != term_t{});
  CHECK(x.pre_vote);
  CHECK(x.transfer);
  CHECK(x.kind != vote_kind::normal);
  CHECK(x.incarnation != incarnation_t{});
  CHECK(f.visited == 8);
}

TEST_CASE("inspect visits every field of vote_reply", "[votes]") {
  test::field_filler f;
  vote_reply x;
  inspect(f, x);
  CHECK(x.term != term_t{});
  CHECK_FALSE(x.voter.empty());
  CHECK(x.granted);
  CHECK(x.pre_vote);
  CHECK(x.incarnation != incarnation_t{});
  CHECK(x.known.entries().size() == 1);
  CHECK(f.visited == 8); // the map: the list, one node, one incarnation
}
