#include "protocol/election_tally.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace flexsync;

namespace {

const node_id n1{"1"};
const node_id n2{"2"};
const node_id n3{"3"};
const node_id n4{"4"};
const node_id n5{"5"};

vote_reply reply(const node_id& voter, bool granted, uint64_t term = 7,
                 bool pre_vote = false) {
  vote_reply r;
  r.term = term_t{term};
  r.voter = voter;
  r.granted = granted;
  r.pre_vote = pre_vote;
  return r;
}

election_tally five_node_tally(bool pre_vote = false) {
  return election_tally{quorum_system::majority({n1, n2, n3, n4, n5}),
                        term_t{7}, pre_vote};
}

} // namespace

TEST_CASE("new tally is pending and remembers term and phase",
          "[election_tally]") {
  auto t = five_node_tally(true);
  CHECK(t.term() == term_t{7});
  CHECK(t.pre_vote());
  CHECK(t.outcome() == election_outcome::pending);
  CHECK(t.granted().empty());
  CHECK(t.refused().empty());
}

TEST_CASE("election is won at the election quorum", "[election_tally]") {
  auto t = five_node_tally();
  t.record_self(n1);
  CHECK(t.outcome() == election_outcome::pending);
  CHECK(t.record(reply(n2, true)));
  CHECK(t.outcome() == election_outcome::pending);
  CHECK(t.record(reply(n3, true)));
  CHECK(t.outcome() == election_outcome::won);
  CHECK(t.granted() == node_set{n1, n2, n3});
}

TEST_CASE("election is lost once the remaining voters cannot form a quorum",
          "[election_tally]") {
  auto t = five_node_tally();
  t.record_self(n1);
  CHECK(t.record(reply(n2, false)));
  CHECK(t.record(reply(n3, false)));
  // 1, 4 and 5 could still make three.
  CHECK(t.outcome() == election_outcome::pending);
  CHECK(t.record(reply(n4, false)));
  CHECK(t.outcome() == election_outcome::lost);
  CHECK(t.refused() == node_set{n2, n3, n4});
}

TEST_CASE("duplicated replies are counted once", "[election_tally]") {
  auto t = five_node_tally();
  t.record_self(n1);
  CHECK(t.record(reply(n2, true)));
  CHECK_FALSE(t.record(reply(n2, true)));
  CHECK_FALSE(t.record(reply(n2, true)));
  CHECK(t.outcome() == election_outcome::pending);
  CHECK(t.granted().size() == 2);
}

TEST_CASE("a voter cannot change its answer within a tally",
          "[election_tally]") {
  auto t = five_node_tally();
  CHECK(t.record(reply(n2, false)));
  CHECK_FALSE(t.record(reply(n2, true)));
  CHECK(t.granted().empty());
  CHECK(t.refused() == node_set{n2});
  auto u = five_node_tally();
  CHECK(u.record(reply(n3, true)));
  CHECK_FALSE(u.record(reply(n3, false)));
  CHECK(u.refused().empty());
}

TEST_CASE("replies of another term are ignored", "[election_tally]") {
  auto t = five_node_tally();
  t.record_self(n1);
  CHECK_FALSE(t.record(reply(n2, true, 6)));
  CHECK_FALSE(t.record(reply(n3, true, 8)));
  CHECK_FALSE(t.record(reply(n4, false, 8)));
  CHECK(t.granted() == node_set{n1});
  CHECK(t.refused().empty());
  CHECK(t.outcome() == election_outcome::pending);
}

TEST_CASE("replies of the other phase are ignored", "[election_tally]") {
  auto real = five_node_tally(false);
  CHECK_FALSE(real.record(reply(n2, true, 7, true)));
  CHECK(real.granted().empty());
  auto pre = five_node_tally(true);
  CHECK_FALSE(pre.record(reply(n2, true, 7, false)));
  CHECK(pre.granted().empty());
  CHECK(pre.record(reply(n2, true, 7, true)));
  CHECK(pre.granted() == node_set{n2});
}

