// The rules of a node that starts without its Raft state (recovery.hpp), the
// crash-vector tally (election_tally.hpp) and the vote rules of such nodes.

#include <catch2/catch.hpp>

#include "protocol/election_tally.hpp"
#include "protocol/recovery.hpp"
#include "protocol/vote_rules.hpp"
#include "field_filler.hpp"
#include "tests/protocol/recovery_fixtures.hpp"

using namespace flexsync;
using namespace flexsync::recovery_testing;

TEST_CASE("an incarnation map keeps the newest incarnation of each node",
          "[recovery]") {
  incarnation_map m;
  CHECK(m.merge(n("b"), inc(5)));
  CHECK(m.merge(n("a"), inc(3)));
  CHECK_FALSE(m.merge(n("b"), inc(4)));
  CHECK(m.of(n("b")) == inc(5));
  CHECK(m.of(n("zz")) == inc(0));
  CHECK(m.is_stale(n("b"), inc(4)));
  CHECK_FALSE(m.is_stale(n("b"), inc(5)));
  incarnation_map other;
  other.merge(n("a"), inc(9));
  m.merge(other);
  CHECK(m.of(n("a")) == inc(9));
  CHECK(m.entries().front().node == n("a")); // sorted
}

TEST_CASE("inspect visits every field of the recovery messages",
          "[recovery]") {
  test::field_filler f;
  recovery_probe p;
  inspect(f, p);
  CHECK(f.visited == 3);
  test::field_filler g;
  recovery_report r;
  inspect(g, r);
  CHECK(r.intact);
  CHECK(r.durable);
  CHECK(r.holds_data);
  CHECK(r.holds_state);
  CHECK_FALSE(r.promised.empty());
  CHECK(r.known.entries().size() == 1);
  CHECK_FALSE(r.leader.empty());
  CHECK(g.visited == 18);
}

TEST_CASE("a vote is ignored once the tally learns its voter restarted",
          "[recovery][tally]") {
  // The scenario crash vectors exist for: voter 3's old incarnation granted
  // candidate 1 in term 5, then restarted and (having forgotten) may vote
  // for candidate 2 in the same term. Voter 4 answered 3's probe before it
  // voted for 1, so its vote tells 1 that 3 restarted.
  auto q = quorum_system::majority(voters(5));
  election_tally t{q, term_t{5}, false};
  t.record_self(n("1"), inc(1));
  vote_reply from3{term_t{5}, n("3"), true, false, inc(1), {}};
  CHECK(t.record(from3));
  CHECK(t.outcome() == election_outcome::pending);
  vote_reply from4{term_t{5}, n("4"), true, false, inc(1), {}};
  from4.known.merge(n("3"), inc(2));
  CHECK(t.record(from4));
  // {1, 3, 4} would be a majority, but 3's vote is from a previous life.
  CHECK(t.granted() == node_set{n("1"), n("4")});
  CHECK(t.outcome() == election_outcome::pending);
  // The same voter incarnation counts once; a newer one replaces it.
  CHECK_FALSE(t.record(from3));
  vote_reply from3_new{term_t{5}, n("3"), true, false, inc(2), {}};
  CHECK(t.record(from3_new));
  CHECK(t.outcome() == election_outcome::won);
}

TEST_CASE("a bootstrap tally needs every voter", "[recovery][tally]") {
  auto q = quorum_system::majority(voters(3));
  election_tally t{q, term_t{1}, false, true};
  t.record_self(n("1"));
  t.record(vote_reply{term_t{1}, n("2"), true, false, {}, {}});
  CHECK(t.outcome() == election_outcome::pending);
  t.record(vote_reply{term_t{1}, n("3"), false, false, {}, {}});
  CHECK(t.outcome() == election_outcome::lost);
}

