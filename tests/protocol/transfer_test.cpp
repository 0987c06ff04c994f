#include "protocol/transfer.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

const node_id n1{"1"};
const node_id n2{"2"};
const node_id n3{"3"};
const node_id n4{"4"};

/// A live voter holding its state with match index `match`.
transfer_candidate voter(const node_id& id, uint64_t match, int priority = 0) {
  return {id, true, true, true, index_t{match}, priority};
}

/// A learner (2), a voter that went silent (3) and one recovering its
/// state (4), all with long logs.
std::vector<transfer_candidate> unfit_candidates() {
  auto learner = voter(n2, 100);
  learner.voter = false;
  auto silent = voter(n3, 100);
  silent.live = false;
  auto recovering = voter(n4, 100);
  recovering.counts = false;
  return {learner, silent, recovering};
}

transfer_choice choose(const std::vector<transfer_candidate>& xs,
                       std::optional<node_id> wanted = std::nullopt) {
  return choose_transfer_target(n1, xs, wanted);
}

} // namespace

TEST_CASE("the best target has the longest log", "[transfer]") {
  auto c = choose({voter(n2, 7), voter(n3, 9), voter(n4, 8)});
  REQUIRE(c.target == n3);
  CHECK(c.result.ok());
}

TEST_CASE("priority goes before the log, the name breaks ties",
          "[transfer]") {
  CHECK(choose({voter(n2, 9), voter(n3, 5, 1)}).target == n3);
  CHECK(choose({voter(n3, 9), voter(n2, 9)}).target == n2);
  CHECK(choose({voter(n4, 9), voter(n3, 9), voter(n2, 9)}).target == n2);
}

TEST_CASE("the best target is a live voter holding its state",
          "[transfer]") {
  auto c = choose(unfit_candidates());
  CHECK_FALSE(c.target);
  CHECK(c.result.reason == fail_reason::request_denied);
  CHECK(c.result.detail == "no other live voter to hand over to");
}

TEST_CASE("a named target must be a live voter holding its state",
          "[transfer]") {
  auto xs = unfit_candidates();
  auto refused = [&](const node_id& x) {
    auto c = choose(xs, x);
    CHECK_FALSE(c.target);
    CHECK(c.result.reason == fail_reason::request_denied);
    return c.result.detail;
  };
  CHECK(refused(n2) == "2 is not a voter of the configuration");
  CHECK(refused(n3) == "3 has not answered within the election timeout");
  CHECK(refused(n4) == "4 is recovering its state");
  CHECK(refused(node_id{"9"}) == "9 is not a member");
}

TEST_CASE("a named target is chosen even when it is behind", "[transfer]") {
  // The leader brings it up to date before it tells it to campaign.
  auto c = choose({voter(n2, 1), voter(n3, 50)}, n2);
  CHECK(c.target == n2);
  CHECK(c.result.ok());
}

TEST_CASE("asking the leader to hand over to itself succeeds at once",
          "[transfer]") {
  auto c = choose({voter(n2, 1)}, n1);
  CHECK_FALSE(c.target);
  CHECK(c.result.ok());
  CHECK(c.result.detail == "1 leads already");
}

TEST_CASE("a target is ready once it holds the leader's last entry",
          "[transfer]") {
  CHECK_FALSE(transfer_ready(index_t{4}, index_t{5}));
  CHECK(transfer_ready(index_t{5}, index_t{5}));
  CHECK(transfer_ready(index_t{6}, index_t{5}));
}

TEST_CASE("a timeout-now is heeded only from the leader followed, in its "
          "term", "[transfer]") {
  timeout_now m{term_t{4}, n1};
  CHECK(heeds_timeout_now(m, term_t{4}, n1));
  CHECK_FALSE(heeds_timeout_now(m, term_t{5}, n1)); // the sender was deposed
  CHECK_FALSE(heeds_timeout_now(m, term_t{4}, n2)); // not the leader followed
  CHECK_FALSE(heeds_timeout_now(m, term_t{4}, node_id{}));
}
