#pragma once

// Clocks that run at different rates, in a simulator with one virtual clock.
//
// Every node of the simulated cluster runs in one actor system on CAF's
// test_coordinator, so they all read the same clock. A node whose clock runs
// at rate r (it measures a real duration d as r·d) is simulated by dividing
// every duration it measures by r: each of its time-based decisions compares
// a difference of its own clock readings (now - last_leader_contact, now -
// fo.last_reply, a lease's end minus a round's send time, a deadline it set
// itself) or a delayed_send it armed itself against a configured duration D,
// and "r·(t2 - t1) >= D" is "t2 - t1 >= D / r". No message between nodes
// carries a clock reading that the receiver compares with its own: requests
// forwarded to the leader carry a relative budget (change_request::
// budget_ns), read rounds are numbered, not timed. So the node behaves
// exactly as if its clock ran at rate r.
//
// What it does not cover: (1) entry times, which the leader stamps with its
// wall clock and every replica's time-based objects read: a clock mixed
// across nodes on purpose, whose offset cluster::skew_clock sets; the
// simulator runs a node's wall clock at its rate too (entry times then drift
// apart between leaders, as real ones would). (2) A few fixed intervals in
// the actors that are no configured duration (snapshot reaping, status
// windows of recovery probes, recovery log lines): no decision of the
// protocol depends on them. (3) Deadlines a client gives per call, which the
// harness measures in virtual time (a client's own clock).

#include "protocol/config.hpp"

namespace flexsync::sim {

/// `cfg` as a node whose clock runs at `rate` (> 0; 1: exact) sees it, in
/// the simulator's virtual time: every duration of node_config divided by
/// `rate`: heartbeat_interval, election_timeout_min/max,
/// leader_fallback_timeout, clock_drift_bound (the lease, election_timeout_min
/// - clock_drift_bound, is measured on the leader's clock),
/// default_call_timeout, transfer_timeout, placement's settle, interval and
/// workload_window, and persistence's fsync_period, snapshot_interval and
/// snapshot_check_interval. Every inequality node_config validates between
/// durations holds after as before.
node_config at_clock_rate(node_config cfg, double rate);

/// The largest e such that clocks with rates in [1 - e, 1 + e] keep the
/// promise of node_config::clock_drift_bound: two nodes' measures of
/// election_timeout_min differ by at most `drift`, i.e. for any two rates
/// min·|1/r_i - 1/r_j| <= drift. The widest pair is 1 - e and 1 + e:
/// min·(1/(1-e) - 1/(1+e)) = min·2e/(1-e²) <= drift, that is
/// drift·e² + 2·min·e - drift <= 0, so e <= (sqrt(min² + drift²) - min) /
/// drift (0.0622 for min = 160 ms and drift = 20 ms, 0.236 for 40 and 20),
/// taken 0.1 % smaller so that rounding durations to nanoseconds keeps it.
///
/// Why the lease then holds: a leader L with rate r_L confirms a round sent
/// at real time s and answers from its lease until s + (min - drift)/r_L. A
/// follower F that echoed the round heard L at some t_F >= s and ignores
/// vote requests until t_F + min/r_F. The lease is longest in real time at
/// r_L = 1 - e, stickiness shortest at r_F = 1 + e, and there the promise
/// gives min/(1+e) >= min/(1-e) - drift >= (min - drift)/(1-e) (as
/// drift/(1-e) >= drift): every echoing follower still ignores candidates
/// when the lease ends. So the dangerous direction is a slow-clock leader
/// (its lease lasts longer in real time) with fast-clock followers (their
/// stickiness ends sooner); without the margin (a lease of min) the
/// leader would outlive its followers' stickiness by up to
/// min·(1/(1-e) - 1/(1+e)) = drift.
double rate_bound(std::chrono::nanoseconds election_timeout_min,
                  std::chrono::nanoseconds drift);

} // namespace flexsync::sim
