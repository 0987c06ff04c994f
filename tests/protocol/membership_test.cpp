#include "protocol/membership.hpp"
#include "protocol/change_readiness.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

std::vector<node_id> ids(std::initializer_list<const char*> xs) {
  std::vector<node_id> out;
  for (auto x : xs)
    out.emplace_back(x);
  return out;
}

membership voters(std::initializer_list<const char*> xs) {
  membership m;
  m.voters = ids(xs);
  return m.normalize();
}

node_set set_of(std::initializer_list<const char*> xs) {
  node_set out;
  for (auto x : xs)
    out.emplace(x);
  return out;
}

change_context committed(configuration c, index_t at = index_t{5}) {
  change_context ctx;
  ctx.config = std::move(c);
  ctx.config_index = at;
  ctx.commit_index = index_t{10};
  ctx.term_start = index_t{8};
  ctx.last_index = index_t{10};
  return ctx;
}

configuration plain(membership m) {
  configuration c;
  c.current = std::move(m);
  return c;
}

} // namespace

TEST_CASE("a joint quorum needs a quorum of both configurations",
          "[membership]") {
  auto q = quorum_system::joint(quorum_system::majority(ids({"c", "d", "e"})),
                                quorum_system::majority(ids({"a", "b", "c"})));
  CHECK(q.is_joint());
  CHECK(q.voters() == ids({"a", "b", "c", "d", "e"}));
  CHECK(q.is_voter(node_id{"a"}));
  CHECK(q.is_voter(node_id{"e"}));
  // A majority of the new voters alone is not enough, nor of the old alone.
  CHECK_FALSE(q.is_election_quorum(set_of({"c", "d", "e"})));
  CHECK_FALSE(q.is_replication_quorum(set_of({"a", "b", "c"})));
  CHECK(q.is_election_quorum(set_of({"a", "c", "d"})));
  CHECK(q.is_replication_quorum(set_of({"b", "c", "e"})));
  // Committed: the lower of the two parts' commit indexes.
  std::map<node_id, index_t> match{{node_id{"a"}, index_t{9}},
                                   {node_id{"b"}, index_t{9}},
                                   {node_id{"c"}, index_t{3}},
                                   {node_id{"d"}, index_t{4}},
                                   {node_id{"e"}, index_t{7}}};
  CHECK(q.committed_index(match) == index_t{4});
  CHECK(q.to_string() == "joint(new majority(3), old majority(3))");
}

TEST_CASE("joint quorums agree with brute force over both parts",
          "[membership]") {
  auto all = ids({"a", "b", "c", "d", "e", "f"});
  auto now = quorum_system::majority(ids({"c", "d", "e", "f"}));
  auto old = quorum_system::counting(ids({"a", "b", "c"}), 2, 2);
  auto q = quorum_system::joint(now, old);
  for (unsigned mask = 0; mask < (1u << all.size()); ++mask) {
    node_set xs;
    for (size_t i = 0; i < all.size(); ++i)
      if (mask & (1u << i))
        xs.insert(all[i]);
    CHECK(q.is_election_quorum(xs)
          == (now.is_election_quorum(xs) && old.is_election_quorum(xs)));
    CHECK(q.is_replication_quorum(xs)
          == (now.is_replication_quorum(xs) && old.is_replication_quorum(xs)));
  }
}

TEST_CASE("an empty configuration has no quorum and commits nothing",
          "[membership]") {
  configuration c;
  auto q = c.quorum();
  CHECK(q.voters().empty());
  CHECK_FALSE(q.is_election_quorum(set_of({"a"})));
  CHECK(q.committed_index({{node_id{"a"}, index_t{5}}}) == index_t{0});
}

TEST_CASE("configurations survive their entry encoding", "[membership]") {
  configuration c;
  c.current = voters({"c", "d", "e", "f"});
  c.current.learners = ids({"g"});
  c.current.quorum = quorum_spec{3, 2};
  c.old = voters({"a", "b", "c"});
  auto back = decode_configuration(encode_configuration(c));
  REQUIRE(back);
  CHECK(*back == c);
  CHECK_FALSE(decode_configuration("not json"));
  CHECK_FALSE(decode_configuration(R"({"v":1,"current":{"voters":[],"learners":[]}})"));
  CHECK_FALSE(decode_configuration(R"({"v":2,"current":{"voters":["a"],"learners":[]}})"));
  CHECK_FALSE(decode_configuration(R"({"v":1,"current":{"voters":[1],"learners":[]}})"));
  // An unsafe quorum system is never a configuration.
  CHECK_FALSE(decode_configuration(
    R"({"v":1,"current":{"voters":["a","b","c","d"],"learners":[],"quorum":[2,2]}})"));
}

