#include "scenarios/random_sim.hpp"
#include "scenarios/sim/profiles.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <sstream>

#include "scenarios/sim/cluster.hpp"
#include "scenarios/sim/lease_skew.hpp"
#include "scenarios/sim/lin_workload.hpp"

namespace flexsync::sim {

namespace {

using namespace std::chrono_literals;

/// After healing, a settled leader must exist within this much virtual time.
constexpr caf::timespan liveness_bound = 10s;

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& xs) {
  std::uniform_int_distribution<size_t> d{0, xs.size() - 1};
  return xs[d(rng)];
}

double uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
}

size_t between(std::mt19937_64& rng, size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>{lo, hi}(rng);
}

cluster_options random_options(std::mt19937_64& rng, const run_params& p,
                               std::ostringstream& setup) {
  cluster_options opts;
  opts.seed = rng();
  opts.nodes = p.nodes ? *p.nodes : between(rng, 1, 5);
  auto n = opts.nodes;
  if (n >= 3 && uniform(rng) < 0.4) {
    // A random counting system that passes validation.
    auto q1 = between(rng, n / 2 + 1, n);
    auto q2 = between(rng, n - q1 + 1, n);
    opts.quorum = quorum_spec{q1, q2};
  }
  opts.pre_vote = uniform(rng) < 0.8;
  opts.check_quorum = uniform(rng) < 0.8;
  // Lease reads on half of the runs with check-quorum, drawn from the
  // cluster's seed so that the other draws stay what they were.
  opts.lease_reads = opts.check_quorum && (opts.seed >> 17) % 2 == 1;
  if (p.lease_reads)
    opts.check_quorum = opts.lease_reads = true;
  opts.max_batch_entries = pick(rng, std::vector<size_t>{1, 3, 4096});
  if (uniform(rng) < 0.3) {
    // Timeouts close to network delays: frequent elections and many terms.
    opts.heartbeat_interval = 10ms;
    opts.election_timeout_min = 40ms;
    opts.election_timeout_max = 80ms;
    setup << "fast_timeouts ";
  }
  // Durable state: a simulated disk per node (crashes lose unsynced writes
  // and may tear the last one), frequent compaction, and snapshot installs
  // in chunks small enough to need many round trips.
  opts.disk = uniform(rng) < 0.9;
  if (p.disk)
    opts.disk = *p.disk;
  // Memory mode keeps acknowledged writes only while enough nodes keep
  // their state; beyond that bound the cluster waits for an operator, which
  // scenarios test.
  opts.bound_losses = !opts.disk;
  opts.tear = uniform(rng) < 0.7;
  opts.persistence.snapshot_threshold_entries =
      pick(rng, std::vector<uint64_t>{1000000, 4, 12, 40});
  opts.persistence.snapshot_chunk_bytes =
      pick(rng, std::vector<size_t>{16, 200, 1 << 20});
  opts.persistence.segment_bytes =
      pick(rng, std::vector<uint64_t>{4096, 65536});
  if (p.verbose)
    opts.level = p.debug ? log_level::debug : log_level::info;
  opts.batteries = p.batteries;
  profile_options(opts, p, setup);
  // Clock rates within the drift bound when leases are on, from a generator
  // of their own (sim/lease_skew.hpp).
  opts.clock_rates = lease_clock_rates(p, opts, setup);
  describe_options(opts, setup);
  return opts;
}

void random_faults(std::mt19937_64& rng, cluster& c,
                   std::ostringstream& setup) {
  auto& f = c.net().faults;
  f.drop = pick(rng, std::vector<double>{0.0, 0.0, 0.01, 0.05, 0.2});
  f.duplicate = pick(rng, std::vector<double>{0.0, 0.02, 0.2});
  f.max_delay = pick(rng, std::vector<caf::timespan>{2ms, 10ms, 60ms});
  setup << " drop=" << f.drop << " dup=" << f.duplicate
        << " max_delay=" << f.max_delay.count() / 1000000 << "ms";
  // Slow nodes make replication uneven, so logs diverge across terms.
  if (c.ids().size() > 2 && uniform(rng) < 0.5) {
    auto k = between(rng, 1, c.ids().size() / 2);
    for (size_t i = 0; i < k; ++i) {
      auto& id = pick(rng, c.ids());
      f.slow[id] = std::chrono::milliseconds(between(rng, 5, 120));
      setup << " slow[" << id.name << "]=" << f.slow[id].count() / 1000000
            << "ms";
    }
  }
}

/// A random partition that puts `x` in a minority with up to one other node.
void isolate(std::mt19937_64& rng, cluster& c, const node_id& x) {
  std::vector<std::vector<node_id>> groups(2);
  groups[0].push_back(x);
  for (auto& id : c.ids())
    if (id != x)
      groups[groups[0].size() < 2 && uniform(rng) < 0.3 ? 0 : 1].push_back(id);
  c.partition(groups);
}

