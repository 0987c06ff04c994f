// Multi-node clusters in one process on real CAF threads: calls on the leader
// and on followers (forwarded), convergence of every replica, consistent
// status, asynchronous calls, leadership transfer and counting quorums.

#include <thread>

#include <catch2/catch.hpp>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

std::vector<std::string> first_names(size_t n) {
  std::vector<std::string> all{"a", "b", "c", "d", "e"};
  all.resize(n);
  return all;
}

/// True once every started member's local read returns `value`.
template <class Cluster>
bool all_read(Cluster& c, int64_t value) {
  for (auto i : c.started())
    if (c.object(i).get() != value)
      return false;
  return true;
}

/// The cluster agrees: one leader, one term, one commit index, every entry
/// up to it applied, and the same log length everywhere.
bool consistent(const std::vector<node_status>& sts) {
  if (sts.empty())
    return false;
  size_t leaders = 0;
  for (auto& st : sts) {
    if (st.role == raft_role::leader)
      ++leaders;
    if (st.term != sts.front().term || st.leader != sts.front().leader
        || st.leader.empty() || st.commit_index != sts.front().commit_index
        || st.last_applied != st.commit_index
        || st.last_log_index != sts.front().last_log_index || !st.ready)
      return false;
  }
  return leaders == 1;
}

/// Checks each part of consistent() separately, for readable failures.
void check_consistent(const std::vector<node_status>& sts) {
  REQUIRE_FALSE(sts.empty());
  size_t leaders = 0;
  for (auto& st : sts) {
    INFO("node " << st.self << " role " << to_string(st.role) << " term "
                 << st.term << " leader " << st.leader << " commit "
                 << st.commit_index << " applied " << st.last_applied
                 << " last " << st.last_log_index);
    if (st.role == raft_role::leader) {
      ++leaders;
      CHECK(st.leader == st.self);
    }
    CHECK(st.term == sts.front().term);
    CHECK(st.leader == sts.front().leader);
    CHECK(st.commit_index == sts.front().commit_index);
    CHECK(st.last_applied == st.commit_index);
    CHECK(st.last_log_index == sts.front().last_log_index);
    CHECK(st.ready);
    CHECK(st.pending_calls == 0);
  }
  CHECK(leaders == 1);
}

} // namespace

TEST_CASE("calls on the leader and on a follower replicate to every node",
          "[actors][cluster]") {
  auto n = GENERATE(2, 3);
  INFO("cluster of " << n);
  local_cluster<repl_counter> c{first_names(n)};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto follower = (*leader + 1) % c.size();
  auto& on_leader = c.object(*leader);
  auto& on_follower = c.object(follower);
  CHECK(on_leader.set(10).get() == 10);
  CHECK(on_follower.add(5).get() == 15); // forwarded to the leader
  CHECK(on_leader.inc().get() == 16);
  CHECK(on_follower.sub(6).get() == 10);
  CHECK(on_follower.inc().get() == 11);
  CHECK(wait_until([&] { return all_read(c, 11); }));
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(c.object(i).get() == 11);
  std::vector<node_status> sts;
  CHECK(wait_until([&] { return consistent(sts = c.statuses()); }));
  check_consistent(sts);
  // The leader's no-op and five commands at least (more if re-elected).
  CHECK(sts.front().commit_index >= index_t{6});
  for (auto& st : sts) {
    CHECK(st.voters.size() == static_cast<size_t>(n));
    CHECK(st.quorum == "majority(" + std::to_string(n) + ")");
  }
}

TEST_CASE("then() on a follower calls back in the node's context",
          "[actors][cluster][async]") {
  local_cluster<repl_counter> c{first_names(3)};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto follower = (*leader + 2) % c.size();
  auto& counter = c.object(follower);
  struct seen {
    int64_t value = 0;
    caf::error err;
    bool in_node = false;
    std::thread::id thread;
  };
  report<seen> r;
  counter.set(40).then([p = r.sink()](int64_t v, const caf::error& err) {
    p->set_value(seen{v, err, detail::in_node_context(),
                      std::this_thread::get_id()});
  });
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->value == 40);
  CHECK_FALSE(got->err);
  CHECK(got->in_node);
  CHECK(got->thread != std::this_thread::get_id());
  // The caller's thread is not inside a node.
  CHECK_FALSE(detail::in_node_context());
  // post() on the leader is applied everywhere.
  c.object(*leader).add(2).post();
  CHECK(wait_until([&] { return all_read(c, 42); }));
  CHECK(wait_until([&] { return consistent(c.statuses()); }));
}

