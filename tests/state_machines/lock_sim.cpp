#include "tests/state_machines/lock_sim.hpp"

#include <algorithm>
#include <sstream>

namespace flexsync::testing {

namespace {

using namespace std::chrono_literals;

caf::timespan ms(size_t n) {
  return std::chrono::milliseconds(n);
}

} // namespace

lock_sim::lock_sim(lock_sim_options opts)
    : opts_(std::move(opts)), rng_(opts_.seed), cluster_(harness_options()) {
  cluster_.net().faults.max_delay = ms(10);
  // Fixed per node, drawn before anything runs: every entry any node's
  // leader appends carries its node's skew.
  auto skew = opts_.max_clock_skew.count();
  if (skew > 0)
    for (auto& id : cluster_.ids())
      cluster_.skew_clock(
          id, caf::timespan{
                  std::uniform_int_distribution<int64_t>{-skew, skew}(rng_)});
}

sim::cluster_options lock_sim::harness_options() {
  sim::cluster_options c;
  c.nodes = opts_.nodes;
  c.seed = rng_();
  // Calls end on the locks' time scale (T = 1 s by default): an acquire lost
  // in a partition fails within the 2 s liveness() waits for one, not after
  // the node's default of 10 s.
  c.default_call_timeout = ms(500);
  if (opts_.verbose)
    c.level = log_level::info;
  // Every start of a node is a new client: a new owner, holding nothing.
  c.extra_objects = [this](const node_id& id, uint64_t incarnation) {
    lock_options lo;
    lo.auto_unlock_time = opts_.auto_unlock_time;
    lo.owner = id.name + "#" + std::to_string(incarnation);
    sim::object_list objects;
    objects.push_back(std::make_unique<repl_lock_manager>(lo));
    return objects;
  };
  c.after_step = [this] { check_locks(); };
  return c;
}

repl_lock_manager* lock_sim::locks(const node_id& id) const {
  auto& objects = cluster_.extras(id);
  if (objects.empty())
    return nullptr;
  return static_cast<repl_lock_manager*>(objects.front().get());
}

size_t lock_sim::between(size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>{lo, hi}(rng_);
}

double lock_sim::uniform() {
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng_);
}

const node_id& lock_sim::pick_node() {
  auto& ids = cluster_.ids();
  return ids[between(0, ids.size() - 1)];
}

std::vector<std::string> lock_sim::believers(const std::string& name) {
  std::vector<std::string> result;
  for (auto& id : cluster_.ids()) {
    auto* l = locks(id);
    if (!l)
      continue;
    auto now_believes = l->is_acquired(name);
    auto& before = believed_[{name, l->owner()}];
    if (before != now_believes) {
      trace(l->owner() + (now_believes ? " believes " : " gives up ") + name);
      if (now_believes)
        released_.erase({name, l->owner()});
    }
    before = now_believes;
    if (now_believes)
      result.push_back(l->owner());
  }
  return result;
}

void lock_sim::count_handover(const std::string& name,
                              const std::string& believer) {
  auto& last = last_believer_[name];
  if (!last.empty() && last != believer)
    for (auto& id : cluster_.ids())
      if (auto* l = locks(id); l && l->owner() == last) {
        ++handovers_;
        if (released_.count({name, last}) == 0)
          ++takeovers_;
      }
  last = believer;
}

void lock_sim::check_locks() {
  for (auto& name : opts_.lock_names) {
    auto who = believers(name);
    if (who.size() > 1) {
      std::ostringstream out;
      out << "at " << now().count() / 1000 << "us lock " << name
          << " believed held by";
      for (auto& b : who)
        out << ' ' << b;
      violations_.push_back(out.str());
      // The harness stops a run at its checkers' first violation.
      cluster_.check().violation("locks: " + out.str());
    }
    if (!who.empty())
      count_handover(name, who.front());
  }
}

