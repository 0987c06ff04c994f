// Whole flexsync clusters over TCP in one process: three nodes, each with its
// own TCP transport on loopback, elect a leader and commit calls; with a
// password; with hostile bytes sent at them; with a member that has the
// wrong password; and with every link dropped by force.

#include <algorithm>
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "actors/node/node.hpp"
#include "actors/transport/wire/tcp_socket.hpp"
#include "state_machines/repl_counter.hpp"
#include "tests/transport/tcp_fixture.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

/// N nodes with a repl_counter each, on N TCP transports in one actor
/// system. Node i uses passwords[i] (empty: none).
class tcp_cluster {
public:
  explicit tcp_cluster(std::vector<std::string> passwords,
                       const std::string& host = "127.0.0.1")
      : logs_(passwords.size()) {
    for (auto p : free_ports(passwords.size(), host))
      ids_.push_back(address(host, p));
    for (size_t i = 0; i < ids_.size(); ++i)
      transports_.push_back(spawn_tcp_transport(sys_, transport_config(i, passwords[i])));
    for (size_t i = 0; i < ids_.size(); ++i) {
      counters_.emplace_back();
      nodes_.emplace_back();
      start(i);
    }
  }

  /// Stops node `i` and starts it again, like a new process (memory mode:
  /// it comes back empty), with `password`.
  void restart(size_t i, const std::string& password) {
    nodes_[i]->stop();
    caf::anon_send_exit(transports_[i], caf::exit_reason::user_shutdown);
    transports_[i] = spawn_tcp_transport(sys_, transport_config(i, password));
    start(i);
  }

  ~tcp_cluster() {
    for (auto& n : nodes_)
      n->stop();
    for (auto& t : transports_)
      caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
  }

  size_t size() const { return ids_.size(); }
  const std::string& id(size_t i) const { return ids_[i]; }
  node& at(size_t i) { return *nodes_[i]; }
  repl_counter& counter(size_t i) { return *counters_[i]; }
  const caf::actor& transport(size_t i) const { return transports_[i]; }
  log_capture& logs(size_t i) { return logs_[i]; }
  caf::actor_system& system() { return sys_; }

  uint16_t port(size_t i) const { return net::parse_address(ids_[i])->port; }

  /// The leader that every member of `members` agrees on, if any.
  std::optional<size_t> agreed_leader(const std::vector<size_t>& members) {
    std::optional<node_id> leader;
    for (auto i : members) {
      auto st = nodes_[i]->status();
      if (st.leader.empty() || (leader && *leader != st.leader))
        return std::nullopt;
      leader = st.leader;
    }
    auto it = std::find(ids_.begin(), ids_.end(), leader->name);
    return static_cast<size_t>(it - ids_.begin());
  }

  bool all_read(const std::vector<size_t>& members, int64_t value) {
    return std::all_of(members.begin(), members.end(),
                       [&](size_t i) { return counters_[i]->get() == value; });
  }

private:
  tcp_transport_config transport_config(size_t i, const std::string& password) {
    auto c = fast_config(ids_[i], ids_);
    c.password = password;
    c.cluster_salt = "tcp-cluster-test";
    c.level = log_level::info;
    c.log_sink = logs_[i].sink();
    return c;
  }

  void start(size_t i) {
    REQUIRE(wait_bound(sys_, transports_[i], tcp_patience));
    counters_[i] = std::make_unique<repl_counter>();
    nodes_[i] = std::make_unique<node>(
        sys_, config_of(i), transports_[i],
        std::vector<replicated_object*>{counters_[i].get()});
  }

  node_config config_of(size_t i) const {
    std::vector<std::string> partners;
    for (size_t j = 0; j < ids_.size(); ++j)
      if (j != i)
        partners.push_back(ids_[j]);
    node_config cfg{ids_[i], partners};
    cfg.heartbeat_interval = 20ms;
    cfg.election_timeout_min = 150ms;
    cfg.election_timeout_max = 300ms;
    cfg.leader_fallback_timeout = 500ms;
    cfg.seed = 4000 + i;
    return cfg;
  }

  tcp_system_config cfg_;
  caf::actor_system sys_{cfg_};
  std::vector<std::string> ids_;
  std::vector<log_capture> logs_;
  std::vector<caf::actor> transports_;
  std::vector<std::unique_ptr<repl_counter>> counters_;
  std::vector<std::unique_ptr<node>> nodes_;
};

const std::vector<size_t> all3{0, 1, 2};

} // namespace

