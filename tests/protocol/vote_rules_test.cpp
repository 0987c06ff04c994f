#include "protocol/vote_rules.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

const node_id alice{"alice"};
const node_id bob{"bob"};

// A voter in `term` whose log ends at (last_index, last_term).
voter_state voter(uint64_t term, std::optional<node_id> voted_for = {},
                  uint64_t last_index = 5, uint64_t last_term = 2) {
  voter_state s;
  s.current_term = term_t{term};
  s.voted_for = std::move(voted_for);
  s.last_log_index = index_t{last_index};
  s.last_log_term = term_t{last_term};
  return s;
}

// A request from `candidate` in `term` whose log ends at (last_index,
// last_term).
request_vote ask(const node_id& candidate, uint64_t term,
                 uint64_t last_index = 5, uint64_t last_term = 2,
                 bool pre_vote = false) {
  request_vote req;
  req.term = term_t{term};
  req.candidate = candidate;
  req.last_log_index = index_t{last_index};
  req.last_log_term = term_t{last_term};
  req.pre_vote = pre_vote;
  return req;
}

request_vote ask_pre_vote(const node_id& candidate, uint64_t term,
                          uint64_t last_index = 5, uint64_t last_term = 2) {
  return ask(candidate, term, last_index, last_term, true);
}

bool up_to_date(uint64_t cand_term, uint64_t cand_index, uint64_t own_term,
                uint64_t own_index) {
  return log_is_up_to_date(term_t{cand_term}, index_t{cand_index},
                           term_t{own_term}, index_t{own_index});
}

} // namespace

// -- §5.4.1 up-to-date comparison ---------------------------------------------

TEST_CASE("log with a higher last term is up to date even if shorter",
          "[vote_rules]") {
  CHECK(up_to_date(3, 1, 2, 100));
  CHECK_FALSE(up_to_date(2, 100, 3, 1));
}

TEST_CASE("log with the same last term is up to date when at least as long",
          "[vote_rules]") {
  CHECK(up_to_date(2, 5, 2, 5));
  CHECK(up_to_date(2, 6, 2, 5));
  CHECK_FALSE(up_to_date(2, 4, 2, 5));
}

TEST_CASE("empty logs are up to date with each other", "[vote_rules]") {
  CHECK(up_to_date(0, 0, 0, 0));
  CHECK_FALSE(up_to_date(0, 0, 1, 1));
  CHECK(up_to_date(1, 1, 0, 0));
}

// -- real votes ---------------------------------------------------------------

TEST_CASE("vote request with stale term is rejected without state change",
          "[vote_rules]") {
  auto self = voter(5, bob);
  auto d = decide_vote(self, ask(alice, 4, 100, 4));
  CHECK_FALSE(d.granted);
  CHECK_FALSE(d.persist);
  CHECK(d.term == term_t{5});
  CHECK(d.voted_for == bob);
  // Also when the voter has not voted.
  auto d2 = decide_vote(voter(5), ask(alice, 3, 100, 3));
  CHECK_FALSE(d2.granted);
  CHECK_FALSE(d2.persist);
  CHECK_FALSE(d2.voted_for);
}

TEST_CASE("vote request with newer term adopts it and clears the old vote",
          "[vote_rules]") {
  auto d = decide_vote(voter(5, bob), ask(alice, 6));
  CHECK(d.term == term_t{6});
  CHECK(d.persist);
  CHECK(d.granted);
  CHECK(d.voted_for == alice);
}

TEST_CASE("newer term is adopted even when the candidate's log is behind",
          "[vote_rules]") {
  // §5.1: the term moves forward regardless; §5.4.1: no vote for a stale log.
  auto d = decide_vote(voter(5, bob, 10, 5), ask(alice, 7, 9, 5));
  CHECK(d.term == term_t{7});
  CHECK(d.persist);
  CHECK_FALSE(d.granted);
  CHECK_FALSE(d.voted_for);
}

TEST_CASE("vote is granted to an up-to-date candidate in the current term",
          "[vote_rules]") {
  auto d = decide_vote(voter(5), ask(alice, 5));
  CHECK(d.granted);
  CHECK(d.persist);
  CHECK(d.term == term_t{5});
  CHECK(d.voted_for == alice);
}

TEST_CASE("vote is refused to a candidate with a less up-to-date log",
          "[vote_rules]") {
  SECTION("lower last term") {
    auto d = decide_vote(voter(5, {}, 5, 3), ask(alice, 5, 50, 2));
    CHECK_FALSE(d.granted);
    CHECK_FALSE(d.persist);
    CHECK_FALSE(d.voted_for);
  }
  SECTION("same last term, shorter log") {
    auto d = decide_vote(voter(5, {}, 5, 3), ask(alice, 5, 4, 3));
    CHECK_FALSE(d.granted);
    CHECK_FALSE(d.persist);
  }
}

TEST_CASE("second candidate in the same term is refused", "[vote_rules]") {
  auto first = decide_vote(voter(5), ask(alice, 5));
  REQUIRE(first.granted);
  auto after = voter(5, first.voted_for);
  auto second = decide_vote(after, ask(bob, 5, 100, 4));
  CHECK_FALSE(second.granted);
  CHECK_FALSE(second.persist);
  CHECK(second.voted_for == alice);
  CHECK(second.term == term_t{5});
}

TEST_CASE("same candidate is granted again without persisting",
          "[vote_rules]") {
  auto d = decide_vote(voter(5, alice), ask(alice, 5));
  CHECK(d.granted);
  CHECK_FALSE(d.persist);
  CHECK(d.voted_for == alice);
}