void lock_sim::try_acquire(const node_id& id, const std::string& name) {
  auto* l = locks(id);
  if (!l)
    return;
  auto owner = l->owner();
  auto hold = ms(between(20, 2500));
  trace(owner + " acquire " + name);
  l->try_acquire(name).then([=, this](bool granted, const caf::error& err) {
    trace(owner + " acquire " + name + (granted ? " granted" : " refused") +
          (err ? " (error)" : ""));
    if (!granted)
      return;
    ++grants_;
    releases_.push_back({now() + hold, id, owner, name});
  });
}

void lock_sim::release_due() {
  std::erase_if(releases_, [&](const pending_release& r) {
    if (r.at > now())
      return false;
    if (auto* l = locks(r.node); l && l->owner() == r.owner) {
      trace(r.owner + " release " + r.name);
      released_.emplace(r.name, r.owner);
      l->release(r.name).post();
    }
    return true;
  });
}

void lock_sim::random_fault() {
  auto x = uniform();
  if (x < 0.3) {
    // Cut off a node that believes it holds a lock, if any: the case the
    // safety margin exists for.
    auto target = pick_node();
    for (auto& id : cluster_.ids())
      for (auto& name : opts_.lock_names)
        if (auto* l = locks(id); l && l->is_acquired(name))
          target = id;
    trace("isolate " + target.name);
    std::vector<node_id> others;
    for (auto& id : cluster_.ids())
      if (id != target)
        others.push_back(id);
    cluster_.partition({{target}, others});
  } else if (x < 0.45) {
    cluster_.net().block(pick_node(), pick_node());
  } else if (x < 0.7) {
    trace("heal");
    cluster_.heal();
  } else if (x < 0.8) {
    cluster_.crash(pick_node());
  } else {
    cluster_.restart(pick_node());
  }
}

void lock_sim::chaos(caf::timespan d) {
  auto end = now() + d;
  while (now() < end && ok()) {
    release_due();
    auto& id = pick_node();
    auto& name = opts_.lock_names[between(0, opts_.lock_names.size() - 1)];
    try_acquire(id, name);
    if (uniform() < 0.08)
      random_fault();
    run_for(ms(between(5, 120)));
  }
}

void lock_sim::heal() {
  cluster_.heal();
  for (auto& id : cluster_.ids())
    cluster_.restart(id);
  // Every pending release falls due within the longest hold.
  auto end = now() + 3s;
  while (now() < end && ok()) {
    release_due();
    run_for(ms(50));
  }
}

bool lock_sim::acquired_somewhere(const std::string& name,
                                  caf::timespan bound) {
  auto end = now() + bound;
  bool got = false;
  while (!got && now() < end && ok()) {
    auto* l = locks(pick_node());
    if (!l)
      return false;
    bool done = false;
    l->try_acquire(name).then([&](bool granted, const caf::error&) {
      got = granted;
      done = true;
    });
    run_until([&] { return done; }, 2s);
    if (!done)
      return false; // the callback must not outlive this frame
    run_for(ms(100));
  }
  return got;
}

bool lock_sim::liveness(caf::timespan bound) {
  for (auto& name : opts_.lock_names)
    if (!acquired_somewhere(name, bound))
      return false;
  // Every replica ends with the same table.
  auto same = [&] {
    auto* first = locks(cluster_.ids().front());
    for (auto& id : cluster_.ids()) {
      auto* l = locks(id);
      if (!first || !l || l->raw_data() != first->raw_data())
        return false;
    }
    return true;
  };
  if (!run_until(same, 5s))
    return false;
  cluster_.end_check();
  return ok();
}

std::string lock_sim::report() const {
  std::ostringstream out;
  out << "seed " << opts_.seed << ": " << grants_ << " grants, " << handovers_
      << " handovers (" << takeovers_ << " after expiry), " << cluster_.steps()
      << " steps";
  for (auto& v : cluster_.check().violations())
    out << "\n  " << v;
  return out.str();
}

} // namespace flexsync::testing
