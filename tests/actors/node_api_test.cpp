// The node handle's API on real threads: readiness (is_ready, wait_ready,
// on_ready once), on_state_changed, has_quorum, the leader, status() with
// every field and its JSON and key/value renderings, and stop() failing
// wait_ready waiters.

#include <algorithm>
#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/callback_log.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

const std::vector<std::string> three{"a", "b", "c"};

/// One callback log per member name, installed by the cluster's tweak.
struct logs {
  std::map<std::string, callback_log> by_name;

  cluster_options options(std::vector<std::string> start = {}) {
    for (auto& n : three)
      by_name[n];
    return with([this](node_config& cfg) { by_name.at(cfg.self.name).attach(cfg); },
                std::move(start));
  }
};

/// Waits until `i`'s status satisfies `pred`; returns the last status.
template <class Pred>
node_status status_when(node& n, Pred pred) {
  node_status st;
  wait_until([&] { return pred(st = n.status()); });
  return st;
}

} // namespace

TEST_CASE("is_ready, wait_ready and on_ready: once, and never undone",
          "[actors][node_api][ready]") {
  logs l;
  local_cluster<repl_counter> c{three, l.options({"a"})};
  // A lone node of three cannot elect a leader: never ready.
  CHECK_FALSE(c.at(0).is_ready());
  CHECK_FALSE(c.at(0).wait_ready(100ms));
  CHECK(l.by_name.at("a").ready_calls() == 0);
  c.start(1);
  c.start(2);
  REQUIRE(c.wait_all_ready());
  for (auto i : c.started())
    CHECK(c.at(i).is_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  // on_ready ran exactly once on every node, before or while wait_ready
  // returned (it runs when the node turns ready).
  for (auto& n : three)
    CHECK(wait_until([&] { return l.by_name.at(n).ready_calls() == 1; }));
  // A leader change does not make anyone unready or call on_ready again.
  c.stop(*leader);
  std::vector<size_t> rest;
  for (size_t i = 0; i < 3; ++i)
    if (i != *leader)
      rest.push_back(i);
  REQUIRE(wait_until([&] {
    auto st = c.at(rest[0]).status();
    return st.role == raft_role::leader || c.at(rest[1]).is_leader();
  }));
  for (auto i : rest) {
    CHECK(c.at(i).is_ready());
    CHECK(l.by_name.at(c.name(i)).ready_calls() == 1);
  }
}

TEST_CASE("on_state_changed reports every role transition, and only those",
          "[actors][node_api][state_changed]") {
  logs l;
  local_cluster<repl_counter> c{three, l.options()};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto& ll = l.by_name.at(c.name(*leader));
  CHECK(ll.saw(raft_role::candidate, raft_role::leader));
  CHECK(c.at(*leader).is_leader());
  for (auto& [name, log] : l.by_name)
    CHECK(log.well_formed());
  // A new leader after the old one stops reports candidate -> leader too.
  c.stop(*leader);
  std::optional<size_t> next;
  REQUIRE(wait_until([&] {
    for (size_t i = 0; i < 3; ++i)
      if (i != *leader && c.at(i).is_leader())
        next = i;
    return next.has_value();
  }));
  auto& nl = l.by_name.at(c.name(*next));
  CHECK(wait_until([&] {
    auto xs = nl.changes();
    return !xs.empty() && xs.back().second == raft_role::leader;
  }));
  for (auto& [name, log] : l.by_name)
    CHECK(log.well_formed());
}

TEST_CASE("status reports every field, as JSON and as admin keys",
          "[actors][node_api][status]") {
  local_cluster<repl_counter> c{three};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto& counter = c.object(*leader);
  REQUIRE(counter.add(7).get() == 7);
  auto& ln = c.at(*leader);
  // The leader: followers connected, their match indexes at the commit.
  auto st = status_when(ln, [](const node_status& s) {
    return s.partners.size() == 2
           && std::all_of(s.partners.begin(), s.partners.end(),
                          [&](const peer_status& p) {
                            return p.link == link_state::connected
                                   && p.match_index == s.commit_index;
                          })
           && s.last_applied == s.commit_index;
  });
  CHECK(st.self == node_id{c.name(*leader)});
  CHECK(st.role == raft_role::leader);
  CHECK(st.leader == st.self);
  CHECK(st.term > term_t{0});
  CHECK(st.has_quorum);
  CHECK(ln.has_quorum());
  CHECK(ln.leader() == st.self);
  CHECK(st.ready);
  CHECK_FALSE(st.read_only);
  CHECK(st.commit_index >= index_t{2}); // the no-op and the add
  CHECK(st.last_log_index >= st.commit_index);
  CHECK(st.log_entries >= 2);
  CHECK(st.log_bytes > 0);
  CHECK(st.snapshot_index == index_t{0});
  CHECK(st.voters.size() == 3);
  CHECK(st.quorum == "majority(3)");
  CHECK(st.readonly_nodes.empty());
  CHECK(st.version == std::string{flexsync_version()});
  CHECK_FALSE(st.version.empty());
  for (auto& p : st.partners) {
    CHECK(p.next_index > p.match_index);
    CHECK(ln.is_node_connected(p.id));
  }
  CHECK_FALSE(ln.is_node_connected(node_id{"nobody"}));
  CHECK(ln.other_nodes().size() == 2);
  CHECK(ln.readonly_nodes().empty());
  CHECK(ln.commit_index() >= st.commit_index);
  CHECK(ln.last_applied() >= st.last_applied);
  CHECK(ln.raft_log_size() >= st.log_entries);

  nlohmann::json j = st;
  CHECK(j.at("role") == "leader");
  CHECK(j.at("leader") == c.name(*leader));
  CHECK(j.at("term") == st.term.value);
  CHECK(j.at("commit_index") == st.commit_index.value);
  CHECK(j.at("last_applied") == st.last_applied.value);
  CHECK(j.at("has_quorum") == true);
  CHECK(j.at("partners").size() == 2);
  CHECK(j.at("partners")[0].at("link") == "connected");
  CHECK(j.at("quorum_system") == "majority(3)");
  CHECK(j.contains("uptime"));
  CHECK(j.contains("snapshot_index"));
  CHECK(j.contains("log_bytes"));
  CHECK(j.contains("enabled_code_version"));
  // Round trip through text.
  CHECK(nlohmann::json::parse(j.dump()) == j);

  auto kv = st.to_key_values();
  CHECK(std::is_sorted(kv.begin(), kv.end()));
  std::map<std::string, std::string> keys{kv.begin(), kv.end()};
  CHECK(keys.at("state") == "2");
  CHECK(keys.at("leader") == c.name(*leader));
  CHECK(keys.at("has_quorum") == "True");
  CHECK(keys.at("partner_nodes_count") == "2");
  CHECK(keys.at("readonly_nodes_count") == "0");
  CHECK(keys.at("commit_idx") == std::to_string(st.commit_index.value));
  // On the leader, the leader's commit index is its own.
  REQUIRE(st.leader_commit_index.has_value());
  CHECK(*st.leader_commit_index == st.commit_index);
  CHECK(keys.at("leader_commit_idx") == std::to_string(st.commit_index.value));
  CHECK(j.at("leader_commit_index") == st.commit_index.value);
  CHECK(keys.at("raft_term") == std::to_string(st.term.value));
  for (auto& p : st.partners) {
    CHECK(keys.at("partner_node_status_server_" + p.id.name) == "2");
    CHECK(keys.at("match_idx_server_" + p.id.name)
          == std::to_string(p.match_index.value));
  }

  // A follower: its leader heard, the other partner linked by the transport
  // (in one process: running).
  auto f = (*leader + 1) % 3;
  auto fs = status_when(c.at(f), [](const node_status& s) {
    return s.has_quorum && s.last_applied >= index_t{2};
  });
  CHECK(fs.role == raft_role::follower);
  CHECK(fs.leader == node_id{c.name(*leader)});
  CHECK(fs.has_quorum);
  for (auto& p : fs.partners)
    CHECK(p.link
          == link_state::connected);
  // It heard the leader's commit index.
  REQUIRE(fs.leader_commit_index.has_value());
  CHECK(*fs.leader_commit_index >= index_t{2});
  nlohmann::json fj = fs;
  CHECK(fj.at("role") == "follower");

  // Accessors under PySyncObj's names.
  CHECK(ln.self_node() == ln.id());
  CHECK(ln.config().self == ln.id());
  CHECK(ln.current_term() >= st.term);
  CHECK(ln.code_version() == 0);
}

TEST_CASE("status of a node that never heard a leader",
          "[actors][node_api]") {
  local_cluster<repl_counter> c{three, only({"a"})};
  auto st = c.at(0).status();
  CHECK_FALSE(st.leader_commit_index.has_value());
  std::map<std::string, std::string> keys;
  for (auto& [k, v] : st.to_key_values())
    keys.emplace(k, v);
  CHECK(keys.at("leader_commit_idx") == "None");
  CHECK(keys.at("leader") == "None");
  nlohmann::json j = st;
  CHECK(j.at("leader_commit_index").is_null());
}

TEST_CASE("a follower's has_quorum follows the partners it is linked with",
          "[actors][node_api][has_quorum]") {
  local_cluster<repl_counter> c{three};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto f = (*leader + 1) % 3;
  auto other = (*leader + 2) % 3;
  REQUIRE(wait_until([&] { return c.at(f).has_quorum(); }));
  // One partner gone: self and the other still make a majority of three.
  c.stop(other);
  CHECK(wait_until([&] {
    auto st = c.at(f).status();
    for (auto& p : st.partners)
      if (p.id == node_id{c.name(other)})
        return p.link == link_state::disconnected;
    return false;
  }));
  // Waited for, not sampled once: on a loaded machine f may have taken over
  // the leadership meanwhile, and a new leader has a quorum only once a
  // majority answered it.
  CHECK(wait_until([&] { return c.at(f).has_quorum(); }));
  // Both gone: alone, it has no quorum, leader or not.
  c.stop(*leader);
  CHECK(wait_until([&] { return !c.at(f).has_quorum(); }));
}

TEST_CASE("has_quorum turns false once the only partner stops",
          "[actors][node_api][has_quorum]") {
  local_cluster<repl_counter> c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  REQUIRE(wait_until([&] { return c.at(0).has_quorum() && c.at(1).has_quorum(); }));
  c.stop(1);
  CHECK(wait_until([&] { return !c.at(0).has_quorum(); }));
  auto st = c.at(0).status();
  CHECK_FALSE(st.has_quorum);
  CHECK(st.partners.at(0).link != link_state::connected);
}

TEST_CASE("stop() fails a pending wait_ready instead of letting it run out",
          "[actors][node_api][stop]") {
  local_cluster<repl_counter> c{three, only({"a"})};
  auto& n = c.at(0);
  auto waiter = std::async(std::launch::async, [&] { return n.wait_ready(600s); });
  // The waiter is registered with the node (or will find it stopped).
  REQUIRE(waiter.wait_for(50ms) == std::future_status::timeout);
  n.stop();
  CHECK_FALSE(n.running());
  REQUIRE(waiter.wait_for(patience) == std::future_status::ready);
  CHECK_FALSE(waiter.get());
  n.destroy(); // idempotent
}