TEST_CASE("a 3-node cluster over TCP elects a leader and commits calls",
          "[transport][tcp][cluster]") {
  auto password = GENERATE(std::string{}, std::string{"hunter2"});
  INFO("password: '" << password << "'");
  tcp_cluster c{{password, password, password}};
  std::optional<size_t> leader;
  REQUIRE(
      wait_until([&] { return (leader = c.agreed_leader(all3)).has_value(); }));
  for (size_t i = 0; i < 3; ++i)
    REQUIRE(c.at(i).wait_ready(tcp_patience));
  auto follower = (*leader + 1) % 3;
  CHECK(c.counter(*leader).set(10).get() == 10);
  CHECK(c.counter(follower).add(5).get() == 15); // forwarded over TCP
  for (int i = 0; i < 100; ++i)
    c.counter(i % 3).inc().post();
  // Posts from three nodes arrive in any order; all of them are applied.
  CHECK(wait_until([&] { return c.all_read(all3, 115); }));
  for (size_t i = 0; i < 3; ++i)
    CHECK(transport_status(c.system(), c.transport(i)).rejected == 0);
}

TEST_CASE("hostile bytes at a node's port do not stop the cluster",
          "[transport][tcp][cluster]") {
  tcp_cluster c{{"", "", ""}};
  REQUIRE(wait_until([&] { return c.agreed_leader(all3).has_value(); }));
  REQUIRE(c.at(0).wait_ready(tcp_patience));
  std::atomic<bool> done{false};
  std::atomic<int64_t> committed{0};
  std::thread writer{[&] {
    while (!done) {
      try {
        committed = c.counter(0).inc().get(5s);
      } catch (...) {
        // a call may time out while a leader changes; keep writing
      }
    }
  }};
  for (size_t i = 0; i < 3; ++i) {
    raw_client garbage{"127.0.0.1", c.port(i)};
    garbage.send({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'});
    CHECK(garbage.closed_by_peer());
    raw_client huge{"127.0.0.1", c.port(i)};
    huge.send({0x7f, 0xff, 0xff, 0xff});
    CHECK(huge.closed_by_peer());
  }
  auto before = committed.load();
  CHECK(wait_until([&] { return committed.load() >= before + 20; }));
  done = true;
  writer.join();
  for (size_t i = 0; i < 3; ++i) {
    CHECK(transport_status(c.system(), c.transport(i)).rejected == 2);
    CHECK(transport_status(c.system(), c.transport(i)).links.size() == 2);
  }
  auto final_value = c.counter(0).add(0).get();
  CHECK(wait_until([&] { return c.all_read(all3, final_value); }));
}

TEST_CASE("a node with the wrong password never learns the leader",
          "[transport][tcp][cluster][password]") {
  // A new cluster forms only with every voter (each must report that it
  // holds no data), so node 2 first joins with the right password, then
  // restarts with the wrong one: a member whose password file was changed.
  tcp_cluster c{{"right", "right", "right"}};
  const std::vector<size_t> good{0, 1};
  REQUIRE(wait_until([&] { return c.agreed_leader(all3).has_value(); }));
  c.restart(2, "wrong");
  // Node 2 may have led before its restart: the members follow it until
  // they notice, then elect one of themselves.
  std::optional<size_t> leader;
  REQUIRE(wait_until([&] {
    leader = c.agreed_leader(good);
    return leader && *leader != 2;
  }));
  REQUIRE(c.at(0).wait_ready(tcp_patience));
  CHECK(c.counter(1).add(7).get() == 7);
  CHECK(wait_until([&] { return c.all_read(good, 7); }));
  // By now the intruder has tried, and been refused by, both members.
  CHECK(wait_until(
      [&] { return c.logs(2).count("authentication failed") >= 2; }));
  auto st = c.at(2).status();
  CHECK(st.leader.empty());
  CHECK(st.role != raft_role::leader);
  CHECK(st.commit_index == index_t{0});
  CHECK(c.counter(2).get() == 0);
  CHECK(transport_status(c.system(), c.transport(2)).links.empty());
  // The intruder's campaigns never disturbed the members' term.
  CHECK(c.agreed_leader(good) == leader);
}

TEST_CASE("links dropped by force come back and replication resumes",
          "[transport][tcp][cluster][recovery]") {
  tcp_cluster c{{"pw", "pw", "pw"}};
  REQUIRE(wait_until([&] { return c.agreed_leader(all3).has_value(); }));
  REQUIRE(c.at(0).wait_ready(tcp_patience));
  CHECK(c.counter(0).set(350).get() == 350);
  for (size_t i = 0; i < 3; ++i)
    drop_links(c.transport(i));
  REQUIRE(wait_until([&] {
    for (size_t i = 0; i < 3; ++i)
      if (c.logs(i).count("connected to") < 4)
        return false;
    return true;
  }));
  CHECK(c.counter(1).add(100).get(tcp_patience) == 450);
  CHECK(wait_until([&] { return c.all_read(all3, 450); }));
}
