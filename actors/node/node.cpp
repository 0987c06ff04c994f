#include "actors/node/node.hpp"

#include <optional>
#include <set>
#include <thread>

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/node/persistence.hpp"
#include "actors/node/spawn.hpp"
#include "snapshot/disk/memory_disk.hpp"

namespace flexsync {

node::node(caf::actor_system& sys, node_config cfg, caf::actor transport,
           std::vector<replicated_object*> objects, node_options opts)
  : sys_(sys), loop_(opts.loop), started_(std::chrono::steady_clock::now()) {
  if (loop_ && &loop_->system() != &sys)
    throw config_error("invalid node_options: a manual node must be spawned "
                       "on its loop's actor system");
  cfg.normalize_and_validate();
  wiring_ = std::make_shared<node_wiring>();
  auto& w = *wiring_;
  w.log = logger{cfg.self.name, opts.level, std::move(opts.log_sink)};
  w.config = std::move(cfg);
  w.transport = std::move(transport);
  flags_ = std::make_shared<node_flags>();
  w.flags = flags_;
  auto log = [lg = w.log](const std::string& line) { lg.warning(line); };
  auto clock = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
  };
  if (opts.store) {
    w.store = std::move(opts.store);
    w.snapshots = std::make_shared<snapshot_store>(
      std::make_shared<memory_disk>(), log);
    w.fresh = holds_no_state(*w.store);
  } else {
    auto p = open_persistence(w.config, nullptr, log, clock,
                              [lg = w.log](const std::string& line) {
                                lg.info(line);
                              });
    w.store = std::move(p.store);
    w.adopt_durable_state(p);
  }
  w.load_configs();
  // Every start is a new incarnation; the wall clock makes it larger than
  // the previous one's (a clock set back across a restart is detected and
  // reported: protocol/recovery.hpp).
  w.incarnation = incarnation_t{static_cast<uint64_t>(default_wall_clock())};
  w.observer = opts.observer;
  w.on_failure = std::move(opts.on_failure);
  w.machines = std::move(objects);
  spawn_node(sys, wiring_);
  gate_ = w.gate;
  uint32_t index = 0;
  for (auto* m : w.machines)
    m->bind(call_binding{&sys, w.self.state_machine, index++,
                         w.config.default_call_timeout, gate_,
                         loop_ != nullptr});
  cached_.self = id();
  cached_metrics_.self = id();
  cached_.read_only = w.config.read_only;
  if (loop_) {
    loop_started_ = loop_->now();
    // Manual mode: status is gathered at the end of each tick, so it does
    // not change between ticks.
    refresh_hook_ = loop_->add_refresh([this] {
      cached_ = gather({});
      cached_metrics_ = gather_metrics({});
    });
  }
}

node::~node() {
  stop();
}

void node::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> guard{gate_->mtx};
    gate_->open = false;
  }
  if (loop_)
    loop_->remove_refresh(refresh_hook_);
  auto& ep = wiring_->self;
  caf::scoped_actor self{sys_};
  std::vector<caf::actor> actors{ep.election, ep.replicator, ep.log_store,
                                 ep.membership, ep.state_machine,
                                 ep.snapshotter};
  for (auto& a : actors)
    self->monitor(a);
  stop_node(ep, wiring_->transport, id(), caf::exit_reason::user_shutdown);
  // Manual mode: the exits are jobs like any other; run them now (stop is
  // immediate in manual mode, as in PySyncObj).
  if (loop_)
    loop_->run_ready();
  // The objects and the storage must not be touched after we return.
  for (size_t i = 0; i < actors.size(); ++i)
    self->receive([](const caf::down_msg&) {});
}

bool node::is_ready() const {
  return flags_->ready.load();
}

raft_role node::role() const {
  return static_cast<raft_role>(flags_->role.load());
}

bool node::wait_ready(caf::timespan timeout) {
  if (is_ready())
    return true;
  if (loop_) {
    auto deadline = loop_->now() + timeout;
    while (!is_ready() && loop_->now() < deadline) {
      auto before = loop_->now();
      auto ran = loop_->tick(deadline - loop_->now());
      if (ran == 0 && loop_->now() == before)
        break; // an injected clock that does not move: nothing can change
    }
    return is_ready();
  }
  caf::scoped_actor self{sys_};
  bool ready = false;
  self->request(wiring_->self.state_machine, timeout, ready_atom::value)
    .receive([&](bool x) { ready = x; }, [&](caf::error&) { ready = false; });
  return ready;
}