TEST_CASE("post() on a follower is applied on every node",
          "[actors][cluster][async]") {
  local_cluster<repl_counter> c{first_names(3)};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto follower = (*leader + 1) % c.size();
  CHECK(c.object(follower).set(40).get() == 40);
  // Nothing else is pending on the follower when it posts.
  c.object(follower).inc().post();
  CHECK(wait_until([&] { return all_read(c, 41); }));
  for (size_t i = 0; i < c.size(); ++i) {
    INFO("node " << c.name(i) << (i == *leader ? " (leader)" : ""));
    CHECK(c.object(i).get() == 41);
  }
}

TEST_CASE("campaign_now moves leadership to the chosen node",
          "[actors][cluster][transfer]") {
  local_cluster<repl_counter> c{first_names(3)};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  CHECK(c.object(*leader).set(1).get() == 1);
  // The chosen node's log must be complete to win: wait until every node
  // has the same log.
  REQUIRE(wait_until([&] { return consistent(c.statuses()); }));
  auto old_term = c.at(*leader).status().term;
  auto chosen = (*leader + 1) % c.size();
  c.at(chosen).campaign_now();
  std::optional<size_t> now_leading;
  CHECK(wait_until([&] {
    now_leading = c.agreed_leader();
    return now_leading == chosen;
  }));
  REQUIRE(now_leading.has_value());
  CHECK(c.name(*now_leading) == c.name(chosen));
  CHECK(c.at(chosen).status().term > old_term);
  REQUIRE(c.at(chosen).wait_ready(patience));
  // Calls keep working from every node, the old leader included.
  CHECK(c.object(chosen).inc().get() == 2);
  CHECK(c.object(*leader).inc().get() == 3);
  CHECK(c.object((chosen + 1) % c.size()).add(10).get() == 13);
  CHECK(wait_until([&] { return all_read(c, 13); }));
  std::vector<node_status> sts;
  CHECK(wait_until([&] { return consistent(sts = c.statuses()); }));
  check_consistent(sts);
  CHECK(sts.front().leader == node_id{c.name(chosen)});
}

TEST_CASE("a counting-quorum cluster commits with its replication quorum",
          "[actors][cluster][quorum]") {
  // n=4, election quorum 3, replication quorum 2.
  local_cluster<repl_counter> c{first_names(4), with([](node_config& cfg) {
                                  cfg.quorum = quorum_spec{3, 2};
                                })};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto st = c.at(*leader).status();
  CHECK(st.quorum.find("counting") != std::string::npos);
  CHECK(st.voters.size() == 4);
  CHECK(c.object(*leader).set(5).get() == 5);
  for (size_t k = 1; k < c.size(); ++k)
    CHECK(c.object((*leader + k) % c.size()).inc().get()
          == 5 + static_cast<int64_t>(k));
  CHECK(wait_until([&] { return all_read(c, 8); }));
  std::vector<node_status> sts;
  CHECK(wait_until([&] { return consistent(sts = c.statuses()); }));
  check_consistent(sts);
  SECTION("two nodes of four still commit") {
    // A majority would need 3 of 4; the replication quorum needs 2.
    auto survivor = (*leader + 1) % c.size();
    c.stop((*leader + 2) % c.size());
    c.stop((*leader + 3) % c.size());
    CHECK(c.object(*leader).inc().get() == 9);
    CHECK(c.object(survivor).add(10).get() == 19);
    CHECK(wait_until([&] {
      return c.object(*leader).get() == 19 && c.object(survivor).get() == 19;
    }));
    auto ls = c.at(*leader).status();
    CHECK(ls.role == raft_role::leader);
    CHECK(c.at(survivor).status().leader == node_id{c.name(*leader)});
  }
}