TEST_CASE("vote of an old term does not bind the next term", "[vote_rules]") {
  auto d = decide_vote(voter(5, alice), ask(bob, 6));
  CHECK(d.granted);
  CHECK(d.voted_for == bob);
  CHECK(d.persist);
}

TEST_CASE("non-voter never grants but adopts a newer term", "[vote_rules]") {
  auto self = voter(5);
  self.is_voter = false;
  auto same_term = decide_vote(self, ask(alice, 5));
  CHECK_FALSE(same_term.granted);
  CHECK_FALSE(same_term.persist);
  CHECK_FALSE(same_term.voted_for);
  auto newer = decide_vote(self, ask(alice, 8, 100, 7));
  CHECK_FALSE(newer.granted);
  CHECK(newer.term == term_t{8});
  CHECK(newer.persist);
  CHECK_FALSE(newer.voted_for);
}

// -- pre-votes (thesis §9.6) --------------------------------------------------

TEST_CASE("pre-vote for a later term with an up-to-date log is granted "
          "without state change",
          "[vote_rules]") {
  auto d = decide_vote(voter(5, bob), ask_pre_vote(alice, 6));
  CHECK(d.granted);
  CHECK_FALSE(d.persist);
  CHECK(d.term == term_t{5});
  CHECK(d.voted_for == bob);
}

TEST_CASE("pre-vote for the current or an older term is refused",
          "[vote_rules]") {
  for (uint64_t term : {5u, 4u}) {
    auto d = decide_vote(voter(5), ask_pre_vote(alice, term, 100, 4));
    CHECK_FALSE(d.granted);
    CHECK_FALSE(d.persist);
    CHECK(d.term == term_t{5});
    CHECK_FALSE(d.voted_for);
  }
}

TEST_CASE("pre-vote with a less up-to-date log is refused without adopting "
          "the term",
          "[vote_rules]") {
  auto d = decide_vote(voter(5, {}, 10, 5), ask_pre_vote(alice, 9, 9, 5));
  CHECK_FALSE(d.granted);
  CHECK_FALSE(d.persist);
  CHECK(d.term == term_t{5});
}

TEST_CASE("pre-vote is granted even after voting for someone else",
          "[vote_rules]") {
  // A pre-vote asks about a later term, where the current vote does not bind.
  auto d = decide_vote(voter(5, bob), ask_pre_vote(alice, 6));
  CHECK(d.granted);
  CHECK(d.voted_for == bob);
}

TEST_CASE("non-voter never grants a pre-vote", "[vote_rules]") {
  auto self = voter(5);
  self.is_voter = false;
  auto d = decide_vote(self, ask_pre_vote(alice, 6));
  CHECK_FALSE(d.granted);
  CHECK_FALSE(d.persist);
  CHECK(d.term == term_t{5});
}

// -- leader stickiness --------------------------------------------------------

TEST_CASE("vote requests are ignored while a leader is heard from",
          "[vote_rules]") {
  vote_filter heard{.sticky = true, .leader_heard = true};
  vote_filter unheard{.sticky = true};
  auto req = ask(alice, 6);
  CHECK(ignores_vote_request(heard, req));
  CHECK_FALSE(ignores_vote_request(unheard, req));
  auto pre = ask_pre_vote(alice, 6);
  CHECK(ignores_vote_request(heard, pre));
  CHECK_FALSE(ignores_vote_request(unheard, pre));
  // Without stickiness (check-quorum off) members are always heard.
  heard.sticky = false;
  CHECK_FALSE(ignores_vote_request(heard, req));
  CHECK_FALSE(ignores_vote_request(heard, pre));
}

TEST_CASE("leadership transfer requests are never ignored", "[vote_rules]") {
  auto req = ask(alice, 6);
  req.transfer = true;
  CHECK_FALSE(ignores_vote_request({.sticky = true, .leader_heard = true}, req));
  CHECK_FALSE(ignores_vote_request({.sticky = true}, req));
}

// flexsync-sim seed 19271: node 3 was removed, restarted without the entry
// that removed it, and, believing itself a voter, campaigned in ever higher
// terms. With check-quorum off nothing stopped it from deposing each new
// leader, and the cluster never settled.
TEST_CASE("a candidate that is no voter of the configuration is ignored "
          "while a leader is heard from, sticky or not",
          "[vote_rules]") {
  vote_filter removed{.sticky = false, .leader_heard = true,
                      .candidate_member = false};
  auto req = ask(alice, 9);
  CHECK(ignores_vote_request(removed, req));
  auto pre = ask_pre_vote(alice, 9);
  CHECK(ignores_vote_request(removed, pre));
  req.transfer = true; // a leader hands over only to a voter it knows
  CHECK(ignores_vote_request(removed, req));
  removed.sticky = true;
  CHECK(ignores_vote_request(removed, req));
  // Without a live leader it counts as usual: a lagging voter must still
  // help elect a member it does not know of yet.
  removed.leader_heard = false;
  CHECK_FALSE(ignores_vote_request(removed, ask(alice, 9)));
  // Bootstraps and recoveries follow the recovery rules.
  removed.leader_heard = true;
  auto boot = ask(alice, 9);
  boot.kind = vote_kind::bootstrap;
  CHECK_FALSE(ignores_vote_request(removed, boot));
}

TEST_CASE("a campaign recorded in a term the election already reached is "
          "overtaken") {
  CHECK(campaign_overtaken(term_t{3}, term_t{3}));
  CHECK(campaign_overtaken(term_t{3}, term_t{4}));
  CHECK_FALSE(campaign_overtaken(term_t{4}, term_t{3}));
}
