// compose_status: the pure composition of node::status() from the typed
// parts each actor reports.

#include <catch2/catch.hpp>

#include "actors/node/actor_status.hpp"

using namespace flexsync;

namespace {

struct fixture {
  node_config cfg{"a", {"a", "b", "c"}};
  quorum_system quorum
    = quorum_system::majority({node_id{"a"}, node_id{"b"}, node_id{"c"}});
  status_parts parts;

  fixture() {
    parts.log_store.emplace();
    parts.log_store->commit_index = index_t{7};
    parts.log_store->last_index = index_t{9};
  }

  void role(raft_role r, const std::string& leader, bool heard) {
    parts.election = election_status{r, term_t{3}, node_id{leader}, heard};
  }
};

const peer_status& peer(const node_status& st, const std::string& name) {
  for (auto& p : st.partners)
    if (p.id.name == name)
      return p;
  FAIL("no partner " << name);
  throw;
}

} // namespace

TEST_CASE("a leader's status takes its followers from the replicator") {
  fixture f;
  f.role(raft_role::leader, "a", false);
  f.parts.replicator = replicator_status{
    true,
    {follower_report{node_id{"b"}, false, true, index_t{9}, index_t{10}},
     follower_report{node_id{"c"}, false, false, index_t{2}, index_t{3}}},
    true};
  auto st = compose_status(f.parts, f.cfg, f.quorum);
  CHECK(st.has_quorum);
  CHECK(peer(st, "b").link == link_state::connected);
  CHECK(peer(st, "b").match_index == index_t{9});
  CHECK(peer(st, "c").link == link_state::disconnected);
  CHECK(peer(st, "c").next_index == index_t{3});
  REQUIRE(st.leader_commit_index);
  CHECK(*st.leader_commit_index == index_t{7});
  CHECK(st.last_log_index == index_t{9});
}

TEST_CASE("a follower counts its links through the quorum system, without "
          "nodes that lost their state") {
  fixture f;
  f.role(raft_role::follower, "b", true);
  f.parts.linked = std::vector<node_id>{node_id{"b"}};
  auto st = compose_status(f.parts, f.cfg, f.quorum);
  CHECK(peer(st, "b").link == link_state::connected);
  CHECK(peer(st, "c").link == link_state::disconnected);
  CHECK(st.has_quorum); // a and b of three
  f.parts.log_store->member = member_state::recovering;
  CHECK_FALSE(compose_status(f.parts, f.cfg, f.quorum).has_quorum);
  f.parts.log_store->member = member_state::intact;
  f.parts.log_store->recovering_peers = {node_id{"b"}};
  CHECK_FALSE(compose_status(f.parts, f.cfg, f.quorum).has_quorum);
}

TEST_CASE("without link information a follower reports whether it heard its "
          "leader, a part that did not answer keeps its defaults") {
  fixture f;
  f.role(raft_role::follower, "b", false);
  auto st = compose_status(f.parts, f.cfg, f.quorum);
  CHECK_FALSE(st.has_quorum);
  CHECK(peer(st, "b").link == link_state::disconnected);
  CHECK(peer(st, "c").link == link_state::unknown);
  CHECK_FALSE(st.leader_commit_index);
  f.parts.election.reset();
  st = compose_status(f.parts, f.cfg, f.quorum);
  CHECK(st.role == raft_role::follower);
  CHECK(st.leader.empty());
  CHECK(st.commit_index == index_t{7});
}