TEST_CASE("requests name their target relative to the configuration",
          "[membership]") {
  auto m = voters({"a", "b", "c"});
  m.learners = ids({"d"});
  CHECK(target_of({change_op::add_voter, node_id{"d"}, {}}, m).voters
        == ids({"a", "b", "c", "d"}));
  CHECK(target_of({change_op::add_voter, node_id{"d"}, {}}, m).learners
        .empty());
  CHECK(target_of({change_op::add_learner, node_id{"a"}, {}}, m) == m);
  CHECK(target_of({change_op::remove, node_id{"d"}, {}}, m).learners.empty());
  CHECK(target_of({change_op::remove, node_id{"b"}, {}}, m).voters
        == ids({"a", "c"}));
}

TEST_CASE("a change already in effect is done at once", "[membership]") {
  auto ctx = committed(plain(voters({"a", "b", "c"})));
  auto step = next_change_step(ctx, voters({"a", "b", "c"}));
  CHECK(step.what == change_step::kind::done);
  CHECK(admit_change(ctx, std::nullopt, voters({"a", "b", "c"})).ok());
}

TEST_CASE("a new voter joins as a learner, catches up, then through joint "
          "consensus",
          "[membership]") {
  auto ctx = committed(plain(voters({"a", "b", "c"})));
  auto target = voters({"a", "b", "c", "d"});
  auto step = next_change_step(ctx, target);
  REQUIRE(step.what == change_step::kind::propose);
  CHECK_FALSE(step.next.joint());
  CHECK(step.next.current.voters == ids({"a", "b", "c"}));
  CHECK(step.next.current.learners == ids({"d"}));
  // Appended, not committed: wait.
  ctx.config = step.next;
  ctx.config_index = index_t{11};
  ctx.last_index = index_t{11};
  CHECK(next_change_step(ctx, target).what == change_step::kind::wait);
  // Committed, but the learner is far behind.
  ctx.commit_index = index_t{11};
  ctx.last_index = index_t{5000};
  ctx.promotion_lag = 100;
  ctx.match[node_id{"d"}] = index_t{10};
  step = next_change_step(ctx, target);
  CHECK(step.what == change_step::kind::wait);
  CHECK(step.why.find("learner d is catching up") != std::string::npos);
  // A learner that never acknowledged anything is not caught up, however
  // short the log.
  ctx.match.erase(node_id{"d"});
  ctx.last_index = index_t{11};
  CHECK(next_change_step(ctx, target).what == change_step::kind::wait);
  ctx.last_index = index_t{5000};
  // Caught up: C_old,new.
  ctx.match[node_id{"d"}] = index_t{4950};
  step = next_change_step(ctx, target);
  REQUIRE(step.what == change_step::kind::propose);
  REQUIRE(step.next.joint());
  CHECK(step.next.current == target);
  CHECK(step.next.old->voters == ids({"a", "b", "c"}));
  // C_old,new committed: C_new, automatically.
  ctx.config = step.next;
  ctx.config_index = index_t{5001};
  ctx.commit_index = index_t{5001};
  auto leave = leave_joint(ctx);
  REQUIRE(leave);
  CHECK_FALSE(leave->joint());
  CHECK(leave->current == target);
  step = next_change_step(ctx, target);
  CHECK(step.what == change_step::kind::propose);
  CHECK(step.next == *leave);
  ctx.config = *leave;
  ctx.config_index = index_t{5002};
  ctx.commit_index = index_t{5002};
  CHECK(next_change_step(ctx, target).what == change_step::kind::done);
}

TEST_CASE("nothing is proposed before the leader committed its own term",
          "[membership]") {
  auto ctx = committed(plain(voters({"a", "b", "c"})));
  ctx.term_start = index_t{11};
  CHECK(next_change_step(ctx, voters({"a", "b"})).what
        == change_step::kind::wait);
}

TEST_CASE("removing voters and changing learners", "[membership]") {
  auto ctx = committed(plain(voters({"a", "b", "c"})));
  auto step = next_change_step(ctx, voters({"a", "b"}));
  REQUIRE(step.what == change_step::kind::propose);
  CHECK(step.next.joint());
  auto with_d = voters({"a", "b", "c"});
  with_d.learners = ids({"d"});
  step = next_change_step(ctx, with_d);
  REQUIRE(step.what == change_step::kind::propose);
  // Learners never count: no joint phase.
  CHECK_FALSE(step.next.joint());
  CHECK(step.next.current == with_d);
}

TEST_CASE("changing the quorum system goes through a joint configuration",
          "[membership]") {
  auto ctx = committed(plain(voters({"a", "b", "c", "d"})));
  auto target = voters({"a", "b", "c", "d"});
  target.quorum = quorum_spec{3, 2};
  auto step = next_change_step(ctx, target);
  REQUIRE(step.what == change_step::kind::propose);
  CHECK(step.next.joint());
}

