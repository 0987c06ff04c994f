#pragma once

// A whole cluster inside one actor system, for tests of the public node API on
// real CAF threads: one flexsync::node per member, joined by the in-process
// transport, each replicating its own default-constructed Objects (registered
// in the order given). Members can be left unstarted (a node that is down
// from the beginning) and stopped individually. The destructor stops every
// node and the network, so the actor system shuts down cleanly.
//
// Nothing here decides a test by sleeping: wait_until() polls a condition
// every few milliseconds up to a generous bound, and reports whether it held.
//
//   local_cluster<flexsync::repl_counter> c{{"a", "b", "c"}};
//   REQUIRE(c.wait_all_ready());
//   auto leader = c.await_leader();

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "protocol/config.hpp"
#include "protocol/fail_reason.hpp"
#include "state_machines/state_machine.hpp"

namespace Catch {

template <>
struct StringMaker<flexsync::fail_reason> {
  static std::string convert(flexsync::fail_reason x) {
    return flexsync::to_string(x);
  }
};

} // namespace Catch

namespace flexsync::testing {

using namespace std::chrono_literals;

/// Generous bound for anything a test waits for.
constexpr caf::timespan patience = 10s;

/// Polls `pred` every `step` until it holds or `bound` passes; returns the
/// last result.
template <class Pred>
bool wait_until(Pred&& pred, caf::timespan bound = patience,
                std::chrono::milliseconds step = 5ms) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return pred();
    std::this_thread::sleep_for(step);
  }
}

/// What a call did: nothing when it succeeded, else why it failed.
struct call_outcome {
  bool returned = false;
  std::optional<fail_reason> failure;
};

/// Runs the blocking call `f` on a thread of its own and waits up to `bound`
/// for it to return; records the command_error's reason if it threw one.
/// (When it does not return in time the future's destructor still waits for
/// it, but a blocking call is itself bounded by its deadline.)
template <class F>
call_outcome run_bounded(F f, caf::timespan bound = patience) {
  auto fut = std::async(std::launch::async, [f = std::move(f)]() mutable {
    std::optional<fail_reason> failure;
    try {
      f();
    } catch (const command_error& e) {
      failure = e.reason();
    }
    return failure;
  });
  call_outcome result;
  if (fut.wait_for(bound) != std::future_status::ready)
    return result;
  result.returned = true;
  result.failure = fut.get();
  return result;
}

/// A one-shot slot for what an asynchronous callback reports, shared with the
/// callback so that a late call after the test gave up is harmless.
template <class T>
class report {
public:
  report() : p_(std::make_shared<std::promise<T>>()), f_(p_->get_future()) {}

  /// Waits up to `bound`; nothing when the callback did not report in time.
  std::optional<T> wait(caf::timespan bound = patience) {
    if (f_.wait_for(bound) != std::future_status::ready)
      return std::nullopt;
    return f_.get();
  }

  /// What the callback captures and sets (at most once).
  std::shared_ptr<std::promise<T>> sink() const { return p_; }

private:
  std::shared_ptr<std::promise<T>> p_;
  std::future<T> f_;
};

/// Short timeouts so elections take a fraction of a second; loose enough that
/// a loaded 2-core machine does not trigger spurious elections (check-quorum
/// gives the leader several heartbeats of slack).
inline void use_fast_timeouts(node_config& cfg) {
  cfg.heartbeat_interval = 20ms;
  cfg.election_timeout_min = 150ms;
  cfg.election_timeout_max = 300ms;
  cfg.leader_fallback_timeout = 500ms;
}

struct cluster_options {
  /// Applied to every member's config after the fast timeouts.
  std::function<void(node_config&)> tweak;
  /// Members to start at once; all of them when empty.
  std::vector<std::string> start;
  log_level level = log_level::warning;
  /// Applied to every member's node_options (by name) at each start.
  std::function<void(const std::string&, node_options&)> tweak_options;
};

/// Options that start only `start` (all members when empty) and apply
/// `tweak` to every config.
inline cluster_options
with(std::function<void(node_config&)> tweak,
     std::vector<std::string> start = {}) {
  cluster_options result;
  result.tweak = std::move(tweak);
  result.start = std::move(start);
  return result;
}

/// Options that start only `start`.
inline cluster_options only(std::vector<std::string> start) {
  return with({}, std::move(start));
}

template <class... Objects>
class local_cluster {
public:
  using objects_type = std::tuple<Objects...>;

  explicit local_cluster(std::vector<std::string> names,
                         cluster_options opts = {})
    : sys_(cfg_), opts_(std::move(opts)), names_(std::move(names)) {
    net_ = spawn_local_network(sys_);
    for (size_t i = 0; i < names_.size(); ++i) {
      objects_.push_back(std::make_unique<objects_type>());
      nodes_.emplace_back();
    }
    if (opts_.start.empty()) {
      for (size_t i = 0; i < names_.size(); ++i)
        start(i);
    } else {
      for (auto& name : opts_.start)
        start(index_of(name));
    }
  }

  ~local_cluster() {
    for (auto& n : nodes_)
      if (n)
        n->stop();
    caf::anon_send_exit(net_, caf::exit_reason::user_shutdown);
  }

  local_cluster(const local_cluster&) = delete;
  local_cluster& operator=(const local_cluster&) = delete;