node_status node::status(caf::timespan timeout) const {
  if (loop_)
    return cached_;
  return gather(timeout);
}

node_status node::gather(caf::timespan timeout) const {
  if (stopped_)
    return cached_;
  auto& w = *wiring_;
  auto& ep = w.self;
  caf::scoped_actor self{sys_};
  // Every actor is asked at once, so the deadline is one timeout for all.
  // In manual mode a request is answered only when its target runs: the
  // loop runs the ready jobs (these requests) once they are all sent.
  auto t = loop_ ? caf::duration{caf::infinite} : caf::duration{timeout};
  auto ask = [&](const caf::actor& dest) {
    return self->request(dest, t, status_atom::value);
  };
  auto election = ask(ep.election);
  auto log_store = ask(ep.log_store);
  auto state_machine = ask(ep.state_machine);
  auto membership = ask(ep.membership);
  auto replicator = ask(ep.replicator);
  auto links = self->request(w.transport, t, links_atom::value, id());
  auto install = ask(ep.snapshotter);
  if (loop_)
    loop_->run_ready();
  status_parts parts;
  auto ignore = [](caf::error&) {};
  auto into = [&](auto& part) {
    return [&](const typename std::decay_t<decltype(part)>::value_type& x) {
      part = x;
    };
  };
  election.receive(into(parts.election), ignore);
  log_store.receive(into(parts.log_store), ignore);
  state_machine.receive(into(parts.state_machine), ignore);
  membership.receive(into(parts.membership), ignore);
  replicator.receive(into(parts.replicator), ignore);
  links.receive(
    [&](const std::vector<std::string>& peers) {
      parts.linked.emplace(peers.begin(), peers.end());
    },
    ignore);
  install.receive([&](const std::string& x) { parts.install = x; }, ignore);
  parts.uptime_seconds = uptime_seconds();
  return compose_status(parts, w.config, w.configs.latest().quorum());
}

node_metrics node::metrics(caf::timespan timeout) const {
  if (loop_)
    return cached_metrics_;
  return gather_metrics(timeout);
}

node_metrics node::gather_metrics(caf::timespan timeout) const {
  if (stopped_)
    return cached_metrics_;
  auto& w = *wiring_;
  auto& ep = w.self;
  caf::scoped_actor self{sys_};
  // As gather(): every actor at once, one deadline for all; in manual mode
  // the loop runs the requests once they are all sent.
  auto t = loop_ ? caf::duration{caf::infinite} : caf::duration{timeout};
  auto ask = [&](const caf::actor& dest) {
    return self->request(dest, t, metrics_atom::value);
  };
  auto election = ask(ep.election);
  auto log_store = ask(ep.log_store);
  auto replicator = ask(ep.replicator);
  auto state_machine = ask(ep.state_machine);
  auto snapshotter = ask(ep.snapshotter);
  auto transport = self->request(w.transport, t, metrics_atom::value, id());
  if (loop_)
    loop_->run_ready();
  node_metrics m;
  m.self = id();
  auto ignore = [](caf::error&) {};
  auto into = [&](auto& part) {
    return [&](const typename std::decay_t<decltype(part)>::value_type& x) {
      part = x;
    };
  };
  election.receive(into(m.election), ignore);
  log_store.receive(into(m.log_store), ignore);
  replicator.receive(into(m.replicator), ignore);
  state_machine.receive(into(m.state_machine), ignore);
  snapshotter.receive(into(m.snapshotter), ignore);
  transport.receive(into(m.transport), ignore);
  m.uptime_seconds = uptime_seconds();
  return m;
}

uint64_t node::uptime_seconds() const {
  auto up = loop_ ? loop_->now() - loop_started_
                  : std::chrono::steady_clock::now() - started_;
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::seconds>(up).count());
}

bool node::is_node_connected(const node_id& peer) const {
  auto st = status();
  for (auto* xs : {&st.partners, &st.readonly_nodes})
    for (auto& p : *xs)
      if (p.id == peer)
        return p.link == link_state::connected;
  return false;
}

void node::print_status() const {
  for (auto& [key, value] : status().to_key_values())
    wiring_->log.info(key + ": " + value);
}

void node::force_compaction() {
  caf::anon_send(wiring_->self.snapshotter, force_atom::value);
}

void node::campaign_now() {
  caf::anon_send(wiring_->self.election, campaign_now_atom::value);
}

change_result node::add_node(const node_id& x, caf::timespan timeout) {
  return request_change({change_op::add_voter, x, {}}, timeout);
}

