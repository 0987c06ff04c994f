// Unconfigured read-only nodes (protocol/readonly_rules).

#include <catch2/catch.hpp>

#include <chrono>

#include "protocol/readonly_rules.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

const node_id self{"b"}, voter{"c"}, ro{"z"}, ro2{"y"};

bool member(const node_id& x) {
  return x == node_id{"a"} || x == self || x == voter;
}

} // namespace

TEST_CASE("a member's hello follows the dial rule", "[readonly]") {
  hello_facts f;
  f.member = true;
  f.sender_greater = true;
  CHECK(admit_hello(f) == hello_verdict::admit_member);
  f.sender_greater = false;
  CHECK(admit_hello(f) == hello_verdict::dial_rule);
  // The learner flag changes nothing for a configured learner.
  f.learner = f.admit_learners = true;
  CHECK(admit_hello(f) == hello_verdict::dial_rule);
}

TEST_CASE("an unknown learner is refused unless the node admits non-members",
          "[readonly]") {
  hello_facts f;
  f.learner = true;
  CHECK(admit_hello(f) == hello_verdict::not_member);
  f.admit_learners = true;
  CHECK(admit_hello(f) == hello_verdict::admit_non_member);
  // No dial rule for it: it always dials.
  f.sender_greater = false;
  CHECK(admit_hello(f) == hello_verdict::admit_non_member);
}

TEST_CASE("an unknown peer without the learner flag is refused even when "
          "non-members are admitted",
          "[readonly]") {
  hello_facts f;
  f.admit_learners = true;
  CHECK(admit_hello(f) == hello_verdict::not_member);
  f.hook_admits = true;
  CHECK(admit_hello(f) == hello_verdict::admit_non_member);
}

TEST_CASE("the leader starts replicating to a linked non-member",
          "[readonly]") {
  auto c = sync_readonly(self, {voter, ro, self}, member, {}, 10s, 3s, true);
  CHECK(c.add == std::vector<node_id>{ro});
  CHECK(c.drop.empty());
  // Already tracked: nothing to do.
  c = sync_readonly(self, {voter, ro}, member, {{ro, sim_time{9s}}}, 10s, 3s,
                    true);
  CHECK(c.add.empty());
  CHECK(c.drop.empty());
}

TEST_CASE("the leader drops a non-member that is unlinked or silent",
          "[readonly]") {
  std::map<node_id, sim_time> tracked{{ro, sim_time{9s}},
                                      {ro2, sim_time{6s}}};
  auto c = sync_readonly(self, {voter, ro, ro2}, member, tracked, 10s, 3s,
                         true);
  CHECK(c.drop == std::vector<node_id>{ro2}); // silent for 4 s > 3 s
  c = sync_readonly(self, {voter, ro2}, member, tracked, sim_time{7s}, 3s,
                    true);
  CHECK(c.drop == std::vector<node_id>{ro}); // unlinked
  CHECK(c.add.empty());
  // Exactly at the bound it stays.
  c = sync_readonly(self, {ro2}, member, {{ro2, sim_time{6s}}}, sim_time{9s},
                    3s, true);
  CHECK(c.drop.empty());
}

TEST_CASE("a node that does not admit non-members tracks none", "[readonly]") {
  auto c = sync_readonly(self, {voter, ro}, member, {{ro2, sim_time{9s}}},
                         10s, 3s, false);
  CHECK(c.add.empty());
  CHECK(c.drop == std::vector<node_id>{ro2});
}

TEST_CASE("a tracked non-member that became a member is left to membership",
          "[readonly]") {
  auto now_member = [](const node_id& x) { return member(x) || x == ro; };
  auto c = sync_readonly(self, {}, now_member, {{ro, sim_time{1s}}}, 10s, 3s,
                         true);
  CHECK(c.drop.empty());
  CHECK(c.add.empty());
}

TEST_CASE("an outsider's reply never deposes the leader", "[readonly]") {
  CHECK(outsider_reply_deposes(false, term_t{5}, term_t{3}, term_t{3}));
  CHECK_FALSE(outsider_reply_deposes(true, term_t{5}, term_t{3}, term_t{3}));
  CHECK_FALSE(outsider_reply_deposes(false, term_t{3}, term_t{3}, term_t{3}));
}
