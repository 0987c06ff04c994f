#include "tests/state_machines/lock_sim.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/transport/local_network.hpp"
#include "actors/node/spawn.hpp"
#include "actors/node/system_config.hpp"
#include "scenarios/sim/driver.hpp"

namespace flexsync::testing {

namespace {

using namespace std::chrono_literals;

caf::timespan ms(size_t n) {
  return std::chrono::milliseconds(n);
}

} // namespace

lock_sim::lock_sim(lock_sim_options opts)
  : opts_(std::move(opts)), rng_(opts_.seed) {
  auto cfg = std::make_unique<system_config>(1);
  cfg->set("scheduler.policy", caf::atom("testing"));
  cfg_ = std::move(cfg);
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  sys_->await_actors_before_shutdown(false);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  start_ = sched_->clock().now();
  net_policy_ = std::make_shared<sim::sim_network>(rng_());
  net_policy_->faults.max_delay = ms(10);
  net_ = spawn_local_network(*sys_, net_policy_);
  for (size_t i = 1; i <= opts_.nodes; ++i)
    ids_.emplace_back(std::to_string(i));
  auto skew = opts_.max_clock_skew.count();
  for (auto& id : ids_) {
    auto& m = members_[id];
    m.cfg.self = id;
    m.cfg.partners = ids_;
    m.cfg.heartbeat_interval = ms(50);
    m.cfg.election_timeout_min = ms(160);
    m.cfg.election_timeout_max = ms(320);
    m.cfg.leader_fallback_timeout = ms(320);
    m.cfg.default_call_timeout = ms(500);
    m.cfg.normalize_and_validate();
    m.store = checker_.make_storage(id);
    if (skew > 0)
      m.skew = std::uniform_int_distribution<int64_t>{-skew, skew}(rng_);
  }
  for (auto& id : ids_)
    start(at(id));
}

lock_sim::~lock_sim() {
  for (auto& id : ids_)
    crash(id);
  caf::anon_send_exit(net_, caf::exit_reason::kill);
  while (sched_->has_job())
    sched_->run_once();
}

caf::timespan lock_sim::now() const {
  return sched_->clock().now() - start_;
}

void lock_sim::start(member& m) {
  auto w = std::make_shared<node_wiring>();
  w->config = m.cfg;
  do
    w->config.seed = rng_();
  while (w->config.seed == 0);
  w->quorum = w->config.make_quorum_system();
  w->transport = net_;
  w->store = m.store;
  w->observer = &checker_;
  // The leader's clock: virtual time, off by this node's skew.
  w->wall_clock = [this, skew = m.skew] { return now().count() + skew; };
  lock_options lo;
  lo.auto_unlock_time = opts_.auto_unlock_time;
  lo.owner = m.cfg.self.name + "#" + std::to_string(++m.incarnation);
  m.locks = std::make_unique<repl_lock_manager>(lo);
  w->machines = {m.locks.get()};
  w->log = logger{m.cfg.self.name, log_level::error, {}};
  checker_.on_start(m.cfg.self);
  m.endpoints = spawn_node(*sys_, w);
  m.gate = std::make_shared<call_gate>();
  m.locks->bind(call_binding{sys_.get(), m.endpoints.state_machine, 0,
                             m.cfg.default_call_timeout, m.gate});
  m.up = true;
}

void lock_sim::crash(const node_id& id) {
  auto& m = at(id);
  if (!m.up)
    return;
  // As in scenarios/sim/cluster: every actor dies now. The node's client
  // dies with it.
  m.gate->open = false;
  caf::anon_send(net_, unregister_atom::value, id);
  sim::kill_now(*sched_, m.endpoints);
  m.locks.reset();
  m.up = false;
  checker_.on_stop(id);
}

void lock_sim::step() {
  sim::run_one_seeded(*sched_, rng_);
  ++steps_;
  checker_.check_logs();
  check_locks();
}

void lock_sim::trace(const std::string& line) const {
  if (opts_.verbose)
    std::fprintf(stderr, "[%10.3fms] %s\n",
                 std::chrono::duration<double, std::milli>(now()).count(),
                 line.c_str());
}

void lock_sim::check_locks() {
  for (auto& name : opts_.lock_names) {
    std::vector<std::string> believers;
    for (auto& [id, m] : members_) {
      if (!m.up)
        continue;
      auto now_believes = m.locks->is_acquired(name);
      auto& before = believed_[{name, m.locks->owner()}];
      if (before != now_believes) {
        trace(m.locks->owner() + (now_believes ? " believes " : " gives up ")
              + name);
        if (now_believes)
          released_.erase({name, m.locks->owner()});
      }
      before = now_believes;
      if (now_believes)
        believers.push_back(m.locks->owner());
    }
    if (believers.size() > 1) {
      std::ostringstream out;
      out << "at " << now().count() / 1000 << "us lock " << name
          << " believed held by";
      for (auto& b : believers)
        out << ' ' << b;
      violations_.push_back(out.str());
    }
    if (believers.empty())
      continue;
    auto& last = last_believer_[name];
    if (!last.empty() && last != believers.front())
      for (auto& [id, m] : members_)
        if (m.up && m.locks->owner() == last) {
          ++handovers_;
          if (released_.count({name, last}) == 0)
            ++takeovers_;
        }
    last = believers.front();
  }
}

bool lock_sim::run_until(const std::function<bool()>& pred,
                         caf::timespan max) {
  return sim::run_until(
    *sched_, pred, max,
    sim::run_hooks{[this] { step(); }, [this] { return ok(); },
                   [this] {
                     violations_.push_back(
                       "livelock: no progress of virtual time");
                   }});
}

void lock_sim::run_for(caf::timespan d) {
  run_until([] { return false; }, d);
}

void lock_sim::try_acquire(const node_id& id, const std::string& name) {
  auto& m = at(id);
  if (!m.up)
    return;
  auto incarnation = m.incarnation;
  auto hold = ms(std::uniform_int_distribution<size_t>{20, 2500}(rng_));
  trace(m.locks->owner() + " acquire " + name);
  m.locks->try_acquire(name).then([=, this](bool granted,
                                            const caf::error& err) {
    trace(id.name + "#" + std::to_string(incarnation) + " acquire " + name
          + (granted ? " granted" : " refused") + (err ? " (error)" : ""));
    if (!granted)
      return;
    ++grants_;
    releases_.push_back({now() + hold, id, incarnation, name});
  });
}

void lock_sim::release_due() {
  std::erase_if(releases_, [&](const pending_release& r) {
    if (r.at > now())
      return false;
    auto& m = at(r.node);
    if (m.up && m.incarnation == r.incarnation) {
      trace(m.locks->owner() + " release " + r.name);
      released_.emplace(r.name, m.locks->owner());
      m.locks->release(r.name).post();
    }
    return true;
  });
}

void lock_sim::random_fault() {
  std::uniform_real_distribution<double> u{0.0, 1.0};
  auto pick_id = [&] {
    return ids_[std::uniform_int_distribution<size_t>{0, ids_.size() - 1}(rng_)];
  };
  auto x = u(rng_);
  if (x < 0.3) {
    // Cut off a node that believes it holds a lock, if any: the case the
    // safety margin exists for.
    auto target = pick_id();
    for (auto& [id, m] : members_)
      for (auto& name : opts_.lock_names)
        if (m.up && m.locks->is_acquired(name))
          target = id;
    trace("isolate " + target.name);
    for (auto& other : ids_)
      if (other != target) {
        net_policy_->block(target, other);
        net_policy_->block(other, target);
      }
  } else if (x < 0.45) {
    net_policy_->block(pick_id(), pick_id());
  } else if (x < 0.7) {
    trace("heal");
    net_policy_->heal();
  } else if (x < 0.8) {
    auto id = pick_id();
    trace("crash " + id.name);
    crash(id);
  } else {
    auto id = pick_id();
    if (!at(id).up) {
      trace("restart " + id.name);
      start(at(id));
    }
  }
}

void lock_sim::chaos(caf::timespan d) {
  std::uniform_real_distribution<double> u{0.0, 1.0};
  auto end = now() + d;
  while (now() < end && ok()) {
    release_due();
    auto& id = ids_[std::uniform_int_distribution<size_t>{0, ids_.size() - 1}(
      rng_)];
    auto& name = opts_.lock_names[std::uniform_int_distribution<size_t>{
      0, opts_.lock_names.size() - 1}(rng_)];
    try_acquire(id, name);
    if (u(rng_) < 0.08)
      random_fault();
    run_for(ms(std::uniform_int_distribution<size_t>{5, 120}(rng_)));
  }
}

void lock_sim::heal() {
  net_policy_->heal();
  for (auto& id : ids_)
    if (!at(id).up)
      start(at(id));
  // Every pending release falls due within the longest hold.
  auto end = now() + 3s;
  while (now() < end && ok()) {
    release_due();
    run_for(ms(50));
  }
}

bool lock_sim::liveness(caf::timespan bound) {
  for (auto& name : opts_.lock_names) {
    auto end = now() + bound;
    bool got = false;
    while (!got && now() < end && ok()) {
      auto& id = ids_[std::uniform_int_distribution<size_t>{
        0, ids_.size() - 1}(rng_)];
      auto& m = at(id);
      bool done = false;
      m.locks->try_acquire(name).then([&](bool granted, const caf::error&) {
        got = granted;
        done = true;
      });
      run_until([&] { return done; }, 2s);
      if (!done)
        return false; // the callback must not outlive this frame
      run_for(ms(100));
    }
    if (!got)
      return false;
  }
  // Every replica ends with the same table.
  auto same = [&] {
    auto& first = at(ids_.front()).locks;
    for (auto& id : ids_)
      if (at(id).locks->raw_data() != first->raw_data())
        return false;
    return true;
  };
  if (!run_until(same, 5s))
    return false;
  checker_.end_check(ids_);
  return ok();
}

std::string lock_sim::report() const {
  std::ostringstream out;
  out << "seed " << opts_.seed << ": " << grants_ << " grants, " << handovers_
      << " handovers (" << takeovers_ << " after expiry), " << steps_
      << " steps";
  for (auto& v : violations_)
    out << "\n  " << v;
  for (auto& v : checker_.violations())
    out << "\n  " << v;
  return out.str();
}

} // namespace flexsync::testing
