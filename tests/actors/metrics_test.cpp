// node::metrics() on real nodes: a three-node in-process cluster (memory and
// disk), and one node in manual tick mode. Counters are compared with the
// commands the test ran, gauges with status(); the rendered text must pass
// the exposition checker. Waits poll a condition (wait_until), never sleep.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/node/manual_loop.hpp"
#include "actors/node/node.hpp"
#include "actors/transport/local_network.hpp"
#include "protocol/metrics.hpp"
#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

constexpr uint64_t commands = 20;

/// A fresh directory, removed afterwards.
struct scratch_dir {
  std::filesystem::path path;

  scratch_dir() {
    std::string templ = (std::filesystem::temp_directory_path()
                         / "flexsync-metrics-XXXXXX")
                          .string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path = templ;
  }

  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  std::string sub(const std::string& name) const {
    return (path / name).string();
  }
};

/// Runs `commands` increments on the leader; returns the leader's index.
size_t run_commands_on_leader(local_cluster<repl_counter>& cl) {
  auto leader = cl.await_leader();
  REQUIRE(leader);
  for (uint64_t i = 0; i < commands; ++i)
    cl.object<0>(*leader).inc().get();
  return *leader;
}

/// The leader's metrics, once they were gathered while it still led in the
/// term its status reports (a spurious election on a loaded machine moves
/// leadership elsewhere; then the counters are checked on whoever leads).
std::optional<node_metrics> leader_metrics(local_cluster<repl_counter>& cl,
                                           size_t leader) {
  std::optional<node_metrics> result;
  wait_until([&] {
    auto st = cl.at(leader).status();
    auto m = cl.at(leader).metrics();
    if (!m.election || m.election->role != raft_role::leader
        || m.election->term != st.term)
      return false;
    result = m;
    return true;
  });
  return result;
}

void check_text(const node_metrics& m, const std::string& node) {
  auto text = to_prometheus(m, node);
  INFO(text);
  CHECK_FALSE(check_prometheus_text(text));
}

} // namespace

TEST_CASE("the leader's metrics count the commands it committed") {
  local_cluster<repl_counter> cl{{"a", "b", "c"}};
  REQUIRE(cl.wait_all_ready());
  auto leader = run_commands_on_leader(cl);
  auto m = leader_metrics(cl, leader);
  REQUIRE(m);
  REQUIRE(m->state_machine);
  REQUIRE(m->replicator);
  REQUIRE(m->log_store);
  REQUIRE(m->election);
  CHECK(m->state_machine->proposals_submitted.value >= commands);
  CHECK(m->state_machine->proposals_committed.value >= commands);
  CHECK(m->replicator->proposals_appended.value >= commands);
  CHECK(m->replicator->commit_seconds.count() >= commands);
  CHECK(m->log_store->entries_appended.value >= commands);
  CHECK(m->log_store->commit_index.value >= commands);
  CHECK(m->election->term.value >= 1);
  CHECK(m->election->has_leader);
  CHECK(m->election->leader_changes.value >= 1);
  CHECK(m->replicator->leading);
  // Memory mode: nothing waits for a sync.
  CHECK(m->log_store->fsync_seconds.count() == 0);
  // The in-process network is no transport of frames.
  REQUIRE(m->transport);
  CHECK(m->transport->peers.empty());
  check_text(*m, cl.name(leader));
}

TEST_CASE("followers report the leader's term, follow it and apply everything") {
  local_cluster<repl_counter> cl{{"a", "b", "c"}};
  REQUIRE(cl.wait_all_ready());
  auto leader = run_commands_on_leader(cl);
  for (size_t i = 0; i < cl.size(); ++i) {
    if (i == leader)
      continue;
    INFO("follower " << cl.name(i));
    // Consistent once the follower applied everything the leader committed
    // in the term both are in.
    node_metrics m;
    CHECK(wait_until([&] {
      auto lead = cl.at(leader).status();
      m = cl.at(i).metrics();
      return m.election && m.state_machine && m.log_store
             && m.election->role == raft_role::follower
             && m.election->term == lead.term
             && m.state_machine->last_applied >= lead.commit_index
             && m.apply_lag() == 0;
    }));
    REQUIRE(m.log_store);
    CHECK(m.log_store->entries_appended.value >= commands);
    CHECK(m.state_machine->entries_applied.value >= commands);
    CHECK(m.state_machine->proposals_submitted.value == 0);
    CHECK(m.election->has_leader);
    check_text(m, cl.name(i));
  }
}

TEST_CASE("in disk mode the fsync histogram and the snapshot counters fill",
          "[disk]") {
  scratch_dir dir;
  auto tweak = [&](node_config& cfg) {
    cfg.persistence.data_dir = dir.sub(cfg.self.name);
    cfg.persistence.snapshot_check_interval = 20ms;
  };
  local_cluster<repl_counter> cl{{"a", "b", "c"}, with(tweak)};
  REQUIRE(cl.wait_all_ready());
  auto leader = run_commands_on_leader(cl);
  auto m = leader_metrics(cl, leader);
  REQUIRE(m);
  REQUIRE(m->log_store);
  CHECK(m->log_store->fsync_seconds.count() > 0);
  CHECK(m->log_store->append_seconds.count() > 0);
  CHECK(m->log_store->fsync_seconds.sum() > 0);
  // A snapshot taken on request shows up in the snapshotter's part.
  auto& n = cl.at(leader);
  CHECK(wait_until([&] {
    n.force_compaction();
    auto s = n.metrics().snapshotter;
    return s && s->taken.value >= 1 && s->duration_seconds.count() >= 1
           && s->last_size_bytes > 0;
  }));
  check_text(n.metrics(), cl.name(leader));
}

TEST_CASE("manual tick mode: metrics are gathered at the end of each tick") {
  caf::timespan time{0};
  manual_loop loop{[&] { return time; }};
  auto net = spawn_local_network(loop.system());
  repl_counter counter;
  node_config cfg{"solo", {}};
  use_fast_timeouts(cfg);
  node_options opts;
  opts.loop = &loop;
  node n{loop.system(), cfg, net, {&counter}, opts};
  auto step = [&] {
    time += 10ms;
    loop.tick();
  };
  for (int i = 0; i < 1000 && !n.is_ready(); ++i)
    step();
  REQUIRE(n.is_ready());
  bool done = false;
  counter.add(5).then([&](int64_t, const caf::error& err) { done = !err; });
  for (int i = 0; i < 1000 && !done; ++i)
    step();
  REQUIRE(done);
  auto m = n.metrics();
  REQUIRE(m.state_machine);
  REQUIRE(m.election);
  CHECK(m.state_machine->proposals_committed.value == 1);
  CHECK(m.election->role == raft_role::leader);
  CHECK(m.election->term == n.status().term);
  // Between ticks nothing runs, so nothing changes.
  counter.add(1).post();
  CHECK(n.metrics().state_machine->proposals_submitted.value
        == m.state_machine->proposals_submitted.value);
  step();
  CHECK(n.metrics().state_machine->proposals_submitted.value
        == m.state_machine->proposals_submitted.value + 1);
  check_text(m, "solo");
  n.stop();
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
  loop.run_ready();
}
