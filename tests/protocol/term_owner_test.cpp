#include "protocol/term_owner.hpp"

#include <catch2/catch.hpp>

#include "protocol/config.hpp"
#include "protocol/follower_rules.hpp"
#include "protocol/membership.hpp"
#include "protocol/recovery.hpp"
#include "protocol/vote_rules.hpp"

using namespace flexsync;

namespace {

std::vector<node_id> five() {
  return {node_id{"1"}, node_id{"2"}, node_id{"3"}, node_id{"4"},
          node_id{"5"}};
}

term_t t(uint64_t x) {
  return term_t{x};
}

/// A voter of the five in term `term`, with owned terms.
voter_state owned_voter(uint64_t term) {
  voter_state s{t(term), std::nullopt, index_t{3}, t(1)};
  s.terms = term_mode::owned;
  s.voters = five();
  return s;
}

request_vote ask(const char* candidate, uint64_t term, bool pre_vote = false,
                 vote_kind kind = vote_kind::normal) {
  request_vote r;
  r.term = t(term);
  r.candidate = node_id{candidate};
  r.last_log_index = index_t{3};
  r.last_log_term = t(1);
  r.pre_vote = pre_vote;
  r.kind = kind;
  return r;
}

node_config five_nodes(term_mode terms) {
  node_config cfg{"1", {"2", "3", "4", "5"}};
  cfg.quorum = quorum_spec{2, 4};
  cfg.terms = terms;
  return cfg;
}

} // namespace

TEST_CASE("term t is owned by voter slot (t-1) mod n", "[term_owner]") {
  auto vs = five();
  CHECK_FALSE(owner_of(t(0), vs));
  CHECK_FALSE(owner_of(t(1), {}));
  CHECK(owner_of(t(1), vs) == node_id{"1"});
  CHECK(owner_of(t(3), vs) == node_id{"3"});
  CHECK(owner_of(t(5), vs) == node_id{"5"});
  CHECK(owner_of(t(6), vs) == node_id{"1"});
  CHECK(owner_of(t(12), vs) == node_id{"2"});
}

TEST_CASE("next_owned_term is the smallest owned term above", "[term_owner]") {
  auto vs = five();
  CHECK(next_owned_term(node_id{"1"}, t(0), vs) == t(1));
  CHECK(next_owned_term(node_id{"1"}, t(1), vs) == t(6));
  CHECK(next_owned_term(node_id{"3"}, t(0), vs) == t(3));
  CHECK(next_owned_term(node_id{"3"}, t(2), vs) == t(3));
  CHECK(next_owned_term(node_id{"3"}, t(3), vs) == t(8));
  CHECK(next_owned_term(node_id{"5"}, t(14), vs) == t(15));
  CHECK(next_owned_term(node_id{"5"}, t(15), vs) == t(20));
  CHECK_FALSE(next_owned_term(node_id{"9"}, t(3), vs));
  // Brute force: the result is owned, above, and the smallest such.
  for (auto& self : vs)
    for (uint64_t above = 0; above < 30; ++above) {
      auto next = next_owned_term(self, t(above), vs);
      REQUIRE(next);
      CHECK(*next > t(above));
      CHECK(owner_of(*next, vs) == self);
      for (auto x = above + 1; x < next->value; ++x)
        CHECK(owner_of(t(x), vs) != self);
    }
}

TEST_CASE("shared terms campaign in current + 1, owned ones in an owned term",
          "[term_owner]") {
  auto vs = five();
  CHECK(campaign_term(term_mode::shared, node_id{"2"}, t(4), vs) == t(5));
  CHECK(campaign_term(term_mode::unchecked, node_id{"2"}, t(4), vs) == t(5));
  CHECK(campaign_term(term_mode::owned, node_id{"2"}, t(4), vs) == t(7));
  CHECK(decide_campaign(t(4), node_id{"2"}).term == t(5));
  CHECK(decide_campaign(t(4), node_id{"2"}, term_mode::owned, vs).term
        == t(7));
  CHECK(may_campaign_in(term_mode::shared, t(4), node_id{"2"}, vs));
  CHECK_FALSE(may_campaign_in(term_mode::owned, t(4), node_id{"2"}, vs));
  CHECK(may_campaign_in(term_mode::owned, t(7), node_id{"2"}, vs));
}

TEST_CASE("followers heed only the owner of an owned term as its leader",
          "[term_owner]") {
  auto vs = five();
  // Term 7 is slot 1's: node 2.
  CHECK(may_lead_term(term_mode::owned, t(7), node_id{"2"}, vs));
  CHECK_FALSE(may_lead_term(term_mode::owned, t(7), node_id{"3"}, vs));
  // A node outside the voters owns no term.
  CHECK_FALSE(may_lead_term(term_mode::owned, t(7), node_id{"9"}, vs));
  // Shared terms: anyone may lead any term (votes decide).
  CHECK(may_lead_term(term_mode::shared, t(7), node_id{"3"}, vs));
  CHECK(may_lead_term(term_mode::unchecked, t(7), node_id{"3"}, vs));
}

