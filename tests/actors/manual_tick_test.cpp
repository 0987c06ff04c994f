// Manual tick mode: a whole cluster on one manual_loop, driven by tick()
// from the test's thread with a clock the test moves. Nothing runs between
// ticks, the same seeds give the same run, and calls complete through
// callbacks inside ticks.

#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/transport/local_network.hpp"
#include "actors/node/manual_loop.hpp"
#include "actors/node/node.hpp"
#include "state_machines/repl_counter.hpp"
#include "tests/actors/callback_log.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

constexpr auto tick_period = 10ms;
/// Ticks any wait in these tests may take: 20 s of the test's clock.
constexpr int max_ticks = 2000;

/// Three voters on one loop whose time moves only when the test says so.
struct ticked_cluster {
  caf::timespan time{0};
  manual_loop loop{[this] { return time; }};
  caf::actor net = spawn_local_network(loop.system());
  std::vector<std::string> names{"a", "b", "c"};
  std::vector<std::unique_ptr<repl_counter>> counters;
  std::vector<callback_log> logs{3};
  std::vector<std::unique_ptr<node>> nodes;
  int ticks = 0;

  ticked_cluster() {
    for (size_t i = 0; i < names.size(); ++i) {
      std::vector<std::string> partners;
      for (size_t j = 0; j < names.size(); ++j)
        if (j != i)
          partners.push_back(names[j]);
      node_config cfg{names[i], partners};
      use_fast_timeouts(cfg);
      cfg.seed = 7000 + i;
      logs[i].attach(cfg);
      node_options opts;
      opts.loop = &loop;
      counters.push_back(std::make_unique<repl_counter>());
      nodes.push_back(std::make_unique<node>(
        loop.system(), cfg, net,
        std::vector<replicated_object*>{counters.back().get()}, opts));
    }
  }

  ~ticked_cluster() {
    for (auto& n : nodes)
      n->stop();
    caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
    loop.run_ready();
  }

  /// One step of the application's loop: time moves, then the nodes run.
  void step() {
    time += tick_period;
    loop.tick();
    ++ticks;
  }

  /// Ticks until `pred` holds (checked between ticks) or max_ticks pass.
  template <class Pred>
  bool tick_until(Pred pred) {
    for (int i = 0; i < max_ticks; ++i) {
      if (pred())
        return true;
      step();
    }
    return pred();
  }

  bool all_ready() {
    for (auto& n : nodes)
      if (!n->is_ready())
        return false;
    return true;
  }

  std::optional<size_t> leader() {
    std::optional<size_t> result;
    for (size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i]->status().role == raft_role::leader)
        result = i;
    return result;
  }
};

using async_outcome = std::pair<int64_t, fail_reason>;

} // namespace

TEST_CASE("a cluster driven only by ticks elects, replicates and answers",
          "[actors][manual]") {
  ticked_cluster c;
  // Before any tick nothing ran: no node is ready, no status gathered.
  CHECK_FALSE(c.all_ready());
  CHECK(c.nodes[0]->status().term == term_t{0});
  REQUIRE(c.tick_until([&] { return c.all_ready(); }));
  auto leader = c.leader();
  REQUIRE(leader);
  for (auto& n : c.nodes)
    CHECK(n->status().leader == node_id{c.names[*leader]});
  CHECK(c.logs[*leader].saw(raft_role::candidate, raft_role::leader));
  for (auto& l : c.logs)
    CHECK(l.ready_calls() == 1);

  // A call from a follower completes through its callback, inside a tick.
  auto f = (*leader + 1) % 3;
  std::optional<async_outcome> got;
  c.counters[f]->add(10).then([&](int64_t v, const caf::error& err) {
    got = async_outcome{v, err ? to_fail_reason(err) : fail_reason::success};
  });
  // Nothing runs between ticks: not applied anywhere, no callback yet.
  for (auto& x : c.counters)
    CHECK(x->get() == 0);
  CHECK_FALSE(got);
  auto before = c.nodes[f]->status();
  CHECK(c.nodes[f]->status().last_applied == before.last_applied);
  REQUIRE(c.tick_until([&] { return got.has_value(); }));
  CHECK(got->second == fail_reason::success);
  CHECK(got->first == 10);
  REQUIRE(c.tick_until([&] {
    for (auto& x : c.counters)
      if (x->get() != 10)
        return false;
    return true;
  }));

  // Blocking calls would wait for ticks that never come: refused at once.
  try {
    c.counters[0]->inc().get();
    FAIL("a blocking call on a manual node returned");
  } catch (const command_error& e) {
    CHECK(e.reason() == fail_reason::would_block);
  }
}