TEST_CASE("the term floor needs intact voters outside every election "
          "quorum's reach",
          "[recovery][floor]") {
  SECTION("three voters: both others") {
    auto r = fresh("1", 3);
    CHECK_FALSE(r.on_report(report("2", 7, true)).floor);
    // A report of a voter without its state does not count.
    CHECK_FALSE(r.on_report(report("3", 9, false)).floor);
    auto e = r.on_report(report("3", 4, true));
    REQUIRE(e.floor);
    CHECK(*e.floor == term_t{7}); // the highest of the intact ones
  }
  SECTION("five voters: three of the four others") {
    auto r = fresh("1", 5);
    CHECK_FALSE(r.on_report(report("2", 3, true)).floor);
    CHECK_FALSE(r.on_report(report("3", 5, true)).floor);
    auto e = r.on_report(report("5", 4, true));
    REQUIRE(e.floor);
    CHECK(*e.floor == term_t{5});
  }
}

TEST_CASE("the floor rule covers every election quorum (brute force)",
          "[recovery][floor]") {
  // For every intact set R the rule accepts (its complement is no election
  // quorum), every election quorum must contain a member of R: one of them
  // saw every elected term. Majority and counting systems, up to 7 voters.
  for (size_t count = 2; count <= 7; ++count) {
    std::vector<quorum_system> systems{quorum_system::majority(voters(count))};
    for (size_t q1 = count / 2 + 1; q1 <= count; ++q1)
      systems.push_back(
        quorum_system::counting(voters(count), q1, count - q1 + 1));
    for (auto& q : systems) {
      auto vs = q.voters();
      for (uint32_t r = 0; r < (1u << count); ++r) {
        node_set holders, rest;
        for (size_t i = 0; i < count; ++i)
          ((r >> i) & 1 ? holders : rest).insert(vs[i]);
        if (q.is_election_quorum(rest))
          continue;
        for (uint32_t e = 0; e < (1u << count); ++e) {
          node_set quorum;
          for (size_t i = 0; i < count; ++i)
            if ((e >> i) & 1)
              quorum.insert(vs[i]);
          if (!q.is_election_quorum(quorum))
            continue;
          bool meets = false;
          for (auto& x : quorum)
            meets = meets || holders.count(x) > 0;
          INFO(q.to_string() << " holders " << r << " quorum " << e);
          REQUIRE(meets);
        }
      }
    }
  }
}

TEST_CASE("a node without its state rejoins only after a commit of the term "
          "it follows, at or above its floor",
          "[recovery][rejoin]") {
  auto r = fresh("1", 3);
  CHECK(r.state() == member_state::recovering);
  CHECK_FALSE(r.counts_for(n("2"), term_t{7}));
  recovery::log_facts log{term_t{7}, index_t{9}, term_t{7}, index_t{9}, true};
  // No floor yet: a commit proves nothing about its old votes.
  CHECK_FALSE(r.on_commit(log, term_t{7}));
  r.on_report(report("2", 7, true));
  r.on_report(report("3", 7, true));
  REQUIRE(r.term_floor() == term_t{7});
  // A committed entry of an older term: its leader has not committed in its
  // own term yet.
  CHECK_FALSE(r.on_commit(log, term_t{6}));
  // At the floor term, only past the commit index the leader had once it
  // heard this incarnation (none yet).
  CHECK_FALSE(r.on_commit(log, term_t{7}));
  // A heartbeat naming another incarnation (the old one) proves nothing.
  r.on_leader_commit(term_t{7}, inc(1), index_t{9});
  CHECK_FALSE(r.on_commit(log, term_t{7}));
  r.on_leader_commit(term_t{7}, inc(2), index_t{9});
  CHECK(r.on_commit(log, term_t{7}));
  CHECK(r.intact());
  CHECK(r.counts_for(n("2"), term_t{7}));
  CHECK_FALSE(r.probing());
  CHECK(r.explain().empty());
}

