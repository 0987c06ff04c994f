#pragma once

// Lease reads under clock-rate skew, a profile of the random runs (issue:
// random runs with lease reads under clock-rate skew). Every run with lease
// reads draws, from a generator of its own (so every other seed, and every
// other draw of these, replays as before), a rate for each node's clock
// within the bound node_config::clock_drift_bound promises (rate_bound in
// sim/clock_rate.hpp), swarm style: often the extremes, a slow-clock node
// among fast ones (the dangerous direction when it leads: its lease lasts
// longer in real time than its followers ignore candidates), half and half,
// a fast one among slow ones, rates drawn uniformly, or none. Its fault
// phase also cuts the leader off right after a lease read it answered, has
// the other nodes write the key it read while they elect a new leader,
// and reads it through the old leader's lease until that lease must have
// ended: with a lease that outlives its followers' stickiness, a stale
// read that the history check reports.

#include <random>
#include <sstream>
#include <vector>

#include "scenarios/random_sim.hpp"
#include "scenarios/sim/cluster.hpp"
#include "scenarios/sim/lin_workload.hpp"

namespace flexsync::sim {

/// Whether the run draws this profile: it has lease reads and p.clock_skew
/// is not forced off (which replays runs as they were before the profile).
bool lease_skew_profile(const run_params& p, const cluster_options& opts);

/// The clock rates of nodes 1 to opts.nodes + opts.spares for a run of the
/// profile (empty: every clock exact), written to `setup`; empty outside
/// the profile, and never the exact pattern with p.clock_skew forced on.
std::vector<double> lease_clock_rates(const run_params& p,
                                      const cluster_options& opts,
                                      std::ostringstream& setup);

/// The lease cut described above, aimed mostly at a leader whose clock is
/// slower than another live node's: heals the network (the links' faults
/// stay), restarts the nodes that are down (but spares), waits up to 2 s
/// for a settled leader, then cuts it off once it answered a lease read.
/// `opts`: the run's cluster.
void lease_cut_event(std::mt19937_64& rng, cluster& c, lin_workload& lin,
                     const cluster_options& opts);

} // namespace flexsync::sim
