// Owned terms on real CAF threads (node_config::terms = owned): a 2x2 grid
// elects with a row and commits with a column, which is safe only because
// every term names its only candidate; every leader leads a term it owns,
// also after a leadership transfer and across membership changes.

#include "protocol/term_owner.hpp"
#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using cluster = local_cluster<repl_counter>;

cluster_options owned_grid() {
  return with([](node_config& cfg) {
    cfg.quorum = parse_quorum_spec("grid(2x2)");
    cfg.terms = term_mode::owned;
  });
}

/// Whether member `i` leads a term it owns.
bool leads_own_term(cluster& c, size_t i) {
  auto st = c.at(i).status();
  return st.role == raft_role::leader
         && owns_term(node_id{c.name(i)}, st.term);
}

} // namespace

TEST_CASE("a grid of two election rows runs with owned terms",
          "[owned_terms]") {
  cluster c{{"a", "b", "c", "d"}, owned_grid()};
  auto leader = c.await_leader();
  REQUIRE(leader);
  CHECK(wait_until([&] { return leads_own_term(c, *leader); }));
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  // A transfer's campaign is in a term the target owns.
  auto target = (*leader + 1) % c.size();
  auto r = c.at(*leader).transfer_leadership(node_id{c.name(target)}, 5s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(c.await_leader() == target);
  CHECK(wait_until([&] { return leads_own_term(c, target); }));
  CHECK(c.object(*leader).add(1).get(5s) == 2);
}

TEST_CASE("voters and the quorum system change with owned terms",
          "[owned_terms]") {
  cluster c{{"a", "b", "c", "d", "e"}, with([](node_config& cfg) {
              cfg.quorum = parse_quorum_spec("grid(2x2)");
              cfg.terms = term_mode::owned;
              cfg.partners = {node_id{"a"}, node_id{"b"}, node_id{"c"},
                              node_id{"d"}};
              if (cfg.self.name == "e") // joins later, as a learner
                cfg.join = true;
            }, {"a", "b", "c", "d"})};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  // From grid(2x2) over a..d to counting(2, 4) over a..e: e joins as a
  // learner, catches up and becomes a voter through C_old,new.
  c.start(c.index_of("e"));
  membership target;
  target.voters = {node_id{"a"}, node_id{"b"}, node_id{"c"}, node_id{"d"},
                   node_id{"e"}};
  target.quorum = quorum_spec{2, 4};
  target.terms = term_mode::owned;
  auto r = c.at(*leader).change_membership(target, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  // The old leader steps aside; e, now a voter, takes over in a term it
  // owns, and the cluster commits with the new replication quorum.
  auto e = c.index_of("e");
  r = c.at(*leader).transfer_leadership(node_id{"e"}, 5s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(c.await_leader() == e);
  CHECK(wait_until([&] { return leads_own_term(c, e); }));
  CHECK(c.object(e).add(1).get(5s) == 2);
  // The target's term mode is the cluster's (a change never names
  // another): the new configuration keeps owned terms.
  CHECK_THAT(c.at(e).status().configuration, Catch::Contains("owned terms"));
}