TEST_CASE("a node that lost its state rejoins in the floor term only past "
          "every entry its old incarnation helped commit (seed 6921)",
          "[recovery][rejoin]") {
  // Counting(3, 2) over four voters: node 2's old incarnation acked entry 9
  // of leader 1 in term 2, which 1 committed with {1, 2}. Node 2 restarts
  // empty; the others report term 2, so its floor is 2.
  recovery r{n("2"), inc(2), quorum_system::counting(voters(4), 3, 2), true,
             false};
  r.on_report(report("1", 2, true));
  r.on_report(report("3", 2, true));
  REQUIRE(r.term_floor() == term_t{2});
  // Leader 1 sends it entry 1 (its no-op of term 2) and the commit index it
  // verified there: the commit reaches an entry of term 2, but entry 9 is
  // not in this log. Counting it now could elect a leader without entry 9.
  recovery::log_facts log{term_t{2}, index_t{1}, term_t{2}, index_t{1}, false};
  r.on_leader_commit(term_t{2}, inc(2), index_t{9});
  CHECK_FALSE(r.on_commit(log, term_t{2}));
  CHECK(r.state() == member_state::recovering);
  // A later heartbeat with a higher commit index does not raise the mark.
  r.on_leader_commit(term_t{2}, inc(2), index_t{12});
  log.last_index = index_t{9};
  log.commit_index = index_t{9};
  CHECK(r.on_commit(log, term_t{2}));
  SECTION("a leader of a later term needs no mark") {
    recovery q{n("2"), inc(2), quorum_system::counting(voters(4), 3, 2), true,
               false};
    q.on_report(report("1", 2, true));
    q.on_report(report("3", 2, true));
    recovery::log_facts later{term_t{3}, index_t{10}, term_t{3},
                              index_t{10}, false};
    CHECK(q.on_commit(later, term_t{3}));
  }
}

TEST_CASE("an intact node never grants a bootstrap, one without its state "
          "grants no ordinary vote and keeps its term",
          "[recovery][votes]") {
  voter_state intact{term_t{3}, std::nullopt, index_t{0}, term_t{0}};
  auto boot = request("1", 4, vote_kind::bootstrap);
  auto d = decide_vote(intact, boot);
  CHECK_FALSE(d.granted);
  CHECK(d.term == term_t{3});
  voter_state lost = intact;
  lost.intact = false;
  auto normal = request("1", 4, vote_kind::normal);
  d = decide_vote(lost, normal);
  CHECK_FALSE(d.granted);
  CHECK_FALSE(d.persist);
  CHECK(d.term == term_t{3});
  auto pre = normal;
  pre.pre_vote = true;
  CHECK_FALSE(decide_vote(lost, pre).granted);
  // What the recovery rules allow is granted once per term, as a promise.
  lost.special = grant_rule::yes;
  d = decide_vote(lost, request("1", 4, vote_kind::recover));
  CHECK(d.granted);
  CHECK(d.promise);
  CHECK(d.voted_for == n("1"));
  lost.current_term = term_t{4};
  lost.voted_for = n("2");
  CHECK_FALSE(decide_vote(lost, request("1", 4, vote_kind::recover)).granted);
  // "if up to date" checks the log.
  voter_state behind{term_t{3}, std::nullopt, index_t{5}, term_t{3}};
  behind.intact = false;
  behind.special = grant_rule::if_up_to_date;
  CHECK_FALSE(decide_vote(behind, boot).granted); // the candidate's log is empty
  boot.last_log_index = index_t{5};
  boot.last_log_term = term_t{3};
  CHECK(decide_vote(behind, boot).granted);
}

