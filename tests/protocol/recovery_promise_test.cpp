// The promise of a node without its state (recovery.hpp): whom it follows,
// counts for and votes for after a bootstrap or recovery vote.

#include <catch2/catch.hpp>

#include "tests/protocol/recovery_fixtures.hpp"

using namespace flexsync;
using namespace flexsync::recovery_testing;

TEST_CASE("a promised node follows and counts for its candidate only, until "
          "the cluster can do without the promise",
          "[recovery][promise]") {
  auto r = fresh("2", 3);
  r.on_promise(promise{n("1"), inc(7), term_t{1}});
  CHECK(r.state() == member_state::promised);
  CHECK(r.accepts(n("1"), term_t{1}));
  CHECK(r.accepts(n("1"), term_t{3}));
  CHECK_FALSE(r.accepts(n("3"), term_t{3}));
  CHECK(r.counts_for(n("1"), term_t{1}));
  CHECK_FALSE(r.counts_for(n("3"), term_t{1}));
  auto log = empty_log(1);
  // It votes for its candidate again (same incarnation: always; a later one
  // only if up to date), never for another.
  CHECK(r.may_grant(request("1", 2, vote_kind::normal, 7), log)
        == grant_rule::yes);
  CHECK(r.may_grant(request("1", 2, vote_kind::normal, 8), log)
        == grant_rule::if_up_to_date);
  CHECK(r.may_grant(request("3", 2, vote_kind::normal, 7), log)
        == grant_rule::no);
  // Its candidate intact but alone: the promise stays (it must count).
  CHECK_FALSE(r.on_report(report("1", 1, true)).promise_ended);
  CHECK_FALSE(r.on_report(report("3", 1, false)).promise_ended);
  // With 3 intact too, the two elect and commit on their own.
  CHECK(r.on_report(report("3", 1, true)).promise_ended);
  CHECK(r.state() == member_state::recovering);
  CHECK(r.accepts(n("3"), term_t{2}));
}

TEST_CASE("a promise moves to the later leader its intact candidate follows "
          "when the others cannot do without this node",
          "[recovery][promise]") {
  // Every commit needs all three: the promise cannot simply end.
  auto [r, rep] = promised_to_one();
  auto e = r.on_report(rep);
  CHECK_FALSE(e.promise_ended);
  REQUIRE(e.promise_moved);
  CHECK(r.accepts(n("3"), term_t{4}));
  CHECK_FALSE(r.accepts(n("1"), term_t{4}));
  CHECK(r.counts_for(n("3"), term_t{4}));
  // Its incarnation is not known: only an up-to-date log gets the vote.
  CHECK(r.may_grant(request("3", 5, vote_kind::normal, 9), empty_log(4))
        == grant_rule::if_up_to_date);
}

TEST_CASE("a promised node grants nothing below its promise's term, nor to "
          "another candidate in it (seed 501658)",
          "[recovery][promise]") {
  // The promise moved to 3 in term 4, above this node's own term (1): 3
  // restarted without its state and campaigns in a lower term (with owned
  // terms, the next it owns), and 1 asks in term 4.
  auto [r, rep] = promised_to_one();
  REQUIRE(r.on_report(rep).promise_moved);
  auto log = empty_log(1);
  for (auto kind : {vote_kind::normal, vote_kind::bootstrap,
                    vote_kind::recover}) {
    CHECK(r.may_grant(request("3", 2, kind, 9), log) == grant_rule::no);
    CHECK(r.may_grant(request("1", 4, kind, 7), log) == grant_rule::no);
  }
  CHECK(r.may_grant(request("3", 4, vote_kind::normal, 9), log)
        == grant_rule::if_up_to_date);
}

TEST_CASE("a moved promise learns its leader's incarnation from that "
          "leader's vote request in the same term (seed 25265)",
          "[recovery][promise]") {
  auto [r, rep] = promised_to_one();
  REQUIRE(r.on_report(rep).promise_moved);
  // 3's vote request of term 4, delayed, arrives after the report that
  // named it leader of term 4: granting binds this node to the same
  // candidate and term, now with its incarnation.
  REQUIRE(r.may_grant(request("3", 4, vote_kind::normal, 9), empty_log(4))
          == grant_rule::if_up_to_date);
  r.on_promise(promise{n("3"), inc(9), term_t{4}});
  REQUIRE(r.promised());
  CHECK(r.promised()->candidate_incarnation == inc(9));
  CHECK(r.may_grant(request("3", 5, vote_kind::normal, 9), empty_log(4))
        == grant_rule::yes);
}

TEST_CASE("a promise ends when its candidate holds its state but is no "
          "voter any more (seed 5703)",
          "[recovery][promise]") {
  recovery r{n("2"), inc(2), quorum_system::majority(voters(3)), true, true};
  r.on_promise(promise{n("1"), inc(7), term_t{13}});
  // 3 holds its state; 1 was removed after it formed the cluster: alone, 3
  // is no quorum of the configuration this node knows, so without the
  // candidate's word the promise would hold forever.
  CHECK_FALSE(r.on_report(report("3", 14, true)).promise_ended);
  auto rep = report("1", 14, false);
  rep.holds_state = false;
  CHECK_FALSE(r.on_report(rep).promise_ended);
  REQUIRE(r.promised());
  rep.holds_state = true;
  auto e = r.on_report(rep);
  CHECK(e.promise_ended);
  CHECK(r.state() == member_state::recovering);
  // It votes for nobody and takes appends from whichever leader it meets.
  CHECK(r.accepts(n("3"), term_t{14}));
  CHECK(r.may_grant(request("1", 15, vote_kind::normal, 7), empty_log(14))
        == grant_rule::no);
  CHECK_FALSE(r.counts_for(n("1"), term_t{15}));
}