TEST_CASE("pre-vote tally is won at the election quorum", "[election_tally]") {
  auto t = five_node_tally(true);
  t.record_self(n1);
  t.record(reply(n4, true, 7, true));
  t.record(reply(n5, true, 7, true));
  CHECK(t.outcome() == election_outcome::won);
}

TEST_CASE("non-voters are ignored", "[election_tally]") {
  auto t = five_node_tally();
  t.record_self(n1);
  t.record_self(node_id{"learner"});
  CHECK(t.granted() == node_set{n1});
  CHECK_FALSE(t.record(reply(node_id{"learner"}, true)));
  CHECK_FALSE(t.record(reply(node_id{"other"}, true)));
  CHECK(t.outcome() == election_outcome::pending);
  // Non-voter refusals cannot make the election lost either.
  auto u = five_node_tally();
  for (auto name : {"x", "y", "z"})
    CHECK_FALSE(u.record(reply(node_id{name}, false)));
  CHECK(u.outcome() == election_outcome::pending);
}

TEST_CASE("recording self twice counts once", "[election_tally]") {
  auto t = five_node_tally();
  t.record_self(n1);
  t.record_self(n1);
  CHECK(t.granted().size() == 1);
  // The candidate's own vote also shadows a reply from itself.
  CHECK_FALSE(t.record(reply(n1, true)));
}

TEST_CASE("single-node cluster wins with its own vote", "[election_tally]") {
  election_tally t{quorum_system::majority({n1}), term_t{1}, false};
  CHECK(t.outcome() == election_outcome::pending);
  t.record_self(n1);
  CHECK(t.outcome() == election_outcome::won);
}

TEST_CASE("two-node cluster needs both votes", "[election_tally]") {
  election_tally t{quorum_system::majority({n1, n2}), term_t{3}, false};
  t.record_self(n1);
  CHECK(t.outcome() == election_outcome::pending);
  SECTION("granted") {
    t.record(reply(n2, true, 3));
    CHECK(t.outcome() == election_outcome::won);
  }
  SECTION("refused") {
    t.record(reply(n2, false, 3));
    CHECK(t.outcome() == election_outcome::lost);
  }
}

TEST_CASE("counting quorum wins and loses at the election quorum size",
          "[election_tally]") {
  // n=4, election 3, replication 2.
  auto q = quorum_system::counting({n1, n2, n3, n4}, 3, 2);
  SECTION("two grants are a replication quorum but do not elect") {
    election_tally t{q, term_t{2}, false};
    t.record_self(n1);
    t.record(reply(n2, true, 2));
    CHECK(t.outcome() == election_outcome::pending);
    t.record(reply(n4, true, 2));
    CHECK(t.outcome() == election_outcome::won);
  }
  SECTION("two refusals leave only two possible voters") {
    election_tally t{q, term_t{2}, false};
    t.record_self(n1);
    t.record(reply(n2, false, 2));
    CHECK(t.outcome() == election_outcome::pending);
    t.record(reply(n3, false, 2));
    CHECK(t.outcome() == election_outcome::lost);
  }
}

TEST_CASE("election outcomes render as words", "[election_tally]") {
  CHECK(std::string{to_string(election_outcome::pending)} == "pending");
  CHECK(std::string{to_string(election_outcome::won)} == "won");
  CHECK(std::string{to_string(election_outcome::lost)} == "lost");
}

TEST_CASE("a refused pre-vote of the voter's own lower term still refuses "
          "the round, a granted one of another term does not count",
          "[election_tally]") {
  auto t = five_node_tally(true);
  t.record_self(n1);
  CHECK(t.record(reply(n2, false, 6, true)));
  CHECK(t.record(reply(n3, false, 5, true)));
  CHECK_FALSE(t.record(reply(n4, true, 6, true)));
  CHECK_FALSE(t.record(reply(n4, false, 6, false))); // not a pre-vote
  CHECK(t.refused() == node_set{n2, n3});
  CHECK(t.record(reply(n4, false, 7, true)));
  CHECK(t.outcome() == election_outcome::lost);
  // In a real campaign a lower term is a stale reply.
  auto c = five_node_tally(false);
  CHECK_FALSE(c.record(reply(n2, false, 6, false)));
}