/// The kinds of event of the fault phase.
enum event_kind : size_t {
  client_load,
  split,
  isolate_leader,
  one_way,
  heal_net,
  crash_leader,
  crash_any,
  compact_now,
  restart_any,
  duel,
  event_kinds,
};

constexpr const char* event_names[event_kinds] = {
  "load", "split", "isolate", "one_way", "heal", "crash_leader",
  "crash_any", "compact", "restart", "duel",
};

/// Swarm testing (as FoundationDB and TigerBeetle do): each seed draws its
/// own mix of faults, leaving some kinds out altogether, and its own rates
/// of the faults aimed at new leaders, so that some runs are, say, nothing
/// but crashed new leaders and restarts: the long runs of many terms that
/// a uniform mix dilutes.
struct swarm {
  std::array<double, event_kinds> weight{};
  /// Chance that a new leader is cut off a few milliseconds into its term.
  double cut_early = 0.3;
  /// Chance that it is cut off right after its first commit.
  double cut_at_commit = 0.2;
  /// Leader churn (see churn_profile): a cut-off leader always crashes and
  /// comes back soon, never merely isolated.
  bool churn = false;

  event_kind draw(std::mt19937_64& rng) const {
    std::discrete_distribution<size_t> d{weight.begin(), weight.end()};
    return static_cast<event_kind>(d(rng));
  }
};

swarm random_swarm(std::mt19937_64& rng, std::ostringstream& setup) {
  // The uniform mix of earlier runs, as base weights.
  constexpr std::array<double, event_kinds> base = {
    0.40, 0.10, 0.07, 0.05, 0.10, 0.08, 0.05, 0.03, 0.12, 0.05,
  };
  swarm w;
  setup << " swarm=";
  for (size_t k = 0; k < event_kinds; ++k) {
    // Client load and healing are always in: without them a run says
    // nothing, or never recovers before the end.
    auto keep = k == client_load || k == heal_net || uniform(rng) < 0.7;
    w.weight[k] = keep ? base[k] * (0.3 + 1.4 * uniform(rng)) : 0.0;
    if (keep && k != client_load && k != heal_net)
      setup << event_names[k] << ",";
  }
  w.cut_early = pick(rng, std::vector<double>{0.0, 0.3, 0.6});
  w.cut_at_commit = pick(rng, std::vector<double>{0.0, 0.2, 0.5});
  setup << " cut_early=" << w.cut_early
        << " cut_at_commit=" << w.cut_at_commit;
  return w;
}

void churn_swarm(swarm& w, std::ostringstream& setup) {
  w.weight = {};
  w.weight[client_load] = 0.45;
  w.weight[crash_leader] = 0.25;
  w.weight[restart_any] = 0.2;
  w.weight[heal_net] = 0.1;
  w.cut_early = 0.45;
  w.cut_at_commit = 0.45;
  w.churn = true;
  setup << " churn_swarm=load,crash_leader,restart cut_early=0.45 "
           "cut_at_commit=0.45";
}

/// Two nodes campaign at the same instant, so they compete in one term,
/// and a third crashes and comes straight back a moment later, between the
/// two candidates' vote requests: what a vote that is not durable breaks.
void duel_with_bounce(std::mt19937_64& rng, cluster& c) {
  auto ids = c.live();
  if (ids.size() < 3)
    return;
  std::shuffle(ids.begin(), ids.end(), rng);
  c.campaign(ids[0]);
  c.campaign(ids[1]);
  c.run_for(std::chrono::microseconds(between(rng, 0, 8000)));
  c.crash(ids[2]);
  c.restart(ids[2]);
}

