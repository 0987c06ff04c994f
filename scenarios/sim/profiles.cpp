#include "scenarios/sim/profiles.hpp"

#include <algorithm>
#include <map>

namespace flexsync::sim {

namespace {

using namespace std::chrono_literals;

/// Configurations keep at least three voters: with fewer, one node that
/// restarts without its state (a disk crashed before its first fsync looks
/// like one) stalls the cluster by design until an operator recovers it
/// (protocol/recovery.hpp), which the random runs would report as lost
/// liveness. Growing from and shrinking to one or two voters is covered by
/// scenarios and actor tests.
constexpr size_t min_voters = 3;

size_t between(std::mt19937_64& rng, size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>{lo, hi}(rng);
}

const node_id& any(std::mt19937_64& rng, const std::vector<node_id>& xs) {
  return xs[between(rng, 0, xs.size() - 1)];
}

/// Weights of 1 to 3 and thresholds the validator accepts with shared terms
/// (some with W1 + W2 <= total weight, which uneven weights can make safe),
/// or any thresholds when `valid_only` is off.
quorum_spec random_weighted(std::mt19937_64& rng,
                            const std::vector<node_id>& voters,
                            bool valid_only) {
  std::map<node_id, uint64_t> weights;
  size_t total = 0;
  for (auto& v : voters)
    total += weights[v] = between(rng, 1, 3);
  for (int i = 0; i < 20; ++i) {
    auto spec = quorum_spec::weighted(between(rng, 1, total),
                                      between(rng, 1, total), weights);
    if (!valid_only || !quorum_system::check(voters, spec))
      return spec;
  }
  auto w1 = total / 2 + 1;
  return quorum_spec::weighted(w1, total - w1 + 1, weights);
}

/// Two to four zones (none empty) and f_z, f_n the validator accepts with
/// shared terms, preferring ones that tolerate a failure (f_z = f_n = 0 is
/// always safe: every voter elects); or any when `valid_only` is off.
std::optional<quorum_spec> random_zones(std::mt19937_64& rng,
                                        const std::vector<node_id>& voters,
                                        bool valid_only) {
  std::optional<quorum_spec> fallback;
  for (int i = 0; i < 20; ++i) {
    auto zones = between(rng, 2, std::min<size_t>(voters.size(), 4));
    auto order = voters;
    std::shuffle(order.begin(), order.end(), rng);
    std::map<node_id, std::string> zone_of;
    for (size_t k = 0; k < order.size(); ++k)
      zone_of[order[k]] = "z" + std::to_string(
                            k < zones ? k : between(rng, 0, zones - 1));
    auto spec = quorum_spec::zones(between(rng, 0, zones - 1),
                                   between(rng, 0, 1), zone_of);
    if (!valid_only)
      return spec;
    if (quorum_system::check(voters, spec))
      continue;
    if (spec.zone_failures + spec.node_failures > 0)
      return spec;
    fallback = spec;
  }
  return fallback;
}

/// A random target: 1 to all of the nodes as voters, maybe a learner, and
/// sometimes a counting, weighted or zones quorum system (valid or not:
/// invalid ones must be refused without effect).
membership random_target(std::mt19937_64& rng, const std::vector<node_id>& ids) {
  membership m;
  auto shuffled = ids;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  auto n = between(rng, min_voters, shuffled.size());
  m.voters.assign(shuffled.begin(), shuffled.begin() + n);
  if (n < shuffled.size() && between(rng, 0, 1) == 0)
    m.learners.push_back(shuffled[n]);
  if (n >= 2 && between(rng, 0, 3) == 0) {
    auto q1 = between(rng, 1, n);
    auto q2 = between(rng, 1, n);
    m.quorum = quorum_spec{q1, q2};
    // Two targets in three become weighted or zones systems, drawn from a
    // generator of their own so the run's other draws stay as they were.
    std::mt19937_64 own{(q1 << 16 | q2 << 8 | n) ^ 0x7175'6f72'756d'0000};
    auto k = between(own, 0, 2);
    if (k == 1)
      m.quorum = random_weighted(own, m.voters, false);
    else if (k == 2)
      m.quorum = random_zones(own, m.voters, false);
  }
  return m.normalize();
}

/// Voters of the leader's configuration (0 when unknown).
size_t leader_voters(const cluster& c) {
  auto l = c.leader();
  auto* conf = l ? c.check().config_of(*l) : nullptr;
  return conf ? conf->current.voters.size() : 0;
}

} // namespace

/// Leader churn, the history of Raft's Figure 8 on purpose: a run of
/// nothing but short-lived leaders that crash (at once, or right after
/// their first commit) and come back with what they wrote, one entry per
/// append so that an older term's entry can reach a quorum before the new
/// leader's own does, on 3 or 5 nodes with disks. The commit rule exists
/// for exactly this: with it broken, a crash right after such a commit
/// lets a leader of a newer term overwrite the entry (leader completeness,
/// state machine safety). Drawn for about one seed in eight, from a
/// generator of its own, so the other seeds replay as before; such a run's
/// fault phase is four times as long.
bool churn_profile(const run_params& p) {
  if (p.churn)
    return *p.churn;
  std::mt19937_64 own{p.seed ^ 0x6368'7572'6e21'0000};
  return std::uniform_real_distribution<double>{0, 1}(own) < 0.125;
}

void churn_options(cluster_options& opts, const run_params& p) {
  std::mt19937_64 own{p.seed ^ 0x6368'7572'6e22'0000};
  if (!p.nodes)
    opts.nodes = std::uniform_real_distribution<double>{0, 1}(own) < 0.85 ? 3 : 5;
  opts.max_batch_entries = 1;
  if (!p.disk)
    opts.disk = true;
  opts.bound_losses = !opts.disk;
  opts.quorum.reset();
}

std::optional<quorum_spec> labelled_quorum(uint64_t seed, size_t nodes) {
  std::mt19937_64 own{seed ^ 0x7175'6f72'756d'2100};
  if (nodes < 3 || std::uniform_real_distribution<double>{0, 1}(own) >= 0.2)
    return std::nullopt;
  std::vector<node_id> voters;
  for (size_t i = 1; i <= nodes; ++i)
    voters.emplace_back(std::to_string(i));
  if (between(own, 0, 1) == 0)
    return random_weighted(own, voters, true);
  return random_zones(own, voters, true);
}

bool owned_terms(cluster_options& opts, uint64_t seed,
                 std::optional<bool> forced) {
  std::mt19937_64 own{seed ^ 0x6f77'6e65'6474'0000};
  auto n = opts.nodes;
  auto drawn = std::uniform_real_distribution<double>{0, 1}(own) < 0.25;
  // A replication quorum of every node stops committing for good once one
  // node lost its state (it counts again only after a commit: recovery.hpp)
  // and a torn disk can lose it at any crash; so the systems drawn keep
  // Q2 <= n - 1, which needs 4 nodes or more (seed 6600 drew counting(1,
  // 3) and never committed again).
  // (`--terms owned` on 3 nodes still gets counting(1, 3).)
  if (n < (forced ? 3 : 4) || !forced.value_or(drawn))
    return false;
  opts.terms = term_mode::owned;
  if (n == 4 && between(own, 0, 1) == 0) {
    // Two rows (or columns) of two: disjoint election quorums.
    auto lines = between(own, 0, 1) ? grid_lines::rows : grid_lines::columns;
    opts.quorum = quorum_spec::grid(2, 2, lines);
    return true;
  }
  // 2 * Q1 <= n: two election quorums may be disjoint; Q1 + Q2 > n.
  auto q1 = n / 2;
  opts.quorum = quorum_spec{q1, between(own, n - q1 + 1, std::max(n - 1,
                                                                  n - q1 + 1))};
  return true;
}

std::optional<placement_policy>
random_placement(uint64_t seed, size_t nodes,
                 const std::optional<quorum_spec>& q, std::ostringstream& setup) {
  std::mt19937_64 own{seed ^ 0x706c'6163'6500'0000};
  if (std::uniform_real_distribution<double>{0, 1}(own) >= 0.25)
    return std::nullopt;
  placement_policy p;
  p.settle = 100ms;
  p.interval = 500ms;
  p.workload_window = 200ms;
  p.workload.min_commands = 3;
  std::string zones, priorities;
  std::vector<std::string> names{"us", "eu", "ap"};
  for (size_t i = 1; i <= nodes; ++i) {
    node_id x{std::to_string(i)};
    if (q && q->kind == quorum_kind::zones) {
      p.zone[x] = q->zone_of.at(x);
    } else {
      p.zone[x] = names[between(own, 0, names.size() - 1)];
      zones += (zones.empty() ? "" : ",") + x.name + "=" + p.zone[x];
    }
    if (between(own, 0, 2) == 0) {
      p.priority[x] = static_cast<int>(between(own, 0, 3));
      priorities += (priorities.empty() ? "" : ",") + x.name + "="
                    + std::to_string(p.priority[x]);
    }
  }
  switch (between(own, 0, 2)) {
    case 0: // priorities alone
      break;
    case 1:
      p.preferred_zone = p.zone.begin()->second;
      break;
    default:
      p.follow_workload = true;
  }
  setup << "placement:";
  if (!zones.empty())
    setup << " zones=" << zones;
  if (!priorities.empty())
    setup << " priorities=" << priorities;
  if (!p.preferred_zone.empty())
    setup << " preferred_zone=" << p.preferred_zone;
  if (p.follow_workload)
    setup << " follow_workload=on workload_window=200ms";
  setup << " settle=100ms placement_interval=500ms ";
  return p;
}

bool membership_profile(uint64_t seed, std::optional<bool> forced) {
  if (forced)
    return *forced;
  std::mt19937_64 own{seed ^ 0x6d65'6d62'6572'0000};
  return std::uniform_real_distribution<double>{0, 1}(own) < 0.125;
}

void membership_options(cluster_options& opts, std::ostringstream& setup) {
  opts.disk = true;
  opts.bound_losses = false;
  opts.nodes = std::max(opts.nodes, min_voters); // see min_voters
  opts.spares = 2;
  setup << "membership spares=2 ";
}

void membership_event(std::mt19937_64& rng, cluster& c) {
  auto& ids = c.ids();
  auto at = any(rng, ids);
  auto timeout = std::chrono::milliseconds(between(rng, 200, 3000));
  change_request req;
  switch (between(rng, 0, 5)) {
    case 0: // a spare (or a crashed node) starts
      c.restart(any(rng, ids));
      return;
    case 1:
      req.op = change_op::add_voter;
      req.node = any(rng, ids);
      break;
    case 2:
      if (leader_voters(c) <= min_voters)
        return;
      req.op = change_op::remove;
      req.node = any(rng, ids);
      break;
    case 3:
      req.op = change_op::add_learner;
      req.node = any(rng, ids);
      break;
    default:
      req.op = change_op::set;
      req.target = random_target(rng, ids);
      break;
  }
  auto label = req.op == change_op::set ? "set " + req.target.to_string()
                                        : "change " + req.node.name;
  c.trace("sim: membership " + label + " on " + at.name);
  c.change(at, std::move(req), timeout, label);
}

void transfer_event(std::mt19937_64& rng, cluster& c) {
  auto& ids = c.ids();
  auto at = any(rng, ids);
  change_request req;
  req.op = change_op::transfer_leader;
  if (between(rng, 0, 2) > 0)
    req.node = any(rng, ids);
  auto timeout = std::chrono::milliseconds(between(rng, 100, 2000));
  auto label = "transfer "
               + (req.node.empty() ? std::string{"best"} : req.node.name);
  c.trace("sim: " + label + " on " + at.name);
  c.change(at, std::move(req), timeout, label);
}

/// Writes `opts` to `setup` as a scenario's cluster command writes it
/// (quorum=..., zones=...).
void describe_options(const cluster_options& opts, std::ostringstream& setup) {
  auto spec = opts.quorum.value_or(quorum_spec{});
  setup << "nodes=" << opts.nodes << " quorum=" << to_string(spec);
  if (auto labels = labels_to_string(spec); !labels.empty())
    setup << (spec.kind == quorum_kind::zones ? " zones=" : " weights=")
          << labels;
  setup << " pre_vote=" << opts.pre_vote
        << " check_quorum=" << opts.check_quorum
        << " lease_reads=" << opts.lease_reads
        << " batch=" << opts.max_batch_entries << " storage="
        << (opts.disk ? (opts.tear ? "disk+tear" : "disk") : "memory")
        << " snapshot_entries=" << opts.persistence.snapshot_threshold_entries
        << " chunk=" << opts.persistence.snapshot_chunk_bytes;
}

/// The profiles drawn from generators of their own (sim/profiles.hpp).
void profile_options(cluster_options& opts, const run_params& p,
                     std::ostringstream& setup) {
  if (churn_profile(p)) {
    churn_options(opts, p);
    setup << "churn ";
    return;
  }
  auto changes = membership_profile(p.seed, p.membership);
  if (changes)
    membership_options(opts, setup);
  if (auto q = labelled_quorum(p.seed, opts.nodes))
    opts.quorum = q;
  if (!changes && owned_terms(opts, p.seed, p.owned_terms)) {
    setup << "terms=owned ";
  } else if (changes && p.owned_terms.value_or(false)) {
    // Membership runs draw owned terms only when asked (`--membership
    // --terms owned`), keeping their quorum system (one safe under either
    // mode, so that the changes they draw stay valid): default seeds replay
    // as before.
    opts.terms = term_mode::owned;
    setup << "terms=owned ";
  }
  if (auto pl = random_placement(p.seed, opts.nodes, opts.quorum, setup))
    opts.placement = *pl;
}

} // namespace flexsync::sim
