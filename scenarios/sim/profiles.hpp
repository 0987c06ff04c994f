#pragma once

// Profiles of random runs, each drawn for about one seed in eight from a
// generator of its own (so every other seed replays as before):
//
// Leader churn: short-lived leaders that crash and come back, one entry per
// append (Raft's Figure 8 history; see churn_profile).
//
// Membership: the run is on disks with spare nodes, and its fault phase also changes the membership
// at random moments: spare nodes start and join, voters are added, removed
// and replaced several at once, learners come and go, and the quorum system
// changes, all while crashes, partitions and snapshot installs go on. The
// safety properties judge the run as always; the checker also verifies that
// every configuration a node holds is one its log holds.

#include <random>
#include <sstream>

#include "scenarios/random_sim.hpp"
#include "scenarios/sim/cluster.hpp"

namespace flexsync::sim {

/// Whether `p` runs the leader-churn profile, and its cluster.
bool churn_profile(const run_params& p);
void churn_options(cluster_options& opts, const run_params& p);

/// About one seed in five with three or more nodes: a weighted or zones
/// quorum system over nodes 1..`nodes` that is safe with shared terms
/// (grids are not: nodes refuse them until terms can be owned), from a
/// generator of its own so other seeds replay as before. Nothing otherwise.
std::optional<quorum_spec> labelled_quorum(uint64_t seed, size_t nodes);

/// About one seed in four with three or more nodes (the caller skips it for
/// membership runs, whose changes need a system safe for any voters): owned terms and
/// a quorum system that is safe only with them (counting with 2*Q1 <= n, a
/// grid of two or more election lines) in `opts`, from a generator of its
/// own (`forced`: on for every such seed, or off). Returns whether it did.
bool owned_terms(cluster_options& opts, uint64_t seed,
                 std::optional<bool> forced);

/// About one seed in four: a leader placement (node_config::placement) of
/// random priorities, zones (the quorum system's when it has them), a
/// preferred zone, or workload following, with short settle and interval
/// so hand-overs happen within a run; from a generator of its own. Written
/// to `setup` as a scenario's cluster options. Nothing otherwise.
std::optional<placement_policy>
random_placement(uint64_t seed, size_t nodes,
                 const std::optional<quorum_spec>& q, std::ostringstream& setup);

/// Whether seed `seed` runs the membership profile (`forced` overrides).
bool membership_profile(uint64_t seed, std::optional<bool> forced);

/// The profile's cluster: disks, and spare nodes that may join.
void membership_options(cluster_options& opts, std::ostringstream& setup);

/// One random membership event, asked of a random node.
void membership_event(std::mt19937_64& rng, cluster& c);

/// A leadership transfer asked of a random node, to a random node or to
/// the best voter (flexsync-sim --transfers).
void transfer_event(std::mt19937_64& rng, cluster& c);

/// The profiles drawn from generators of their own, each in `opts`, and
/// written to `setup`: leader churn, or membership, labelled quorum
/// systems, owned terms and placement.
void profile_options(cluster_options& opts, const run_params& p,
                     std::ostringstream& setup);

/// Writes `opts` to `setup` as a scenario's cluster command writes it
/// (quorum=..., zones=...).
void describe_options(const cluster_options& opts, std::ostringstream& setup);

} // namespace flexsync::sim