/// One random event of the fault phase, drawn from the run's swarm mix.
/// Faults aimed at the leader come in several kinds: they create the
/// histories (uncommitted entries of several terms on different nodes)
/// that Raft's subtle rules exist for.
void random_event(std::mt19937_64& rng, cluster& c, lin_workload& lin,
                  const swarm& mix, uint64_t& counter) {
  auto& ids = c.ids();
  auto leader = c.leader();
  switch (mix.draw(rng)) {
    case client_load:
      for (size_t i = between(rng, 1, 6); i > 0; --i) {
        if (c.battery_check() && uniform(rng) < 0.5) {
          auto& at = pick(rng, ids);
          for (size_t j = between(rng, 1, 8); j > 0; --j)
            c.battery_call(at, rng);
          continue;
        }
        auto timeout = std::chrono::milliseconds(between(rng, 100, 3000));
        // Churn runs are four times as long: fewer checked calls keep each
        // key's history within the checker's search budget.
        if (uniform(rng) < (mix.churn ? 0.12 : 0.5))
          lin.random_call(pick(rng, ids), rng, timeout);
        else
          c.propose(pick(rng, ids), "v" + std::to_string(++counter), timeout);
      }
      break;
    case split: {
      std::vector<std::vector<node_id>> groups(2);
      for (auto& id : ids)
        groups[between(rng, 0, 1)].push_back(id);
      c.partition(groups);
      break;
    }
    case isolate_leader:
      isolate(rng, c, leader ? *leader : pick(rng, ids));
      break;
    case one_way:
      c.net().block(pick(rng, ids), pick(rng, ids));
      break;
    case heal_net:
      c.heal();
      break;
    case crash_leader:
      c.crash_after(leader ? *leader : pick(rng, ids), between(rng, 0, 60));
      break;
    case crash_any: {
      auto& id = pick(rng, ids);
      if (uniform(rng) < 0.5)
        c.crash_when_dirty(id, between(rng, 0, 2000));
      else
        c.crash_after(id, between(rng, 0, 60));
      break;
    }
    case compact_now:
      c.compact(pick(rng, ids));
      break;
    case restart_any:
      c.restart(pick(rng, ids));
      break;
    case duel:
      duel_with_bounce(rng, c);
      break;
    case event_kinds:
      break;
  }
}

/// Plays the moments after an election: returns whether the new leader
/// `l` is cut off now (else the cluster goes on).
bool hold_new_leader(std::mt19937_64& rng, cluster& c, const swarm& mix,
                     const node_id& l) {
  auto x = uniform(rng);
  if (x < mix.cut_early) {
    // Cut the new leader off a few milliseconds into its term...
    c.run_for(std::chrono::microseconds(between(rng, 0, 15000)));
    return true;
  }
  if (x < mix.cut_early + mix.cut_at_commit) {
    // ... or right after its first commit, before followers learn it.
    auto c0 = c.check().commit_of(l);
    c.run_until([&] { return c.check().commit_of(l) > c0 || !c.up(l); },
                std::chrono::milliseconds(300));
    return true;
  }
  return false;
}

void append_violations(run_result& r, cluster& c) {
  if (c.check().ok())
    return;
  r.ok = false;
  for (auto& v : c.check().violations())
    r.report += "  " + v + "\n";
}

/// The events of the fault phase drawn from generators of their own, so
/// that they leave the runs without them as they were.
struct side_events {
  /// Membership changes (membership runs).
  std::optional<std::mt19937_64> members;
  /// Leadership transfers (--transfers).
  std::optional<std::mt19937_64> transfers;
  /// Lease cuts (runs with lease reads; sim/lease_skew.hpp) in the run's
  /// cluster.
  std::optional<std::mt19937_64> leases;
  const cluster_options* opts = nullptr;

  void after_event(cluster& c, lin_workload& lin) {
    if (members && (*members)() % 4 == 0)
      membership_event(*members, c);
    if (transfers && (*transfers)() % 3 == 0)
      transfer_event(*transfers, c);
    if (leases && (*leases)() % 3 == 0)
      lease_cut_event(*leases, c, lin, *opts);
  }
};

/// Fault phase: random events at random times under client load, until
/// `chaos` of virtual time passed or a checker failed.
void chaos_phase(std::mt19937_64& rng, cluster& c, lin_workload& lin,
                 const swarm& mix, caf::timespan chaos, side_events& side) {
  uint64_t counter = 0;
  term_t seen;
  // Crashed new leaders come back soon, with their uncommitted entries.
  std::vector<std::pair<caf::timespan, node_id>> restarts;
  while (c.now() < chaos && c.check().ok()) {
    std::erase_if(restarts, [&](const auto& r) {
      if (r.first > c.now())
        return false;
      c.restart(r.second);
      return true;
    });
    auto slice = std::chrono::milliseconds(between(rng, 1, 250));
    auto end = c.now() + slice;
    // A newly elected leader is sometimes cut off after a few milliseconds,
    // before its no-op reaches a quorum: the setting of Figure 8.
    auto new_leader = [&] {
      auto l = c.leader();
      return l && c.check().roles().at(*l).term > seen;
    };
    while (c.now() < end && c.run_until(new_leader, end - c.now())) {
      auto l = *c.leader();
      seen = c.check().roles().at(l).term;
      if (!hold_new_leader(rng, c, mix, l))
        continue;
      if (mix.churn || uniform(rng) < 0.5) {
        c.crash_after(l, between(rng, 0, 30));
        restarts.emplace_back(
            c.now() + std::chrono::milliseconds(between(rng, 20, 400)), l);
      } else {
        isolate(rng, c, l);
      }
    }
    random_event(rng, c, lin, mix, counter);
    side.after_event(c, lin);
  }
}