TEST_CASE("ticked clusters with the same seeds run the same way",
          "[actors][manual][determinism]") {
  auto run = [] {
    ticked_cluster c;
    REQUIRE(c.tick_until([&] { return c.all_ready(); }));
    auto leader = c.leader();
    REQUIRE(leader);
    auto st = c.nodes[*leader]->status();
    return std::make_tuple(*leader, st.term, st.commit_index, c.ticks);
  };
  CHECK(run() == run());
}

TEST_CASE("on-tick callbacks run once per tick until removed",
          "[actors][manual][hooks]") {
  caf::timespan time{0};
  manual_loop loop{[&] { return time; }};
  int a = 0;
  int b = 0;
  auto ha = loop.add_on_tick_callback([&] { ++a; });
  loop.add_on_tick_callback([&] { ++b; });
  loop.tick();
  loop.tick();
  loop.remove_on_tick_callback(ha);
  loop.remove_on_tick_callback(12345); // unknown: ignored
  loop.tick();
  CHECK(a == 2);
  CHECK(b == 3);
}

TEST_CASE("timers fire only when a tick moves time past them",
          "[actors][manual][time]") {
  caf::timespan time{0};
  manual_loop loop{[&] { return time; }};
  int fired = 0;
  auto timer = loop.system().spawn([&](caf::event_based_actor* self) {
    self->delayed_send(self, 100ms, caf::tick_atom::value);
    return caf::behavior{[&](caf::tick_atom) { ++fired; }};
  });
  loop.tick();
  time = 99ms;
  loop.tick();
  CHECK(fired == 0);
  CHECK(loop.now() == 99ms);
  time = 100ms;
  loop.tick();
  CHECK(fired == 1);
  caf::anon_send_exit(timer, caf::exit_reason::user_shutdown);
  loop.run_ready();
}

TEST_CASE("stop() on a ticked node is immediate and fails pending calls",
          "[actors][manual][stop]") {
  ticked_cluster c;
  // Its peers stop before a cluster formed (that needs no time, only
  // messages): no leader, so the call stays pending in the node.
  c.nodes[1]->stop();
  c.nodes[2]->stop();
  std::optional<fail_reason> why;
  c.counters[0]->add(1).then([&](int64_t, const caf::error& err) {
    why = err ? to_fail_reason(err) : fail_reason::success;
  });
  c.loop.run_ready(); // the node takes the call (no time passes)
  CHECK_FALSE(why);
  c.nodes[0]->stop();
  REQUIRE(why);
  CHECK(*why == fail_reason::stopped);
  CHECK_FALSE(c.nodes[0]->running());
}

TEST_CASE("calls the node has not taken yet fail with stopped when it stops, "
          "each once",
          "[actors][manual][stop]") {
  ticked_cluster c;
  c.nodes[1]->stop();
  c.nodes[2]->stop();
  std::vector<fail_reason> why;
  // Nothing runs between ticks: the calls wait in the node's gate.
  for (int i = 0; i < 100; ++i)
    c.counters[0]->add(1).then([&](int64_t, const caf::error& err) {
      why.push_back(err ? to_fail_reason(err) : fail_reason::success);
    });
  CHECK(why.empty());
  c.nodes[0]->stop();
  CHECK(why == std::vector<fail_reason>(100, fail_reason::stopped));
  // Stopped: a new call fails at once.
  c.counters[0]->add(1).then([&](int64_t, const caf::error& err) {
    why.push_back(err ? to_fail_reason(err) : fail_reason::success);
  });
  CHECK(why.size() == 101);
  CHECK(why.back() == fail_reason::stopped);
}

TEST_CASE("a burst of asynchronous calls reaches the node as one message and "
          "every call is answered once, in order",
          "[actors][manual]") {
  ticked_cluster c;
  REQUIRE(c.tick_until([&] {
    return c.leader().has_value() && c.nodes[*c.leader()]->is_ready();
  }));
  auto l = *c.leader();
  c.loop.run_ready();
  std::vector<int64_t> results;
  for (int i = 1; i <= 1000; ++i)
    c.counters[l]->add(1).then([&](int64_t v, const caf::error& err) {
      CHECK_FALSE(err);
      results.push_back(v);
    });
  // One job takes the whole burst (before: one job per call), and the
  // messages it sets off inside the node are per batch, not per call.
  auto jobs = c.loop.run_ready();
  CHECK(jobs < 50);
  REQUIRE(c.tick_until([&] { return results.size() == 1000; }));
  for (int64_t i = 0; i < 1000; ++i)
    CHECK(results[static_cast<size_t>(i)] == i + 1);
}