  caf::actor_system& system() { return sys_; }

  size_t size() const { return names_.size(); }

  const std::string& name(size_t i) const { return names_.at(i); }

  size_t index_of(const std::string& name) const {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name)
        return i;
    throw std::out_of_range("no member named " + name);
  }

  /// The config member `i` starts with: the others as partners, fast
  /// timeouts, a fixed seed, then the options' tweak.
  node_config config_of(size_t i) const {
    std::vector<std::string> partners;
    for (size_t j = 0; j < names_.size(); ++j)
      if (j != i)
        partners.push_back(names_[j]);
    node_config cfg{names_[i], partners};
    use_fast_timeouts(cfg);
    cfg.seed = 1000 + i;
    if (opts_.tweak)
      opts_.tweak(cfg);
    return cfg;
  }

  /// Starts member `i` (once).
  void start(size_t i) {
    if (nodes_.at(i))
      throw std::logic_error("member started twice: " + names_[i]);
    std::vector<replicated_object*> objs;
    std::apply([&](auto&... xs) { (objs.push_back(&xs), ...); },
               *objects_.at(i));
    node_options nopts;
    nopts.level = opts_.level;
    if (opts_.tweak_options)
      opts_.tweak_options(names_[i], nopts);
    nodes_[i] = std::make_unique<node>(sys_, config_of(i), net_,
                                       std::move(objs), std::move(nopts));
  }

  bool running(size_t i) const { return nodes_.at(i) != nullptr; }

  node& at(size_t i) {
    if (!nodes_.at(i))
      throw std::logic_error("member not started: " + names_[i]);
    return *nodes_[i];
  }

  /// Object number `I` of member `i`.
  template <size_t I = 0>
  auto& object(size_t i) {
    return std::get<I>(*objects_.at(i));
  }

  /// Indexes of the started members that were not stopped since.
  std::vector<size_t> started() const {
    std::vector<size_t> result;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i] && nodes_[i]->running())
        result.push_back(i);
    return result;
  }

  bool wait_all_ready(caf::timespan bound = patience) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (auto i : started()) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= caf::timespan{0} || !nodes_[i]->wait_ready(left))
        return false;
    }
    return true;
  }

  std::vector<node_status> statuses() {
    std::vector<node_status> result;
    for (auto i : started())
      result.push_back(nodes_[i]->status());
    return result;
  }

  /// The member that every started member reports as leader of the same
  /// term, with exactly one of them in the leader role; nothing when that
  /// does not hold right now.
  std::optional<size_t> agreed_leader() {
    auto sts = statuses();
    if (sts.empty() || sts.front().leader.empty())
      return std::nullopt;
    size_t leaders = 0;
    for (auto& st : sts) {
      if (st.leader != sts.front().leader || st.term != sts.front().term)
        return std::nullopt;
      if (st.role == raft_role::leader)
        ++leaders;
    }
    auto i = index_of(sts.front().leader.name);
    if (leaders != 1 || !running(i) || !nodes_[i]->running())
      return std::nullopt;
    return i;
  }

  /// Waits until agreed_leader() holds.
  std::optional<size_t> await_leader(caf::timespan bound = patience) {
    std::optional<size_t> result;
    wait_until([&] { return (result = agreed_leader()).has_value(); }, bound);
    return result;
  }

  /// Makes every started member take a snapshot now and waits until each
  /// snapshot covers what the member applied; returns whether all did.
  bool compact_all(caf::timespan bound = patience) {
    bool ok = true;
    for (auto i : started()) {
      nodes_[i]->force_compaction();
      ok = wait_until([&] {
             auto st = nodes_[i]->status();
             return st.snapshot_index == st.last_applied;
           },
                      bound)
           && ok;
    }
    return ok;
  }

  /// Stops member `i`; its objects stay readable.
  void stop(size_t i) { at(i).stop(); }

  /// Stops member `i` if it runs and starts it again as a new process would:
  /// new objects, the state its storage kept (nothing in memory mode).
  void restart(size_t i) {
    if (nodes_.at(i))
      nodes_[i]->stop();
    nodes_[i].reset();
    objects_.at(i) = std::make_unique<objects_type>();
    start(i);
  }

private:
  system_config cfg_;
  caf::actor_system sys_;
  cluster_options opts_;
  std::vector<std::string> names_;
  caf::actor net_;
  std::vector<std::unique_ptr<objects_type>> objects_;
  std::vector<std::unique_ptr<node>> nodes_;
};

/// Nothing can commit in `c` (a cluster of repl_counter whose started nodes
/// hold no election quorum): an increment on the first object times out,
/// and no started node leads, knows a leader or has a quorum.
template <class Cluster>
void check_no_quorum(Cluster& c) {
  auto out = run_bounded(
    [&] { c.object(0).inc().get(std::chrono::seconds(1)); });
  REQUIRE(out.returned);
  REQUIRE(out.failure);
  CHECK(*out.failure == fail_reason::timeout);
  for (auto i : c.started()) {
    auto st = c.at(i).status();
    CHECK(st.leader.empty());
    CHECK(st.role != raft_role::leader);
    CHECK_FALSE(st.has_quorum);
  }
}

} // namespace flexsync::testing
