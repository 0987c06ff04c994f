#include "protocol/term_owner.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

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

/// A voter in term `term`, with owned terms.
voter_state owned_voter(uint64_t term) {
  voter_state s{t(term), std::nullopt, index_t{3}, t(1)};
  s.terms = term_mode::owned;
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

TEST_CASE("a term slot is FNV-1a of the name modulo 65536, the same in "
          "every version",
          "[term_owner]") {
  // Pinned: changing the function would let two versions disagree on who
  // owns a term. (Computed independently: FNV-1a 64 of the UTF-8 name.)
  CHECK(term_slot(node_id{"1"}) == 39676);
  CHECK(term_slot(node_id{"2"}) == 40981);
  CHECK(term_slot(node_id{"5"}) == 37936);
  CHECK(term_slot(node_id{"127.0.0.1:7001"}) == 28808);
  CHECK_FALSE(owns_term(node_id{"1"}, t(0)));
  CHECK(owns_term(node_id{"1"}, t(39677)));
  CHECK(owns_term(node_id{"1"}, t(39677 + term_slots)));
  CHECK_FALSE(owns_term(node_id{"1"}, t(39678)));
  CHECK_FALSE(owns_term(node_id{"2"}, t(39677)));
  // Every term has exactly one owner among names with distinct slots.
  auto vs = five();
  REQUIRE_FALSE(slot_collision(vs));
  for (uint64_t x = 1; x < 3 * term_slots; x += 997) {
    size_t owners = 0;
    for (auto& v : vs)
      owners += owns_term(v, t(x)) ? 1 : 0;
    CHECK(owners <= 1);
  }
}

TEST_CASE("next_owned_term is the smallest owned term above", "[term_owner]") {
  auto vs = five();
  auto first = [](const char* x) { return term_slot(node_id{x}) + 1; };
  CHECK(next_owned_term(node_id{"1"}, t(0)) == t(first("1")));
  CHECK(next_owned_term(node_id{"1"}, t(first("1")))
        == t(first("1") + term_slots));
  CHECK(next_owned_term(node_id{"3"}, t(first("3") - 1)) == t(first("3")));
  // Any node owns its slot's terms, voter or not: whether it may campaign
  // is the campaign rules' business (a node removed by an uncommitted
  // configuration still campaigns, as with shared terms).
  CHECK(next_owned_term(node_id{"9"}, t(3)) == t(first("9")));
  // The result is owned, above, and the smallest such (the owned terms of
  // a node are term_slots apart, so checking the gap is enough).
  for (auto& self : vs)
    for (uint64_t above : {0ull, 1ull, 40000ull, 65535ull, 65536ull, 65537ull,
                           1000000ull, 123456789ull}) {
      auto next = next_owned_term(self, t(above));
      CHECK(next > t(above));
      CHECK(owns_term(self, next));
      CHECK(next.value - above <= term_slots);
    }
}

TEST_CASE("two voters with one slot are refused with owned terms",
          "[term_owner][config]") {
  // Find two names that share a slot.
  std::map<uint64_t, node_id> seen;
  std::optional<std::pair<node_id, node_id>> pair;
  for (int i = 0; !pair; ++i) {
    node_id x{"n" + std::to_string(i)};
    auto [it, fresh] = seen.emplace(term_slot(x), x);
    if (!fresh)
      pair = std::make_pair(it->second, x);
  }
  std::vector<node_id> voters{pair->first, pair->second, node_id{"z"}};
  std::sort(voters.begin(), voters.end());
  CHECK(slot_collision(voters));
  CHECK_THROWS_WITH(quorum_system::make(voters, quorum_spec::majority(),
                                        term_mode::owned),
                    Catch::Contains("share the term slot")
                      && Catch::Contains(pair->first.name)
                      && Catch::Contains(pair->second.name));
  // Shared terms do not care.
  CHECK_NOTHROW(quorum_system::make(voters, quorum_spec::majority()));
}

TEST_CASE("shared terms campaign in current + 1, owned ones in an owned term",
          "[term_owner]") {
  CHECK(campaign_term(term_mode::shared, node_id{"2"}, t(4)) == t(5));
  CHECK(campaign_term(term_mode::unchecked, node_id{"2"}, t(4)) == t(5));
  auto two = term_slot(node_id{"2"}) + 1; // 2's first term
  CHECK(campaign_term(term_mode::owned, node_id{"2"}, t(4)) == t(two));
  CHECK(decide_campaign(t(4), node_id{"2"}).term == t(5));
  CHECK(decide_campaign(t(4), node_id{"2"}, term_mode::owned).term
        == t(two));
  CHECK(may_campaign_in(term_mode::shared, t(4), node_id{"2"}));
  CHECK_FALSE(may_campaign_in(term_mode::owned, t(4), node_id{"2"}));
  CHECK(may_campaign_in(term_mode::owned, t(two), node_id{"2"}));
}

TEST_CASE("followers heed only the owner of an owned term as its leader",
          "[term_owner]") {
  auto two = t(term_slot(node_id{"2"}) + 1); // 2's first term
  CHECK(may_lead_term(term_mode::owned, two, node_id{"2"}));
  CHECK_FALSE(may_lead_term(term_mode::owned, two, node_id{"3"}));
  CHECK_FALSE(may_lead_term(term_mode::owned, two + 1, node_id{"2"}));
  // Shared terms: anyone may lead any term (votes decide).
  CHECK(may_lead_term(term_mode::shared, two, node_id{"3"}));
  CHECK(may_lead_term(term_mode::unchecked, two, node_id{"3"}));
}

TEST_CASE("voters refuse a vote in a term its candidate does not own",
          "[term_owner][vote_rules]") {
  auto v = owned_voter(4);
  auto own = term_slot(node_id{"2"}) + 1; // 2's first term
  // 2 owns `own` but not the terms beside it.
  for (auto term : {own - 1, own + 1}) {
    auto d = decide_vote(v, ask("2", term));
    CHECK_FALSE(d.granted);
    CHECK(d.unowned_term);
    CHECK_FALSE(d.persist); // not even the term is adopted
    CHECK(d.term == t(4));
    CHECK_FALSE(decide_vote(v, ask("2", term, true)).granted);
  }
  auto d = decide_vote(v, ask("2", own));
  CHECK(d.granted);
  CHECK_FALSE(d.unowned_term);
  CHECK(d.term == t(own));
  CHECK(decide_vote(v, ask("2", own, true)).granted);
  // So are recovery campaigns of a voter without its state.
  auto lost = owned_voter(4);
  lost.intact = false;
  lost.special = grant_rule::yes;
  CHECK_FALSE(
    decide_vote(lost, ask("2", own - 1, false, vote_kind::recover)).granted);
  CHECK(decide_vote(lost, ask("2", own, false, vote_kind::recover)).granted);
  // With shared terms nothing changes.
  v.terms = term_mode::shared;
  CHECK(decide_vote(v, ask("2", own - 1)).granted);
}

TEST_CASE("bootstrap and recovery campaigns use a term the node owns",
          "[term_owner][recovery]") {
  auto q = quorum_system::make(five(), quorum_spec{2, 4}, term_mode::owned);
  recovery r{node_id{"3"}, incarnation_t{2}, q, true, false};
  recovery::log_facts log{t(0), index_t{0}, t(0), index_t{0}, false};
  auto own = term_slot(node_id{"3"}) + 1; // 3's first term
  CHECK(r.special_term(log) == t(own));
  recovery_report rep;
  rep.from = node_id{"1"};
  rep.incarnation = incarnation_t{1};
  rep.seq = 1;
  rep.current_term = t(own + 5);
  r.on_report(rep);
  // Above every term it knows, owned by 3: its next round.
  CHECK(r.special_term(log) == t(own + term_slots));
  log.current_term = t(own + term_slots);
  CHECK(r.special_term(log) == t(own + 2 * term_slots));
  auto shared = quorum_system::make(five(), quorum_spec{3, 3});
  recovery s{node_id{"3"}, incarnation_t{2}, shared, true, false};
  s.on_report(rep);
  CHECK(s.special_term(log) == t(own + term_slots + 1));
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

TEST_CASE("voters and quorum systems change with owned terms, the term mode "
          "does not",
          "[term_owner][membership]") {
  auto cfg = five_nodes(term_mode::owned);
  cfg.normalize_and_validate();
  change_context ctx;
  ctx.config = bootstrap_configuration(cfg);
  ctx.commit_index = index_t{10};
  ctx.term_start = index_t{8};
  ctx.last_index = index_t{10};
  auto base = ctx.config.current;
  auto admitted = [&](const change_request& req) {
    auto r = admit_change(ctx, std::nullopt, target_of(req, base));
    INFO(r.detail);
    return r.ok();
  };
  // The owner of a term follows from its name, whatever the configuration:
  // voters come and go through joint consensus.
  change_request remove;
  remove.op = change_op::remove;
  remove.node = node_id{"5"};
  CHECK(admitted(remove));
  change_request grow;
  grow.target = base;
  grow.target.voters.push_back(node_id{"6"});
  grow.target.quorum = quorum_spec{2, 5};
  CHECK(admitted(grow));
  change_request set;
  set.target = base;
  set.target.quorum = quorum_spec{3, 3};
  CHECK(admitted(set));
  change_request learner;
  learner.op = change_op::add_learner;
  learner.node = node_id{"6"};
  CHECK(admitted(learner));
  // Still refused: a system unsafe even with owned terms (Q1 + Q2 <= n).
  change_request unsafe;
  unsafe.target = base;
  unsafe.target.voters.push_back(node_id{"6"});
  CHECK_FALSE(admitted(unsafe)); // counting(2, 4) over 6
  // The term mode never changes at run time.
  auto other = base;
  other.terms = term_mode::shared;
  other.quorum.reset();
  auto r = admit_change(ctx, std::nullopt, other);
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.detail, Catch::Contains("term mode cannot change"));
}