TEST_CASE("a second change while one is in flight is refused",
          "[membership]") {
  auto ctx = committed(plain(voters({"a", "b", "c"})));
  auto r = admit_change(ctx, voters({"a", "b", "c", "d"}),
                        voters({"a", "b"}));
  CHECK(r.reason == fail_reason::change_in_progress);
  CHECK(r.detail.find("another membership change") != std::string::npos);
  // The same request again joins the one in flight.
  CHECK(admit_change(ctx, voters({"a", "b", "c", "d"}),
                     voters({"a", "b", "c", "d"}))
          .ok());
  // An uncommitted configuration of an earlier leader is in flight too.
  configuration joint;
  joint.current = voters({"a", "b"});
  joint.old = voters({"a", "b", "c"});
  ctx.config = joint;
  CHECK(admit_change(ctx, std::nullopt, voters({"a", "b", "c", "d"})).reason
        == fail_reason::change_in_progress);
  CHECK(admit_change(ctx, std::nullopt, voters({"a", "b"})).ok());
}

TEST_CASE("invalid targets are refused with a reason", "[membership]") {
  auto ctx = committed(plain(voters({"a"})));
  auto r = admit_change(ctx, std::nullopt, membership{});
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail == "a configuration needs at least one voter");
  auto unsafe = voters({"a", "b", "c", "d", "e"});
  unsafe.quorum = quorum_spec{3, 2};
  r = admit_change(ctx, std::nullopt, unsafe);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail.find("do not intersect") != std::string::npos);
}

TEST_CASE("the bootstrap configuration of a joining node is empty",
          "[membership]") {
  node_config cfg{"d", {"a", "b", "c"}};
  cfg.join = true;
  cfg.normalize_and_validate();
  CHECK(bootstrap_configuration(cfg).current.voters.empty());
  node_config plain_cfg{"a", {"b", "c"}};
  plain_cfg.normalize_and_validate();
  CHECK(bootstrap_configuration(plain_cfg).current.voters
        == ids({"a", "b", "c"}));
}

TEST_CASE("a joint configuration waits until the voters holding their "
          "state can elect in both halves (seed 10044)",
          "[membership][change_readiness]") {
  configuration next;
  next.old = voters({"1", "2", "3", "4", "5"});
  next.current = voters({"3", "4", "5"});
  // Weighted: 3 weighs 2, 4 and 5 weigh 1; electing needs weight 4, so
  // every election quorum holds 4.
  next.current.quorum
    = quorum_spec::weighted(4, 3, {{node_id{"3"}, 2}, {node_id{"4"}, 1},
                                   {node_id{"5"}, 1}});
  // 4 recovers a lost state: it does not vote, so nobody could be elected.
  auto why = unelectable(next, set_of({"1", "2", "3", "5"}));
  REQUIRE(why);
  CHECK(why->find("{1,2,3,5}") != std::string::npos);
  // Once 4 caught up, the change may go on.
  CHECK_FALSE(unelectable(next, set_of({"1", "3", "4", "5"})));
  // Two of five elect in neither half.
  CHECK(unelectable(next, set_of({"3", "4"})));
  // A majority of the old voters without 3, 4 and 5 elects in the old
  // half only.
  CHECK(unelectable(next, set_of({"1", "2", "3"})));
}

// Node names and zones travel in config entries as JSON, which holds only
// UTF-8: a request naming a node in anything else is refused with one line
// (it used to make encode_configuration throw on the leader).
TEST_CASE("a configuration whose names or zones are not UTF-8 is refused",
          "[membership]") {
  membership m;
  m.voters = {node_id{"a"}, node_id{"b\xff"}};
  auto why = check_membership(m);
  REQUIRE(why);
  CHECK(why->find("not valid UTF-8") != std::string::npos);
  m.voters = {node_id{"a"}, node_id{"b"}};
  m.learners = {node_id{"\xc3\x28"}};
  CHECK(check_membership(m));
  m.learners = {node_id{"z\xc3\xbcrich:7001"}}; // zürich, valid
  CHECK_FALSE(check_membership(m));
  m.learners.clear();
  m.quorum = quorum_spec::zones(0, 0, {{node_id{"a"}, "us"},
                                       {node_id{"b"}, "e\xe2\x82"}});
  why = check_membership(m);
  REQUIRE(why);
  CHECK(why->find("not valid UTF-8") != std::string::npos);
  CHECK_NOTHROW(encode_configuration(configuration{
    membership{{node_id{"a"}}, {node_id{"z\xc3\xbc"}}, std::nullopt}, {}}));
}

// Found by the admin_requests fuzz target: a name with a line break was
// accepted as a voter (or quoted in a refusal), splitting every status,
// log line and refusal that names it.
TEST_CASE("a configuration whose names hold control characters is refused",
          "[membership]") {
  membership m;
  m.voters = {node_id{"a"}, node_id{"127.0.0.1\n7005"}};
  auto why = check_membership(m);
  REQUIRE(why);
  CHECK(*why == "a node name must not contain control characters");
  m.voters = {node_id{"a"}};
  m.learners = {node_id{"b\x7f"}};
  CHECK(check_membership(m));
  m.learners = {node_id{"b:7001"}};
  CHECK_FALSE(check_membership(m));
}
