#include "scenarios/sim/cluster.hpp"

#include <algorithm>
#include <cstdio>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/transport/local_network.hpp"
#include "actors/node/persistence.hpp"
#include "actors/node/spawn.hpp"
#include "actors/node/system_config.hpp"
#include "protocol/assert.hpp"
#include "scenarios/sim/clock_rate.hpp"
#include "scenarios/sim/driver.hpp"
#include "scenarios/sim/observer_pair.hpp"

namespace flexsync::sim {

namespace {

/// The cluster running in this thread (seeds run in parallel threads): a
/// failed FLEXSYNC_ASSERT in any of its actors becomes its violation.
thread_local cluster* running_cluster = nullptr;

} // namespace

cluster::cluster(cluster_options opts)
    : opts_(std::move(opts)), rng_(opts_.seed) {
  outer_ = running_cluster;
  running_cluster = this;
  set_assertion_observer([](const std::string& what) {
    if (auto* c = running_cluster)
      c->checker_.violation(what + " (at step " +
                            std::to_string(c->steps_ + 1) + ")");
  });
  auto cfg = std::make_unique<system_config>(1);
  cfg->set("scheduler.policy", caf::atom("testing"));
  cfg_ = std::move(cfg);
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  sys_->await_actors_before_shutdown(false);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  start_ = sched_->clock().now();
  net_policy_ = std::make_shared<sim_network>(rng_());
  net_policy_->clock = [this] { return now(); };
  net_ = spawn_local_network(*sys_, net_policy_);
  start_client();
  for (size_t i = 1; i <= opts_.nodes + opts_.spares; ++i)
    ids_.emplace_back(std::to_string(i));
  std::vector<node_id> members(ids_.begin(), ids_.begin() + opts_.nodes);
  for (auto& id : ids_) {
    auto& n = nodes_[id];
    n.cfg.self = id;
    n.cfg.partners = members;
    n.cfg.join = std::find(members.begin(), members.end(), id)
                 == members.end();
    n.cfg.quorum = opts_.quorum;
    n.cfg.pre_vote = opts_.pre_vote;
    n.cfg.check_quorum = opts_.check_quorum;
    n.cfg.lease_reads = opts_.lease_reads;
    n.cfg.placement = opts_.placement;
    n.cfg.max_batch_entries = opts_.max_batch_entries;
    n.cfg.heartbeat_interval = opts_.heartbeat_interval;
    n.cfg.election_timeout_min = opts_.election_timeout_min;
    n.cfg.election_timeout_max = opts_.election_timeout_max;
    n.cfg.leader_fallback_timeout = opts_.election_timeout_max;
    n.cfg.persistence = opts_.persistence;
    n.cfg.default_call_timeout = opts_.default_call_timeout;
    // Unchecked terms pass the validation of owned ones (node_config
    // refuses them), then campaign as shared terms do.
    n.cfg.terms = opts_.terms == term_mode::unchecked ? term_mode::owned
                                                      : opts_.terms;
    n.cfg.normalize_and_validate();
    n.cfg.terms = opts_.terms;
    if (opts_.disk)
      n.disk = std::make_shared<memory_disk>("disk-of-" + id.name);
  }
  for (size_t i = 0; i < opts_.clock_rates.size() && i < ids_.size(); ++i)
    clock_rate(ids_[i], opts_.clock_rates[i]);
  quorum_ = nodes_.at(ids_.front()).cfg.make_quorum_system();
  if (opts_.batteries) {
    batteries_ = std::make_unique<battery_checker>(*sys_, checker_);
    observers_ = std::make_unique<observer_pair>(checker_, *batteries_);
  }
  for (auto& id : members)
    start(node(id));
}

void cluster::battery_call(const node_id& at, std::mt19937_64& rng) {
  auto& n = node(at);
  if (n.up && n.batteries)
    n.batteries->random_call(rng);
}

void cluster::end_check() {
  // Nodes outside the configuration they hold (removed, or joining and
  // never added) are not expected to have the cluster's entries.
  auto nodes = members();
  checker_.end_check(nodes);
  if (batteries_) {
    std::map<node_id, index_t> applied;
    for (auto& id : nodes)
      applied.emplace(id, checker_.applied(id));
    batteries_->end_check(applied);
  }
}

cluster::~cluster() {
  opts_.bound_losses = false;
  for (auto& id : ids_)
    crash(id);
  caf::anon_send_exit(net_, caf::exit_reason::kill);
  caf::anon_send_exit(client_, caf::exit_reason::kill);
  if (admin_)
    caf::anon_send_exit(admin_, caf::exit_reason::kill);
  while (sched_->has_job())
    sched_->run_once();
  if (running_cluster == this)
    running_cluster = outer_;
}

void cluster::start(sim_node& n) {
  auto w = std::make_shared<node_wiring>();
  // Its clock's rate: every duration it measures, in virtual time.
  w->config = at_clock_rate(n.cfg, n.rate);
  do
    w->config.seed = rng_();
  while (w->config.seed == 0);
  w->transport = net_;
  recover(n, *w);
  w->load_configs();
  w->incarnation = incarnation_t{++n.starts};
  w->observer = observers_ ? observers_.get() : &checker_;
  // Entry times come from virtual time, so runs stay reproducible.
  // A node's wall clock runs at its clock's rate.
  if (n.rate == 1.0)
    w->wall_clock = [this, &n] { return (now() + n.skew).count(); };
  else
    w->wall_clock = [this, &n, rate = n.rate] {
      return static_cast<int64_t>(static_cast<double>(now().count()) * rate)
             + n.skew.count();
    };
  add_objects(n, *w);
  w->log = node_log(n);
  checker_.on_start(n.cfg.self);
  n.endpoints = spawn_node(*sys_, w);
  bind_calls(n, *w);
  n.up = true;
  n.failed = false;
  n.last_error.clear();
  watch_end(n);
}

// The real recovery code, on what the simulated disk kept; in memory mode
// (no disk) it starts empty, exactly as a real memory-mode node.
void cluster::recover(sim_node& n, node_wiring& w) {
  auto p = open_persistence(
      n.cfg, n.disk,
      [this, id = n.cfg.self](const std::string& line) {
        trace(id.name + ": " + line);
      },
      [this] { return now().count(); });
  n.store = checker_.make_storage(n.cfg.self, std::move(p.store), !n.disk);
  w.store = n.store;
  w.adopt_durable_state(p);
  // Known at once, before its actors run: a crash bound must count it.
  checker_.on_member_state(n.cfg.self, p.fresh ? member_state::recovering
                                               : member_state::intact);
}

// The register comes first: the harness's calls name it by index 0.
void cluster::add_objects(sim_node& n, node_wiring& w) {
  n.object = std::make_unique<sim_register>();
  w.machines = {n.object.get()};
  if (batteries_) {
    n.batteries = std::make_unique<sim_batteries>();
    for (auto* obj : n.batteries->objects())
      w.machines.push_back(obj);
    batteries_->attach(n.cfg.self, n.batteries.get());
  }
  if (opts_.extra_objects) {
    n.extras = opts_.extra_objects(n.cfg.self, n.starts);
    for (auto& obj : n.extras)
      w.machines.push_back(obj.get());
  }
}

// Error lines are kept: a node that stops on its own says why.
logger cluster::node_log(sim_node& n) {
  return logger{n.cfg.self.name, opts_.level,
                [this, &n](log_level level, std::string_view line) {
                  if (level == log_level::error)
                    n.last_error = line;
                  trace(std::string{line});
                }};
}

// Every object but the register (which the harness's client actor calls) is
// called as on a real node, through this incarnation's gate: a crash closes
// it, and calls still coming fail with `stopped`.
void cluster::bind_calls(sim_node& n, const node_wiring& w) {
  if (w.machines.size() < 2)
    return;
  n.gate = w.gate;
  for (uint32_t i = 1; i < w.machines.size(); ++i)
    w.machines[i]->bind(call_binding{sys_.get(), n.endpoints.state_machine, i,
                                     w.config.default_call_timeout, n.gate});
}

// The node's actors are linked: when the log store ends, the node ended.
void cluster::watch_end(sim_node& n) {
  caf::actor_cast<caf::abstract_actor*>(n.endpoints.log_store)
      ->attach_functor([this, &n] {
        if (n.up)
          n.failed = true;
      });
}

cluster::sim_node& cluster::node(const node_id& id) {
  return nodes_.at(id);
}

const cluster::sim_node& cluster::node(const node_id& id) const {
  return nodes_.at(id);
}

void cluster::trace(const std::string& line) const {
  if (opts_.level < log_level::info)
    return;
  auto ms = std::chrono::duration<double, std::milli>(now()).count();
  std::fprintf(stderr, "[%10.3fms] %s\n", ms, line.c_str());
}

caf::timespan cluster::now() const {
  return sched_->clock().now() - start_;
}

std::pair<node_id, const char*> cluster::owner_of(caf::resumable* job) const {
  auto* actor = dynamic_cast<caf::local_actor*>(job);
  if (actor == nullptr)
    return {node_id{}, "?"};
  for (auto& [id, n] : nodes_) {
    auto& ep = n.endpoints;
    for (auto& a : {ep.election, ep.replicator, ep.log_store, ep.membership,
                    ep.state_machine, ep.snapshotter})
      if (a && a->id() == actor->id())
        return {id, actor->name()};
  }
  return {node_id{}, actor->name()};
}

void cluster::step_job() {
  auto* job = pick_seeded(*sched_, rng_);
  if (opts_.before_step && job != nullptr) {
    auto [id, name] = owner_of(job);
    opts_.before_step(id, name);
  }
  sched_->run_once();
  ++steps_;
  checker_.check_logs();
  if (opts_.after_step)
    opts_.after_step();
  if (!due_crashes_.empty()) {
    auto due = std::move(due_crashes_);
    due_crashes_.clear();
    for (auto& d : due) {
      auto& n = node(d.id);
      if (d.at <= steps_ || (d.when_dirty && n.disk && n.disk->dirty()))
        crash(d.id);
      else
        due_crashes_.push_back(d);
    }
  }
}

bool cluster::run_until(const std::function<bool()>& pred, caf::timespan max) {
  return sim::run_until(
      *sched_, pred, max,
      run_hooks{[this] { step_job(); }, [this] { return checker_.ok(); },
                [this] {
                  checker_.violation("livelock: no progress of virtual time");
                }});
}

void cluster::run_for(caf::timespan d) {
  run_until([] { return false; }, d);
}

bool cluster::up(const node_id& id) const {
  return node(id).up;
}

std::optional<std::string> cluster::failure(const node_id& id) const {
  auto& n = node(id);
  if (!n.failed)
    return std::nullopt;
  return n.last_error;
}

std::vector<node_id> cluster::live() const {
  std::vector<node_id> result;
  for (auto& id : ids_)
    if (up(id))
      result.push_back(id);
  return result;
}

size_t cluster::max_losses() const {
  return tolerated_losses(quorum_);
}

size_t cluster::losses() const {
  size_t k = 0;
  for (auto& id : ids_)
    if (!up(id) || checker_.member(id) != member_state::intact)
      ++k;
  return k;
}

void cluster::crash(const node_id& id) {
  auto& n = node(id);
  if (!n.up)
    return;
  if (!n.disk && opts_.bound_losses && losses() + 1 > max_losses()) {
    trace("sim: crash " + id.name + " skipped: " + std::to_string(losses()) +
          " node(s) already without their state");
    return;
  }
  n.up = false;
  trace("sim: crash " + id.name);
  // A crash is instantaneous: the dead incarnation never touches its
  // storage or objects again.
  caf::anon_send(net_, unregister_atom::value, id);
  kill_now(*sched_, n.endpoints);
  checker_.on_stop(id);
  // Its calls still coming fail with `stopped`; its objects die with it.
  // Calls it had not taken yet die with its mailbox.
  if (n.gate) {
    n.gate->open = false;
    n.gate->queued.clear();
  }
  if (batteries_)
    batteries_->detach(id);
  n.extras.clear();
  // The process is gone: what its disk did not make durable is lost.
  if (n.disk)
    n.disk->crash(rng_, opts_.tear);
  else if (live().empty())
    checker_.forget_history(); // memory mode: every replica is gone
}

void cluster::crash_after(const node_id& id, uint64_t steps) {
  if (steps == 0)
    crash(id);
  else
    due_crashes_.push_back(due_crash{steps_ + steps, id, false});
}

void cluster::crash_when_dirty(const node_id& id, uint64_t steps) {
  due_crashes_.push_back(due_crash{steps_ + steps, id, true});
}

void cluster::clock_rate(const node_id& id, double rate) {
  if (!(rate > 0))
    throw std::invalid_argument("clock rate of " + id.name
                                + " must be positive");
  node(id).rate = rate;
}

void cluster::restart(const node_id& id) {
  auto& n = node(id);
  if (n.up)
    return;
  trace("sim: restart " + id.name);
  start(n);
}

void cluster::campaign(const node_id& id) {
  auto& n = node(id);
  if (n.up)
    caf::anon_send(n.endpoints.election, campaign_now_atom::value);
}

void cluster::force_recover(const node_id& id) {
  auto& n = node(id);
  if (n.up)
    caf::anon_send(n.endpoints.election, recover_atom::value);
}

void cluster::fail_disk(const node_id& id, bool fail) {
  auto& n = node(id);
  if (!n.disk)
    throw std::invalid_argument("node " + id.name + " has no simulated disk");
  n.disk->fail_writes(fail);
}

void cluster::compact(const node_id& id) {
  auto& n = node(id);
  if (n.up)
    caf::anon_send(n.endpoints.snapshotter, force_atom::value);
}

std::optional<node_id> cluster::leader() const {
  std::optional<node_id> result;
  term_t best;
  for (auto& [id, view] : checker_.roles())
    if (view.role == raft_role::leader && up(id) &&
        (!result || view.term > best)) {
      result = id;
      best = view.term;
    }
  return result;
}

bool cluster::settled() const {
  auto l = leader();
  if (!l)
    return false;
  auto& roles = checker_.roles();
  auto term = roles.at(*l).term;
  // The nodes the leader can talk to, both ways, must be able to commit...
  node_set reachable;
  auto* config = checker_.config_of(*l);
  auto in_config = config ? config->members() : ids_;
  for (auto& id : live())
    if (id == *l ||
        (!net_policy_->blocked(*l, id) && !net_policy_->blocked(id, *l)
         && std::count(in_config.begin(), in_config.end(), id) > 0))
      reachable.insert(id);
  if (!(config ? config->quorum() : quorum_).is_replication_quorum(reachable))
    return false;
  // ... and follow it, caught up at least to its no-op.
  for (auto& id : reachable) {
    auto i = roles.find(id);
    if (i == roles.end() || i->second.term != term)
      return false;
    if (id != *l &&
        (i->second.role != raft_role::follower || i->second.leader != *l))
      return false;
    auto& store = const_cast<checker&>(checker_).storage_of(id);
    auto applied = checker_.applied(id);
    if (applied == index_t{0} || store.term_at(applied) != term)
      return false;
  }
  return true;
}

const std::vector<std::string>& cluster::values(const node_id& id) const {
  return node(id).object->values;
}

void cluster::partition(const std::vector<std::vector<node_id>>& groups) {
  for (size_t a = 0; a < groups.size(); ++a)
    for (size_t b = 0; b < groups.size(); ++b)
      if (a != b)
        for (auto& x : groups[a])
          for (auto& y : groups[b])
            net_policy_->block(x, y);
}

std::vector<std::string> cluster::release(const node_id& from,
                                          const node_id& to, size_t n) {
  std::vector<std::string> result;
  for (auto& m : net_policy_->release(from, to, n)) {
    result.push_back(describe_message(m.msg));
    caf::anon_send(net_, deliver_atom::value, m.to, m.msg);
  }
  return result;
}

} // namespace flexsync::sim