change_result node::remove_node(const node_id& x, caf::timespan timeout) {
  return request_change({change_op::remove, x, {}}, timeout);
}

change_result node::add_learner(const node_id& x, caf::timespan timeout) {
  return request_change({change_op::add_learner, x, {}}, timeout);
}

change_result node::change_membership(membership target,
                                      caf::timespan timeout) {
  target.normalize();
  return request_change({change_op::set, {}, std::move(target)}, timeout);
}

change_result node::transfer_leadership(std::optional<node_id> target,
                                        caf::timespan timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto before = status().leader;
  change_request req{change_op::transfer_leader, target.value_or(node_id{}),
                     {}};
  auto r = request_change(std::move(req), timeout);
  if (!r.ok() || loop_)
    return r;
  // Waiting for the target itself needs no "other than before".
  if (target && *target == before)
    before = node_id{};
  auto moved = await_new_leader(before, target.value_or(node_id{}), deadline);
  return moved.ok() ? r : moved;
}

change_result node::await_new_leader(const node_id& old, const node_id& target,
                                     std::chrono::steady_clock::time_point
                                       deadline) {
  caf::scoped_actor self{sys_};
  for (;;) {
    election_status e;
    self->request(wiring_->self.election, std::chrono::seconds(2),
                  status_atom::value)
      .receive([&](election_status& x) { e = std::move(x); },
               [&](caf::error&) {});
    auto known = !e.leader.empty() && e.leader != old;
    if (known && (target.empty() || e.leader == target))
      return change_result::success("handed over to " + e.leader.name);
    if (std::chrono::steady_clock::now() >= deadline)
      return {fail_reason::timeout,
              "the leader handed over, but this node knows no new leader "
              "within the deadline"
                + (known ? " (" + e.leader.name + " leads)" : std::string{})};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

change_result node::request_change(change_request req,
                                   caf::timespan timeout) {
  if (stopped_)
    return {fail_reason::stopped, "the node is stopped"};
  if (loop_)
    return {fail_reason::would_block,
            "membership changes block until committed: not available in "
            "manual tick mode"};
  if (req.op != change_op::set && req.op != change_op::transfer_leader
      && req.op != change_op::set_version && req.node.empty())
    return change_result::denied("a node name must not be empty");
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  change_result last{fail_reason::no_leader, "no leader known"};
  caf::scoped_actor self{sys_};
  // Requests are retry-safe: ask again (the leader may be new) until the
  // deadline when no leader took the request or it lost its leadership.
  for (;;) {
    auto budget = deadline - clock::now();
    if (budget <= clock::duration::zero())
      break;
    self
      ->request(wiring_->self.membership, budget + std::chrono::seconds(1),
                change_atom::value, req, caf::timespan{budget})
      .receive([&](change_result& r) { last = std::move(r); },
               [&](caf::error& err) {
                 last = {to_fail_reason(err), "no answer from the node"};
               });
    // A transfer to "the best voter" is no longer wanted once leadership
    // changed on its own; every other request is retry-safe.
    auto best_transfer = req.op == change_op::transfer_leader
                         && req.node.empty();
    auto again = last.reason == fail_reason::no_leader
                 || last.reason == fail_reason::not_leader
                 || (last.reason == fail_reason::leader_changed
                     && !best_transfer);
    if (!again)
      return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (last.reason == fail_reason::leader_changed)
    return {fail_reason::timeout,
            "the deadline passed while leadership changed; the change may "
            "still complete (asking again is safe)"};
  if (last.reason == fail_reason::timeout)
    return last;
  return {fail_reason::no_leader,
          "no leader took the request within the deadline: " + last.detail};
}

change_result node::set_code_version(uint32_t version,
                                     caf::timespan timeout) {
  change_request req;
  req.op = change_op::set_version;
  req.version = version;
  return request_change(std::move(req), timeout);
}

membership node::configuration(caf::timespan timeout) const {
  membership out;
  if (loop_ || stopped_)
    return out;
  caf::scoped_actor self{sys_};
  self->request(wiring_->self.membership, timeout, config_atom::value)
    .receive([&](membership& m) { out = std::move(m); },
             [&](caf::error&) {});
  return out;
}

void node::force_recover() {
  wiring_->log.warning("force_recover: recovering the cluster from this node "
                       "(operator request)");
  caf::anon_send(wiring_->self.election, recover_atom::value);
}

} // namespace flexsync
