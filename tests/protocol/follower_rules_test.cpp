// The follower's and the leader's own term rules (protocol/follower_rules).

#include <catch2/catch.hpp>

#include "protocol/follower_rules.hpp"
#include "protocol/vote_rules.hpp"

using namespace flexsync;

TEST_CASE("a leader message of an older term is stale, of the same or a "
          "newer term it comes from the current leader") {
  auto stale = decide_leader_contact(term_t{5}, term_t{4});
  CHECK_FALSE(stale.from_current_leader);
  CHECK(stale.term == term_t{5});
  CHECK_FALSE(stale.term_changed);
  auto same = decide_leader_contact(term_t{5}, term_t{5});
  CHECK(same.from_current_leader);
  CHECK_FALSE(same.term_changed);
  auto newer = decide_leader_contact(term_t{5}, term_t{8});
  CHECK(newer.from_current_leader);
  CHECK(newer.term == term_t{8});
  CHECK(newer.term_changed);
}

TEST_CASE("a follower's commit index never passes its log and never falls") {
  CHECK(follower_commit(index_t{3}, index_t{9}, index_t{6}) == index_t{6});
  CHECK(follower_commit(index_t{3}, index_t{5}, index_t{6}) == index_t{5});
  CHECK(follower_commit(index_t{3}, index_t{2}, index_t{6}) == index_t{3});
}

TEST_CASE("a heartbeat's commit hint counts only when the follower holds "
          "the entry with the leader's term") {
  auto t = [](uint64_t x) { return term_t{x}; };
  auto i = [](uint64_t x) { return index_t{x}; };
  // Verified 4, hint 9 of term 3, held with term 3: commit 9.
  CHECK(heartbeat_commit(i(2), i(4), i(9), t(3), t(3), i(10)) == i(9));
  // Held with another term (an entry of a deposed leader): verified only.
  CHECK(heartbeat_commit(i(2), i(4), i(9), t(3), t(2), i(10)) == i(4));
  // Not held (the follower lacks the entry): verified only.
  CHECK(heartbeat_commit(i(2), i(4), i(9), t(3), t(0), i(8)) == i(4));
  // No hint (term 0), and never below the commit index it had.
  CHECK(heartbeat_commit(i(2), i(4), i(0), t(0), t(0), i(10)) == i(4));
  CHECK(heartbeat_commit(i(7), i(4), i(6), t(3), t(3), i(10)) == i(7));
}

TEST_CASE("a campaign takes the next term and votes for itself, leading "
          "needs that vote in the current term") {
  node_id a{"a"};
  auto c = decide_campaign(term_t{4}, a);
  CHECK(c.term == term_t{5});
  CHECK(c.vote == a);
  CHECK(may_lead(term_t{5}, term_t{5}, a, a));
  CHECK_FALSE(may_lead(term_t{5}, term_t{6}, std::nullopt, a));
  CHECK_FALSE(may_lead(term_t{5}, term_t{5}, node_id{"b"}, a));
  CHECK(own_leadership(term_t{5}, term_t{5}, term_t{5}));
  CHECK_FALSE(own_leadership(term_t{5}, term_t{5}, term_t{6}) );
  CHECK_FALSE(own_leadership(term_t{4}, term_t{5}, term_t{5}));
  CHECK_FALSE(own_leadership(term_t{0}, term_t{0}, term_t{0}));
  CHECK_THROWS_AS(own_leadership(term_t{5}, term_t{6}, term_t{5}),
                  std::logic_error);
}

TEST_CASE("vote replies with a newer term end a campaign unless they grant a "
          "pre-vote") {
  vote_reply r;
  r.term = term_t{8};
  CHECK(reply_ends_campaign(r, term_t{7}));
  r.pre_vote = true;
  CHECK(reply_ends_campaign(r, term_t{7})); // refused, with a newer term
  r.granted = true;
  CHECK_FALSE(reply_ends_campaign(r, term_t{7}));
  r.term = term_t{7};
  r.pre_vote = false;
  CHECK_FALSE(reply_ends_campaign(r, term_t{7}));
  request_vote req;
  CHECK(voter_moved_term(req, vote_reply{term_t{9}}, term_t{8}));
  req.pre_vote = true;
  CHECK_FALSE(voter_moved_term(req, vote_reply{term_t{9}}, term_t{8}));
}

TEST_CASE("a step-down request adopts a newer term, ends the node's own "
          "leadership of the term, and is stale otherwise") {
  CHECK(decide_step_down(term_t{6}, term_t{5}, true)
        == step_down_action::adopt_newer_term);
  CHECK(decide_step_down(term_t{5}, term_t{5}, true)
        == step_down_action::follow);
  CHECK(decide_step_down(term_t{5}, term_t{5}, false)
        == step_down_action::ignore);
  CHECK(decide_step_down(term_t{4}, term_t{5}, true)
        == step_down_action::ignore);
  CHECK(still_campaigning(true, term_t{5}, term_t{5}));
  CHECK_FALSE(still_campaigning(true, term_t{6}, term_t{5}));
  CHECK_FALSE(still_campaigning(false, term_t{5}, term_t{5}));
}

TEST_CASE("term facts: a newer term, leading the current term, two leaders, "
          "an unchanged follower, caught up with the leader") {
  CHECK(is_newer_term(term_t{6}, term_t{5}));
  CHECK_FALSE(is_newer_term(term_t{5}, term_t{5}));
  CHECK_FALSE(is_newer_term(term_t{4}, term_t{5}));
  CHECK(leads_current_term(term_t{5}, term_t{5}));
  CHECK_FALSE(leads_current_term(term_t{4}, term_t{5}));
  CHECK_FALSE(leads_current_term(term_t{0}, term_t{0})); // never led
  CHECK(two_leaders(term_t{5}, term_t{5}));
  CHECK_FALSE(two_leaders(term_t{6}, term_t{5}));
  CHECK_FALSE(two_leaders(term_t{0}, term_t{0})); // leads nothing
  node_id a{"a"};
  node_id b{"b"};
  CHECK(already_follows(raft_role::follower, term_t{3}, a, term_t{3}, a));
  CHECK_FALSE(already_follows(raft_role::candidate, term_t{3}, a, term_t{3}, a));
  CHECK_FALSE(already_follows(raft_role::follower, term_t{3}, a, term_t{4}, a));
  CHECK_FALSE(already_follows(raft_role::follower, term_t{3}, a, term_t{3}, b));
  CHECK(caught_up_with_leader(true, term_t{3}, term_t{3}));
  CHECK_FALSE(caught_up_with_leader(true, term_t{2}, term_t{3}));
  CHECK_FALSE(caught_up_with_leader(false, term_t{3}, term_t{3}));
  CHECK(adopts_term_floor(term_t{4}, term_t{3}, true));
  CHECK(adopts_term_floor(term_t{3}, term_t{3}, false));
  CHECK_FALSE(adopts_term_floor(term_t{3}, term_t{3}, true));
  CHECK_FALSE(adopts_term_floor(term_t{2}, term_t{3}, false));
}
