// Read-only nodes that no configuration lists (node_config::admit_non_member,
// protocol/readonly_rules.hpp), on real threads with the in-process network:
// voters a, b, c do not know r; r is read-only with the voters as partners.
// The in-process network links every running node, so here the leader
// replicates to r as soon as it runs (the TCP transport admits it only with
// its learner hello; tests/process/read_only_test.cpp).

#include <catch2/catch.hpp>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

const std::vector<std::string> members{"a", "b", "c", "r"};

cluster_options unconfigured_r(bool admit, std::vector<std::string> start = {}) {
  return with(
    [admit](node_config& cfg) {
      if (cfg.self.name == "r") {
        cfg.read_only = true;
        return;
      }
      // The voters do not list r at all.
      std::erase(cfg.partners, node_id{"r"});
      cfg.admit_non_member = admit;
    },
    std::move(start));
}

bool lists_r(const node_status& st, bool connected) {
  for (auto& p : st.readonly_nodes)
    if (p.id == node_id{"r"})
      return !connected || p.link == link_state::connected;
  return false;
}

} // namespace

TEST_CASE("an unconfigured read-only node replicates, submits and is dropped "
          "when it stops",
          "[actors][read_only][unconfigured]") {
  local_cluster<repl_counter> c{members, unconfigured_r(true)};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  CHECK(c.name(*leader) != "r");
  auto r = c.index_of("r");

  // Written on the leader, read locally on r.
  REQUIRE(c.object(*leader).add(150).get() == 150);
  CHECK(wait_until([&] { return c.object(r).get() == 150; }));

  // The leader lists r as a read-only node, but its quorum is the voters.
  auto ls = c.at(*leader).status();
  CHECK(ls.quorum == "majority(3)");
  CHECK(ls.partners.size() == 2);
  CHECK(ls.voters.size() == 3);
  CHECK(wait_until([&] { return lists_r(c.at(*leader).status(), true); }));

  // r knows it is read-only, follows the leader, and submits commands
  // through it.
  auto rs = c.at(r).status();
  CHECK(rs.read_only);
  CHECK(rs.role == raft_role::follower);
  CHECK(rs.leader == node_id{c.name(*leader)});
  CHECK(c.object(r).add(50).get() == 200);
  CHECK(c.object(*leader).get() == 200);

  // r stops: the leader drops it and keeps committing with the voters.
  c.stop(r);
  CHECK(wait_until([&] { return !lists_r(c.at(*leader).status(), false); }));
  CHECK(c.object(*leader).add(1).get() == 201);
  CHECK(c.at(*leader).is_leader());
}

TEST_CASE("a read-only node outside the configuration never makes a quorum",
          "[actors][read_only][unconfigured][quorum]") {
  // Only a and r run: a cannot win an election, r never campaigns.
  local_cluster<repl_counter> c{members, unconfigured_r(true, {"a", "r"})};
  check_no_quorum(c);
}

TEST_CASE("voters that do not admit non-members never replicate to one",
          "[actors][read_only][unconfigured]") {
  local_cluster<repl_counter> c{members, unconfigured_r(false, {"a", "b", "c"})};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  c.start(c.index_of("r"));
  REQUIRE(c.object(*leader).add(7).get() == 7);
  auto r = c.index_of("r");
  // Nothing ever reaches r; the leader lists no read-only node.
  CHECK_FALSE(wait_until([&] { return c.object(r).get() == 7; }, 1s));
  CHECK(c.at(*leader).status().readonly_nodes.empty());
  CHECK(c.object(*leader).add(1).get() == 8);
}
