// Bootstrap votes of a promised node (recovery::may_grant): it does not
// move its promise to a bootstrap while the candidate it follows can still
// commit with the voters bound to it (flexsync-sim seed 400320 on 4b3b231).

#include <catch2/catch.hpp>

#include "tests/protocol/recovery_fixtures.hpp"

using namespace flexsync;
using namespace flexsync::recovery_testing;

namespace {

/// The promise of the seed: 1 (incarnation 7) won term 6 as a node without
/// its state, promised to itself.
promise to_one() {
  return promise{n("1"), inc(7), term_t{6}};
}

/// A report of `from` (incarnation `incarnation`), a disk node without its
/// state in term 6 that holds no data, bound by `p`.
recovery_report lost(const char* from, uint64_t incarnation, promise p = {}) {
  auto r = report(from, 6, false, 0, true);
  r.incarnation = inc(incarnation);
  r.promised = std::move(p);
  return r;
}

/// Five disk voters without their state, owned terms, counting(election 2,
/// replication 4). Node 2 promised 1 in term 6 and heard from 1 (promised
/// to itself) and from 5; 3 and 4 report what `bound` says: the promise to
/// 1, or none.
recovery promised_node(bool three_bound, bool four_bound) {
  recovery r{n("2"), inc(2),
             quorum_system::make(voters(5), quorum_spec{2, 4},
                                 term_mode::owned),
             true, true};
  r.on_promise(to_one());
  r.on_report(lost("1", 7, to_one()));
  r.on_report(lost("3", 3, three_bound ? to_one() : promise{}));
  r.on_report(lost("4", 4, four_bound ? to_one() : promise{}));
  r.on_report(lost("5", 5));
  return r;
}

/// Node 2's log: it follows 1 as leader of term 6, 1's no-op not yet
/// committed.
recovery::log_facts following_one() {
  return {term_t{6}, index_t{1}, term_t{6}, index_t{0}, false, n("1")};
}

request_vote bootstrap_of_five() {
  return request("5", 10, vote_kind::bootstrap, 5);
}

} // namespace

TEST_CASE("a promised node refuses a bootstrap while the leader it follows "
          "can commit with the voters bound to it (seed 400320)",
          "[recovery][promise][bootstrap]") {
  // 1, 2, 3 and 4 are bound to 1's incarnation 7: a replication quorum, so
  // 1 can commit its no-op and rejoin; granting 5 would move 2's promise to
  // a bootstrap that 1, once intact, refuses, and 1 could never count 2
  // again.
  auto r = promised_node(true, true);
  CHECK(r.may_grant(bootstrap_of_five(), following_one()) == grant_rule::no);
}

TEST_CASE("a promised node grants a bootstrap when the voters bound to the "
          "leader it follows are no replication quorum",
          "[recovery][promise][bootstrap]") {
  // Only 1, 2 and 3 are bound (4 reports no promise): 1 cannot commit, the
  // bootstrap is the way out.
  auto r = promised_node(true, false);
  CHECK(r.may_grant(bootstrap_of_five(), following_one())
        == grant_rule::if_up_to_date);
}

TEST_CASE("a promised node grants a bootstrap when the incarnation it "
          "promised is outdated or it does not follow it in the promise's "
          "term",
          "[recovery][promise][bootstrap]") {
  SECTION("1 restarted since it won term 6") {
    auto r = promised_node(true, true);
    r.on_report(lost("1", 8));
    CHECK(r.may_grant(bootstrap_of_five(), following_one())
          == grant_rule::if_up_to_date);
  }
  SECTION("it follows no leader") {
    auto r = promised_node(true, true);
    auto log = following_one();
    log.leader = node_id{};
    CHECK(r.may_grant(bootstrap_of_five(), log)
          == grant_rule::if_up_to_date);
  }
  SECTION("its term is past the promise's") {
    auto r = promised_node(true, true);
    auto log = following_one();
    log.current_term = term_t{7};
    CHECK(r.may_grant(bootstrap_of_five(), log)
          == grant_rule::if_up_to_date);
  }
}

TEST_CASE("the bound quorum counts only a report of the promised "
          "incarnation of the candidate",
          "[recovery][promise][bootstrap]") {
  // 4 is bound to an earlier incarnation of 1: it votes for the new one
  // only if up to date, and its acks are not what the promise counts on.
  auto r = promised_node(true, false);
  r.on_report(lost("4", 4, promise{n("1"), inc(6), term_t{6}}));
  CHECK(r.may_grant(bootstrap_of_five(), following_one())
        == grant_rule::if_up_to_date);
}

namespace {

/// Flexsync-sim seed 71 (owned terms): three disk voters, counting(election
/// 1, replication 3). 2 and 3 promised 1's incarnation 7 in term 6; 1
/// restarted (incarnation 8), led term 9 and reports so; 2 and 3 follow it
/// in term 9 and count for it. `self` is 2 or 3, `other` the third voter.
recovery following_new_one(const char* self, const char* other) {
  recovery r{n(self), inc(2),
             quorum_system::make(voters(3), quorum_spec{1, 3},
                                 term_mode::owned),
             true, true};
  r.on_promise(to_one());
  auto one = lost("1", 8, promise{n("1"), inc(8), term_t{9}});
  one.current_term = term_t{9};
  one.leader = n("1");
  r.on_report(one);
  auto rest = lost(other, 3, to_one());
  rest.current_term = term_t{9};
  rest.leader = n("1");
  r.on_report(rest);
  return r;
}

recovery::log_facts following_one_in(uint64_t term) {
  return {term_t{term}, index_t{3}, term_t{term}, index_t{0}, false, n("1")};
}

} // namespace

TEST_CASE("a promised node neither grants nor campaigns a bootstrap while "
          "it follows a later leader that can commit with the voters that "
          "count for it (seed 71)",
          "[recovery][promise][bootstrap]") {
  SECTION("3 refuses 2's bootstrap") {
    auto r = following_new_one("3", "2");
    CHECK(r.may_grant(request("2", 10, vote_kind::bootstrap, 3),
                      following_one_in(9))
          == grant_rule::no);
  }
  SECTION("2 does not campaign one") {
    auto r = following_new_one("2", "3");
    CHECK(r.campaign(following_one_in(9)) == std::nullopt);
  }
}

TEST_CASE("a promised node grants a bootstrap when the later leader it "
          "follows cannot commit or no longer leads",
          "[recovery][promise][bootstrap]") {
  SECTION("the third voter is bound to nobody") {
    auto r = following_new_one("3", "2");
    auto two = lost("2", 3);
    two.current_term = term_t{9};
    r.on_report(two);
    CHECK(r.may_grant(request("2", 10, vote_kind::bootstrap, 3),
                      following_one_in(9))
          == grant_rule::if_up_to_date);
  }
  SECTION("1's latest report names no leader") {
    auto r = following_new_one("3", "2");
    auto one = lost("1", 8, promise{n("1"), inc(8), term_t{9}});
    one.current_term = term_t{9};
    one.seq = 2;
    r.on_report(one);
    CHECK(r.may_grant(request("2", 10, vote_kind::bootstrap, 3),
                      following_one_in(9))
          == grant_rule::if_up_to_date);
  }
  SECTION("1 restarted again") {
    auto r = following_new_one("3", "2");
    r.on_report(lost("1", 9));
    CHECK(r.may_grant(request("2", 10, vote_kind::bootstrap, 3),
                      following_one_in(9))
          == grant_rule::if_up_to_date);
  }
}
