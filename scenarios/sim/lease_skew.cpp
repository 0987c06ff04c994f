#include "scenarios/sim/lease_skew.hpp"

#include <algorithm>
#include <cstdio>

#include "scenarios/sim/clock_rate.hpp"

namespace flexsync::sim {

namespace {

using namespace std::chrono_literals;

double uniform(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
}

size_t between(std::mt19937_64& rng, size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>{lo, hi}(rng);
}

/// The patterns of rates; `exact` leaves every clock alone.
enum class rate_pattern { exact, uniform, one_slow, halves, one_fast };

constexpr const char* pattern_names[] = {"exact", "uniform", "one_slow",
                                         "halves", "one_fast"};

rate_pattern draw_pattern(std::mt19937_64& own, std::optional<bool> forced) {
  auto x = uniform(own);
  if (forced && *forced)
    x = 0.15 + 0.85 * x; // never exact
  if (x < 0.15)
    return rate_pattern::exact;
  if (x < 0.35)
    return rate_pattern::uniform;
  if (x < 0.65)
    return rate_pattern::one_slow;
  if (x < 0.85)
    return rate_pattern::halves;
  return rate_pattern::one_fast;
}

/// Hands leadership over to the live node with the slowest clock, if it
/// does not lead; returns whether it leads a settled cluster then.
bool lead_slowest(cluster& c) {
  auto live = c.live();
  auto slowest = *std::min_element(
    live.begin(), live.end(), [&](const node_id& a, const node_id& b) {
      return c.clock_rate(a) < c.clock_rate(b);
    });
  auto l = *c.leader();
  if (c.clock_rate(l) <= c.clock_rate(slowest))
    return true;
  change_request req;
  req.op = change_op::transfer_leader;
  req.node = slowest;
  c.trace("sim: transfer " + slowest.name + " on " + l.name);
  c.change(l, std::move(req), 1s, "transfer " + slowest.name);
  return c.run_until([&] { return c.settled() && c.leader() == slowest; },
                     1s);
}

/// How long after now every node in `others` may still ignore vote
/// requests: election_timeout_min on its clock after the last message of
/// `l` it may still receive (sent before now, delayed as much as the links
/// allow), plus 100 us.
caf::timespan latest_stickiness(cluster& c, const node_id& l,
                                const std::vector<node_id>& others,
                                const cluster_options& opts) {
  auto& f = c.net().faults;
  auto slow = [&](const node_id& x) {
    auto i = f.slow.find(x);
    return i == f.slow.end() ? caf::timespan{0} : i->second;
  };
  caf::timespan latest{0};
  for (auto& g : others)
    latest = std::max(latest, f.max_delay + slow(l) + slow(g)
                                + std::chrono::duration_cast<caf::timespan>(
                                  opts.election_timeout_min / c.clock_rate(g)));
  return latest + 100us;
}

} // namespace

bool lease_skew_profile(const run_params& p, const cluster_options& opts) {
  return opts.lease_reads && (!p.clock_skew || *p.clock_skew);
}

std::vector<double> lease_clock_rates(const run_params& p,
                                      const cluster_options& opts,
                                      std::ostringstream& setup) {
  if (!lease_skew_profile(p, opts))
    return {};
  std::mt19937_64 own{p.seed ^ 0x636c'6f63'6b72'6174};
  auto pattern = draw_pattern(own, p.clock_skew);
  auto n = opts.nodes + opts.spares;
  auto e = rate_bound(opts.election_timeout_min, node_config{}.clock_drift_bound);
  std::vector<double> rates(n, 1.0);
  auto odd = between(own, 0, n - 1);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  std::shuffle(order.begin(), order.end(), own);
  for (size_t i = 0; i < n; ++i) {
    switch (pattern) {
      case rate_pattern::exact:
        break;
      case rate_pattern::uniform:
        rates[i] = 1 - e + 2 * e * uniform(own);
        break;
      case rate_pattern::one_slow:
        rates[i] = i == odd ? 1 - e : 1 + e;
        break;
      case rate_pattern::halves:
        rates[order[i]] = i < (n + 1) / 2 ? 1 - e : 1 + e;
        break;
      case rate_pattern::one_fast:
        rates[i] = i == odd ? 1 + e : 1 - e;
        break;
    }
  }
  setup << "clock_rates=" << pattern_names[static_cast<int>(pattern)];
  if (pattern == rate_pattern::exact) {
    setup << ' ';
    return {};
  }
  char buf[16];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%.4f", rates[i]);
    setup << (i == 0 ? ":" : ",") << buf;
  }
  setup << ' ';
  return rates;
}

namespace {

/// The aim of a cut: no crash due, the network healed (the links' faults
/// stay), every node but the spares up, a settled leader, mostly the one
/// with the slowest clock (the dangerous direction: a leader whose clock
/// is slower than its followers'), which then answers a lease read of
/// `key`. Returns that leader, or nothing.
std::optional<node_id> leader_with_lease(std::mt19937_64& rng, cluster& c,
                                         lin_workload& lin,
                                         const cluster_options& opts,
                                         int64_t key) {
  c.cancel_crashes();
  c.heal();
  for (size_t i = 0; i < opts.nodes; ++i)
    c.restart(c.ids()[i]);
  if (!c.run_until([&] { return c.settled(); }, 2s))
    return std::nullopt;
  if (uniform(rng) < 0.75 && !lead_slowest(c))
    return std::nullopt;
  auto l = *c.leader();
  // Answered: the leader holds a lease (or just confirmed a round, which
  // extends it).
  auto first = lin.lease_read(l, key, 100ms);
  if (!first || !c.run_until([&] { return lin.answered(*first); }, 100ms)
      || !lin.succeeded(*first) || !c.up(l))
    return std::nullopt;
  return l;
}

} // namespace

void lease_cut_event(std::mt19937_64& rng, cluster& c, lin_workload& lin,
                     const cluster_options& opts) {
  if (opts.nodes < 3)
    return; // the others could never elect a leader
  auto key = static_cast<int64_t>(
    between(rng, 0, lin_workload::register_keys - 1));
  auto found = leader_with_lease(rng, c, lin, opts, key);
  auto& roles = c.check().roles();
  if (!found || roles.count(*found) == 0)
    return;
  auto l = *found;
  auto term = roles.at(l).term;
  std::vector<node_id> others;
  for (auto& id : c.live())
    if (id != l)
      others.push_back(id);
  c.trace("sim: lease cut of " + l.name);
  c.partition({{l}, others});
  // Nothing the leader confirmed can outlast election_timeout_min on its
  // clock from now.
  auto end = c.now()
             + std::chrono::duration_cast<caf::timespan>(
               opts.election_timeout_min / c.clock_rate(l))
             + 5ms;
  auto new_leader = [&]() -> std::optional<node_id> {
    auto n = c.leader();
    if (n && *n != l && roles.at(*n).term > term)
      return n;
    return std::nullopt;
  };
  // Once no other node can still be ignoring candidates (what a heartbeat
  // sent before the cut, delivered as late as the links allow, started),
  // one campaigns, as its election timer may fire then.
  auto campaign_at = c.now() + latest_stickiness(c, l, others, opts);
  c.run_until([&] { return new_leader().has_value(); },
              campaign_at - c.now());
  if (!new_leader() && c.now() < end) {
    auto& f = others[between(rng, 0, others.size() - 1)];
    c.trace("sim: lease cut: " + f.name + " campaigns");
    c.campaign(f);
  }
  if (!c.run_until([&] { return new_leader().has_value(); }, end - c.now()))
    return;
  // Writes go to the new leader: one sent before there was one would be
  // forwarded to the old leader and wait there.
  auto next = *new_leader();
  auto w = lin.write(next, key, 1s);
  if (!w || !c.run_until([&] { return lin.succeeded(*w); }, end - c.now()))
    return;
  c.trace("sim: lease cut: " + next.name + " wrote r" + std::to_string(key)
          + " within " + l.name + "'s lease bound");
  // A read the old leader answers from its lease now is stale.
  for (int i = 0; i < 40 && c.now() < end && c.check().ok(); ++i) {
    lin.lease_read(l, key, 30ms);
    c.run_for(std::chrono::microseconds(between(rng, 200, 2000)));
  }
}

} // namespace flexsync::sim
