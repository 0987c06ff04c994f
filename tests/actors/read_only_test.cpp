// Read-only nodes (learners) on real threads: three voters and two read-only
// nodes. Learners receive every entry, follow leader changes, may submit
// commands, and never vote, campaign or count toward a quorum.

#include <catch2/catch.hpp>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/callback_log.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

const std::vector<std::string> members{"a", "b", "c", "r1", "r2"};

bool is_learner_name(const std::string& x) {
  return x == "r1" || x == "r2";
}

/// Every member lists r1 and r2 as read-only nodes; they mark themselves
/// read-only. Learners record their role changes.
struct learner_setup {
  callback_log r1, r2;

  cluster_options options(std::vector<std::string> start = {}) {
    return with(
      [this](node_config& cfg) {
        cfg.learners = {node_id{"r1"}, node_id{"r2"}};
        if (is_learner_name(cfg.self.name))
          cfg.read_only = true;
        if (cfg.self.name == "r1")
          r1.attach(cfg);
        if (cfg.self.name == "r2")
          r2.attach(cfg);
      },
      std::move(start));
  }
};

using async_outcome = std::pair<int64_t, fail_reason>;

auto reporter(const report<async_outcome>& r) {
  return [p = r.sink()](int64_t v, const caf::error& err) {
    p->set_value({v, err ? to_fail_reason(err) : fail_reason::success});
  };
}

template <class Cluster>
bool all_read(Cluster& c, int64_t value) {
  return wait_until([&] {
    for (auto i : c.started())
      if (c.object(i).get() != value)
        return false;
    return true;
  });
}

} // namespace

TEST_CASE("read-only nodes replicate, follow leaders and submit commands",
          "[actors][read_only]") {
  learner_setup s;
  local_cluster<repl_counter> c{members, s.options()};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  CHECK_FALSE(is_learner_name(c.name(*leader)));

  // Learners see the voters and themselves as read-only.
  auto r1 = c.index_of("r1");
  auto rs = c.at(r1).status();
  CHECK(rs.read_only);
  CHECK(rs.voters.size() == 3);
  CHECK(rs.partners.size() == 3);
  CHECK(rs.readonly_nodes.size() == 1); // r2
  CHECK(rs.leader == node_id{c.name(*leader)});

  // Data written on a voter reaches every node, learners included.
  REQUIRE(c.object(*leader).add(150).get() == 150);
  REQUIRE(c.object(0).add(200).get() == 350);
  CHECK(all_read(c, 350));

  // The leader replicates to both learners with their own progress, but its
  // quorum is the three voters.
  auto ls = c.at(*leader).status();
  CHECK(ls.readonly_nodes.size() == 2);
  CHECK(ls.partners.size() == 2);
  CHECK(ls.quorum == "majority(3)");
  CHECK(wait_until([&] {
    auto st = c.at(*leader).status();
    return st.connected_readonly_nodes() == 2
           && st.readonly_nodes[0].match_index == st.last_log_index
           && st.readonly_nodes[1].match_index == st.last_log_index;
  }));

  // A learner submits commands: forwarded, applied everywhere, success.
  report<async_outcome> r;
  c.object(r1).add(50).then(reporter(r));
  auto got = r.wait();
  REQUIRE(got);
  CHECK(got->second == fail_reason::success);
  CHECK(got->first == 400);
  CHECK(c.object(c.index_of("r2")).add(50).get() == 450);
  CHECK(all_read(c, 450));

  // The leader stops: a voter takes over, the learners follow it.
  auto old_term = ls.term;
  c.stop(*leader);
  auto next = c.await_leader();
  REQUIRE(next);
  CHECK_FALSE(is_learner_name(c.name(*next)));
  CHECK(c.at(r1).status().leader == node_id{c.name(*next)});
  CHECK(c.at(r1).status().term > old_term);
  CHECK(c.object(r1).add(50).get() == 500);
  CHECK(all_read(c, 500));

  // A read-only node stops: the leader reports it disconnected and keeps
  // committing with the voters.
  c.stop(c.index_of("r2"));
  CHECK(wait_until([&] {
    auto st = c.at(*next).status();
    return st.readonly_nodes.size() == 2 && st.connected_readonly_nodes() == 1;
  }));
  CHECK(c.object(*next).add(1).get() == 501);
  CHECK(all_read(c, 501));

  // Learners never campaigned: no role change at all.
  CHECK(s.r1.changes().empty());
  CHECK(s.r2.changes().empty());
  CHECK(s.r1.ready_calls() == 1);
  CHECK(c.at(r1).role() == raft_role::follower);
}

TEST_CASE("learners alone never elect a leader or make a quorum",
          "[actors][read_only][quorum]") {
  learner_setup s;
  // One voter of three plus both learners: no election quorum.
  local_cluster<repl_counter> c{members, s.options({"a", "r1", "r2"})};
  check_no_quorum(c);
  CHECK(s.r1.changes().empty());
  CHECK(s.r2.changes().empty());
}

TEST_CASE("a leader whose only live followers are learners steps down",
          "[actors][read_only][quorum]") {
  learner_setup s;
  // A new cluster forms only with every voter (each must report that it
  // holds no data); then c leaves, and a and b remain.
  local_cluster<repl_counter> c{members, s.options()};
  REQUIRE(c.wait_all_ready());
  c.stop(c.index_of("c"));
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get() == 1);
  auto other = *leader == 0 ? size_t{1} : size_t{0};
  c.stop(other);
  // Learners keep answering, but check-quorum counts voters only.
  CHECK(wait_until([&] { return !c.at(*leader).is_leader(); }));
  auto out = run_bounded([&] { c.object(*leader).inc().get(500ms); });
  REQUIRE(out.returned);
  CHECK(out.failure.has_value());
  CHECK(c.object(c.index_of("r1")).get() == 1);
}