/// Healing: perfect network, every node up; a leader must settle.
void heal_phase(cluster& c, const cluster_options& opts) {
  c.trace("sim: heal");
  c.cancel_crashes();
  c.heal();
  c.net().faults.drop = 0;
  c.net().faults.duplicate = 0;
  c.net().faults.slow.clear();
  // Delays well below the election timeout, or no leader can be stable.
  c.net().faults.max_delay =
      std::min(c.net().faults.max_delay, opts.election_timeout_min / 8);
  for (auto& id : c.ids())
    c.restart(id);
  if (c.check().ok() &&
      !c.run_until([&] { return c.settled(); }, liveness_bound))
    c.check().violation("liveness: no settled leader within " +
                        std::to_string(liveness_bound.count() / 1000000) +
                        "ms after healing");
}

/// A final command must commit. Like a real client, retry while the
/// outcome is a failure (the freshly healed cluster may still change
/// leaders once).
void final_command(std::mt19937_64& rng, cluster& c) {
  auto deadline = c.now() + 20s;
  std::string last = "pending";
  while (c.check().ok() && c.now() < deadline) {
    auto at = pick(rng, c.ids());
    c.trace("sim: final command on " + at.name);
    auto slot = c.propose(at, "final", 2s);
    c.run_until([&] { return c.outcomes()[slot].done; }, 5s);
    auto& out = c.outcomes()[slot];
    last = out.done ? to_string(out.reason) : "pending";
    if (out.done && out.reason == fail_reason::success)
      break;
    c.run_for(200ms);
  }
  if (last != "success")
    c.check().violation("liveness: final command " + last +
                        " after 20s of retries");
}

/// Every node applies everything acknowledged (and the final command).
void converge_and_check(cluster& c) {
  // Members must reach what any live node applied (a removed leader may
  // have applied the last entries before it stepped down).
  c.run_until(
      [&] {
        index_t lo{UINT64_MAX}, hi{0};
        for (auto& id : c.live())
          hi = std::max(hi, c.check().applied(id));
        for (auto& id : c.members())
          lo = std::min(lo, c.check().applied(id));
        return lo >= hi && c.settled();
      },
      liveness_bound);
  c.end_check();
}

/// After convergence every live node reads every key through the log, which
/// pins down what the writes of unknown outcome did; then the whole client
/// history must be linearizable.
void check_history(cluster& c, lin_workload& lin, run_result& r) {
  auto first = lin.calls();
  for (auto& id : c.members())
    lin.read_everything(id, 5s);
  if (!c.run_until([&] { return lin.answered_from(first); }, liveness_bound))
    c.check().violation("liveness: final reads unanswered after "
                        + std::to_string(liveness_bound.count() / 1000000)
                        + "ms");
  auto report = lin.finish(r.history);
  if (!report.empty())
    c.check().violation(report);
}

} // namespace

run_result run_random(const run_params& p) {
  run_result r;
  std::mt19937_64 rng{p.seed};
  std::ostringstream setup;
  auto opts = random_options(rng, p, setup);
  // Declared before the cluster: its completions may run until the end.
  lin_workload lin;
  lin.set_local_reads(p.local_reads);
  opts.extra_objects = lin.objects();
  cluster c{opts};
  c.check().set_rule_checks(p.rule_checks);
  lin.attach(c);
  random_faults(rng, c, setup);
  auto mix = random_swarm(rng, setup);
  if (churn_profile(p))
    churn_swarm(mix, setup);
  r.setup = setup.str();
  // Churn runs are long: the history they aim at needs many terms.
  auto chaos = p.chaos_seconds * (mix.churn ? 4 : 1);
  // Membership runs change the configuration from a generator of their own.
  side_events side;
  if (opts.spares > 0)
    side.members.emplace(p.seed ^ 0x6d65'6d62'6572'0001);
  // So do runs with leadership transfers, and lease cuts with lease reads.
  if (p.transfers)
    side.transfers.emplace(p.seed ^ 0x7472'616e'7366'0001);
  if (lease_skew_profile(p, opts))
    side.leases.emplace(p.seed ^ 0x6c65'6173'6521'0001);
  side.opts = &opts;
  chaos_phase(rng, c, lin, mix,
              std::chrono::duration_cast<caf::timespan>(
                  std::chrono::duration<double>(chaos)),
              side);
  heal_phase(c, opts);
  if (c.check().ok())
    final_command(rng, c);
  if (c.check().ok())
    converge_and_check(c);
  if (c.check().ok())
    check_history(c, lin, r);
  append_violations(r, c);
  r.steps = c.steps();
  r.acked = c.check().acked();
  if (auto b = c.battery_check())
    r.battery_commands = b->commands();
  return r;
}

} // namespace flexsync::sim