TEST_CASE("voters refuse a vote in a term its candidate does not own",
          "[term_owner][vote_rules]") {
  auto v = owned_voter(4);
  // 2 owns 7 but not 6 (owned by 1), nor 8.
  for (auto term : {6, 8}) {
    auto d = decide_vote(v, ask("2", term));
    CHECK_FALSE(d.granted);
    CHECK(d.unowned_term);
    CHECK_FALSE(d.persist); // not even the term is adopted
    CHECK(d.term == t(4));
    CHECK_FALSE(decide_vote(v, ask("2", term, true)).granted);
  }
  auto d = decide_vote(v, ask("2", 7));
  CHECK(d.granted);
  CHECK_FALSE(d.unowned_term);
  CHECK(d.term == t(7));
  CHECK(decide_vote(v, ask("2", 7, true)).granted);
  // So are recovery campaigns of a voter without its state.
  auto lost = owned_voter(4);
  lost.intact = false;
  lost.special = grant_rule::yes;
  CHECK_FALSE(decide_vote(lost, ask("2", 6, false, vote_kind::recover)).granted);
  CHECK(decide_vote(lost, ask("2", 7, false, vote_kind::recover)).granted);
  // With shared terms nothing changes.
  v.terms = term_mode::shared;
  CHECK(decide_vote(v, ask("2", 6)).granted);
}

TEST_CASE("bootstrap and recovery campaigns use a term the node owns",
          "[term_owner][recovery]") {
  auto q = quorum_system::make(five(), quorum_spec{2, 4}, term_mode::owned);
  recovery r{node_id{"3"}, incarnation_t{2}, q, true, false};
  recovery::log_facts log{t(0), index_t{0}, t(0), index_t{0}, false};
  CHECK(r.special_term(log) == t(3));
  recovery_report rep;
  rep.from = node_id{"1"};
  rep.incarnation = incarnation_t{1};
  rep.seq = 1;
  rep.current_term = t(9);
  r.on_report(rep);
  // Above every term it knows (9), owned by 3: 13.
  CHECK(r.special_term(log) == t(13));
  log.current_term = t(13);
  CHECK(r.special_term(log) == t(18));
  auto shared = quorum_system::make(five(), quorum_spec{3, 3});
  recovery s{node_id{"3"}, incarnation_t{2}, shared, true, false};
  s.on_report(rep);
  CHECK(s.special_term(log) == t(14));
}

TEST_CASE("node_config accepts owned terms with a system safe for them",
          "[term_owner][config]") {
  auto shared = five_nodes(term_mode::shared);
  CHECK_THROWS_WITH(shared.normalize_and_validate(),
                    Catch::Contains("unsafe"));
  auto owned = five_nodes(term_mode::owned);
  CHECK_NOTHROW(owned.normalize_and_validate());
  CHECK(owned.make_quorum_system().terms() == term_mode::owned);
  // Unsafe even with owned terms: Q1 + Q2 <= n.
  owned.quorum = quorum_spec{2, 3};
  CHECK_THROWS_AS(owned.normalize_and_validate(), config_error);
  CHECK_THROWS_WITH(parse_term_mode("borrowed"),
                    Catch::Contains("expected shared or owned"));
}

TEST_CASE("the term mode travels with the configuration",
          "[term_owner][membership]") {
  auto cfg = five_nodes(term_mode::owned);
  cfg.normalize_and_validate();
  auto c = bootstrap_configuration(cfg);
  CHECK(c.current.terms == term_mode::owned);
  CHECK(c.quorum().terms() == term_mode::owned);
  auto back = decode_configuration(encode_configuration(c));
  REQUIRE(back);
  CHECK(*back == c);
  CHECK(back->current.terms == term_mode::owned);
  auto text = encode_configuration(c);
  text.replace(text.find("\"owned\""), 7, "\"other\"");
  CHECK_FALSE(decode_configuration(text));
}

TEST_CASE("membership is static with owned terms", "[term_owner][membership]") {
  auto cfg = five_nodes(term_mode::owned);
  cfg.normalize_and_validate();
  change_context ctx;
  ctx.config = bootstrap_configuration(cfg);
  ctx.commit_index = index_t{10};
  ctx.term_start = index_t{8};
  ctx.last_index = index_t{10};
  auto base = ctx.config.current;
  auto refused = [&](const change_request& req) {
    auto r = admit_change(ctx, std::nullopt, target_of(req, base));
    INFO(r.detail);
    return !r.ok() && r.detail.find("owned terms") != std::string::npos;
  };
  change_request add;
  add.op = change_op::add_voter;
  add.node = node_id{"6"};
  CHECK(refused(add));
  change_request remove;
  remove.op = change_op::remove;
  remove.node = node_id{"5"};
  CHECK(refused(remove));
  change_request set;
  set.target = base;
  set.target.quorum = quorum_spec{3, 3};
  CHECK(refused(set));
  // Learners may come and go: they own no term.
  change_request learner;
  learner.op = change_op::add_learner;
  learner.node = node_id{"6"};
  CHECK(admit_change(ctx, std::nullopt, target_of(learner, base)).ok());
  // The term mode never changes at run time.
  auto other = base;
  other.terms = term_mode::shared;
  other.quorum.reset();
  auto r = admit_change(ctx, std::nullopt, other);
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.detail, Catch::Contains("term mode cannot change"));
}
