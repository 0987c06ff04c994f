// Read-only nodes (learners) in the pure core: they are listed in the
// configuration but drop out of the voters, of every quorum and of voting.

#include <catch2/catch.hpp>

#include "protocol/check_quorum.hpp"
#include "protocol/commit_rule.hpp"
#include "protocol/config.hpp"
#include "protocol/vote_rules.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

std::vector<node_id> ids(std::vector<std::string> names) {
  std::vector<node_id> result;
  for (auto& x : names)
    result.emplace_back(x);
  return result;
}

node_config voter_with_learners() {
  node_config cfg{"a", {"b", "c", "r1"}};
  cfg.learners = ids({"r2", "r1"});
  cfg.normalize_and_validate();
  return cfg;
}

} // namespace

TEST_CASE("learners are removed from the voters and the partners",
          "[learners]") {
  auto cfg = voter_with_learners();
  CHECK(cfg.voters() == ids({"a", "b", "c"}));
  CHECK(cfg.partners == ids({"b", "c"}));
  CHECK(cfg.learners == ids({"r1", "r2"}));
  CHECK(cfg.other_learners() == ids({"r1", "r2"}));
  CHECK_FALSE(cfg.read_only);
  CHECK(cfg.is_learner(node_id{"r1"}));
  CHECK_FALSE(cfg.is_learner(node_id{"b"}));
  CHECK(cfg.make_quorum_system().to_string() == "majority(3)");
}

TEST_CASE("a read-only node is a learner and no voter", "[learners]") {
  node_config cfg{"r1", {"a", "b", "c"}};
  cfg.read_only = true;
  cfg.normalize_and_validate();
  CHECK(cfg.voters() == ids({"a", "b", "c"}));
  CHECK(cfg.learners == ids({"r1"}));
  CHECK(cfg.other_learners().empty());
  auto q = cfg.make_quorum_system();
  CHECK_FALSE(q.is_voter(node_id{"r1"}));
}

TEST_CASE("listing self among the learners makes the node read-only",
          "[learners]") {
  node_config cfg{"r1", {"a", "b"}};
  cfg.learners = ids({"r1"});
  cfg.normalize_and_validate();
  CHECK(cfg.read_only);
  CHECK(cfg.voters() == ids({"a", "b"}));
}

TEST_CASE("a read-only node without voting partners is refused",
          "[learners]") {
  node_config cfg{"r1", {}};
  cfg.read_only = true;
  CHECK_THROWS_AS(cfg.normalize_and_validate(), config_error);
}

TEST_CASE("a learner's match index never counts for commit", "[learners]") {
  auto q = voter_with_learners().make_quorum_system();
  // Two learners far ahead, one voter behind: only voters decide.
  std::map<node_id, index_t> match{{node_id{"a"}, index_t{9}},
                                   {node_id{"b"}, index_t{2}},
                                   {node_id{"c"}, index_t{1}},
                                   {node_id{"r1"}, index_t{9}},
                                   {node_id{"r2"}, index_t{9}}};
  CHECK(q.committed_index(match) == index_t{2});
  CHECK(advance_commit(q, match, index_t{1}, index_t{0}) == index_t{2});
}

TEST_CASE("learners never form an election or check-quorum", "[learners]") {
  auto q = voter_with_learners().make_quorum_system();
  node_set a_and_learners{node_id{"a"}, node_id{"r1"}, node_id{"r2"}};
  CHECK_FALSE(q.is_election_quorum(a_and_learners));
  CHECK_FALSE(q.is_replication_quorum(a_and_learners));
  std::map<node_id, sim_time> replies{{node_id{"r1"}, 10s}, {node_id{"r2"}, 10s}};
  CHECK_FALSE(has_active_quorum(q, node_id{"a"}, replies, 10s, 1s));
  replies.emplace(node_id{"b"}, 10s);
  CHECK(has_active_quorum(q, node_id{"a"}, replies, 10s, 1s));
}

TEST_CASE("has_quorum counts self and connected voters, never learners",
          "[learners]") {
  auto q = voter_with_learners().make_quorum_system();
  CHECK_FALSE(has_connected_quorum(q, node_id{"a"}, true, {node_id{"r1"}, node_id{"r2"}}));
  CHECK(has_connected_quorum(q, node_id{"a"}, true, {node_id{"c"}}));
  // A voter that lost its state does not count itself.
  CHECK_FALSE(has_connected_quorum(q, node_id{"a"}, false, {node_id{"c"}}));
  // A learner itself does not count: it needs two connected voters.
  CHECK_FALSE(has_connected_quorum(q, node_id{"r1"}, true, {node_id{"a"}, node_id{"r2"}}));
  CHECK(has_connected_quorum(q, node_id{"r1"}, true, {node_id{"a"}, node_id{"b"}}));
}

TEST_CASE("a read-only node ignores every vote request", "[learners]") {
  request_vote req;
  req.term = term_t{3};
  req.candidate = node_id{"a"};
  vote_filter read_only{.voter = false};
  vote_filter voter{};
  CHECK(ignores_vote_request(read_only, req));
  req.transfer = true;
  CHECK(ignores_vote_request(read_only, req));
  req.pre_vote = true;
  read_only.leader_heard = true;
  CHECK(ignores_vote_request(read_only, req));
  CHECK_FALSE(ignores_vote_request(voter, req));
}