TEST_CASE("a bootstrap needs every voter's report that it may take part",
          "[recovery][bootstrap]") {
  auto r = fresh("1", 3);
  auto log = empty_log();
  CHECK_FALSE(r.campaign(log));
  r.on_report(report("2", 0, false));
  CHECK_FALSE(r.campaign(log)); // 3 not heard
  r.on_report(report("3", 0, false));
  REQUIRE(r.campaign(log) == vote_kind::bootstrap);
  CHECK(r.special_term(log) == term_t{1});
  SECTION("not the smallest of equals") {
    auto r2 = fresh("2", 3);
    r2.on_report(report("1", 0, false));
    r2.on_report(report("3", 0, false));
    CHECK_FALSE(r2.campaign(log));
    CHECK(r2.may_grant(request("1", 1, vote_kind::bootstrap), log)
          == grant_rule::if_up_to_date);
  }
  SECTION("an intact voter") {
    r.on_report(report("3", 5, true));
    CHECK_FALSE(r.campaign(log));
  }
  SECTION("a memory voter that holds data") {
    r.on_report(report("3", 2, false, 4, false, true));
    CHECK_FALSE(r.campaign(log));
    auto r3 = fresh("3", 3);
    recovery::log_facts data{term_t{2}, index_t{4}, term_t{2}, index_t{0},
                             true};
    CHECK(r3.may_grant(request("1", 3, vote_kind::bootstrap), data)
          == grant_rule::no);
  }
  SECTION("disk voters with data: the most up-to-date leads") {
    r.on_report(report("3", 2, false, 4, true, true));
    CHECK_FALSE(r.campaign(log)); // 3's log is ahead
    recovery r3{n("3"), inc(2), quorum_system::majority(voters(3)), true,
                true};
    r3.on_report(report("1", 0, false));
    r3.on_report(report("2", 0, false));
    recovery::log_facts data{term_t{2}, index_t{4}, term_t{2}, index_t{0},
                             true};
    CHECK(r3.campaign(data) == vote_kind::bootstrap);
  }
}

// flexsync-sim seed 20321: every node started without its state; 2 ran a
// bootstrap that 1 and the others granted, but the replies were lost. 2
// then deferred to 1 (equal logs, the smaller voter forms the cluster)
// while 1 waited for the candidate it had promised, 2: nobody campaigned
// again.
TEST_CASE("a bootstrap candidate does not defer to a voter promised to it",
          "[recovery][bootstrap]") {
  auto r2 = fresh("2", 3);
  auto log = empty_log(5);
  auto promised_to = [](const char* from, uint64_t incarnation) {
    auto rep = report(from, 5, false);
    rep.promised = promise{n("2"), inc(incarnation), term_t{5}};
    return rep;
  };
  r2.on_report(promised_to("1", 2));
  r2.on_report(promised_to("3", 2));
  REQUIRE(r2.campaign(log) == vote_kind::bootstrap);
  CHECK(r2.special_term(log) == term_t{6});
  // A promise to an earlier incarnation of 2 does not hold 1 back: 1 may
  // form the cluster itself, so 2 still defers to it.
  r2.on_report(promised_to("1", 1));
  CHECK_FALSE(r2.campaign(log));
}

TEST_CASE("a campaign winner without its state follows itself, leading "
          "without such a campaign is a bug",
          "[recovery][promise]") {
  auto r = fresh("1", 3);
  r.on_report(report("2", 0, false));
  r.on_report(report("3", 0, false));
  r.on_campaign(vote_kind::bootstrap, term_t{1});
  auto p = r.on_lead(term_t{1});
  REQUIRE(p);
  CHECK(p->candidate == n("1"));
  CHECK(r.counts_for(n("1"), term_t{1}));
  // It lost the leadership before it committed: while nothing holds data it
  // may bootstrap again; once it holds client commands (memory mode), it
  // campaigns normally, for the voters promised to it.
  recovery::log_facts noop{term_t{1}, index_t{1}, term_t{1}, index_t{0},
                           false};
  CHECK(r.campaign(noop) == vote_kind::bootstrap);
  recovery::log_facts data{term_t{1}, index_t{3}, term_t{1}, index_t{0}, true};
  CHECK(r.campaign(data) == vote_kind::normal);
  auto other = fresh("2", 3);
  CHECK_THROWS_AS(other.on_lead(term_t{4}), std::logic_error);
}

TEST_CASE("a node that sees a newer incarnation of itself cannot rejoin",
          "[recovery]") {
  auto r = fresh("1", 3, 5);
  auto rep = report("2", 3, true);
  rep.known.merge(n("1"), inc(9)); // its clock went back across a restart
  CHECK(r.on_report(rep).stale_self);
  CHECK(r.on_report(report("3", 3, true)).floor == std::nullopt);
  CHECK(r.stale());
  CHECK(r.explain().find("cannot rejoin") == 0);
  CHECK_FALSE(r.campaign(empty_log()));
}
