// Owned terms on real CAF threads (node_config::terms = owned): a 2x2 grid
// elects with a row and commits with a column, which is safe only because
// every term names its only candidate; every leader leads a term it owns,
// also after a leadership transfer; membership is static.

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

const std::vector<node_id> voters{node_id{"a"}, node_id{"b"}, node_id{"c"},
                                  node_id{"d"}};

/// Whether member `i` leads a term it owns.
bool leads_own_term(cluster& c, size_t i) {
  auto st = c.at(i).status();
  return st.role == raft_role::leader
         && owner_of(st.term, voters) == node_id{c.name(i)};
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

TEST_CASE("membership is static with owned terms", "[owned_terms]") {
  cluster c{{"a", "b", "c", "d"}, owned_grid()};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto r = c.at(*leader).add_node(node_id{"e"}, 5s);
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.detail, Catch::Contains("membership is static with owned"));
  auto other = (*leader + 1) % c.size();
  r = c.at(other).remove_node(node_id{c.name(*leader)}, 5s);
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.detail, Catch::Contains("membership is static with owned"));
  // Learners own no term: they may come and go.
  r = c.at(*leader).add_learner(node_id{"e"}, 5s);
  INFO(r.detail);
  CHECK(r.ok());
}
