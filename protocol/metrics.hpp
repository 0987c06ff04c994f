#pragma once

// Operator metrics of one node as plain values: counters, gauges and
// latency histograms with fixed exponential buckets, grouped by the actor
// that owns them, and their rendering in the Prometheus text exposition
// format (version 0.0.4). etcd's set is the anchor (term, leader changes,
// proposals by outcome, commit/apply indexes, WAL fsync and commit
// latencies, snapshots, per-peer traffic).
//
// Each actor keeps its part inside its own state and bumps it where the
// event happens: plain integers, no locks, no allocation, no message per
// command. node::metrics() asks the actors for their parts (like status)
// and composes a node_metrics. A part is empty when its actor did not
// answer; its families are then left out of the exposition.
//
// Latencies come from a steady clock read next to the event (metrics_now):
// they are observations only and never feed a Raft decision, so they need
// not come from the actor clock (which is virtual in the simulator).
//
// CAF-free; unit-tested in tests/protocol/metrics_test.cpp.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/fail_reason.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// A monotonically increasing count (Prometheus counter).
struct counter {
  /// The count.
  uint64_t value = 0;

  /// Adds `n`.
  void add(uint64_t n = 1) { value += n; }
};

/// A value that goes up and down (Prometheus gauge).
struct gauge {
  /// The current value.
  double value = 0;

  /// Sets the value to `x`.
  void set(double x) { value = x; }
};

/// Observations counted into fixed buckets with exponentially growing upper
/// bounds start, start*factor, start*factor^2, ... (Prometheus histogram:
/// cumulative `le` buckets, plus the implicit +Inf one, a sum and a count).
/// Fixed-size storage: observing never allocates.
class histogram {
public:
  /// The most finite buckets a histogram has.
  static constexpr size_t max_buckets = 32;

  /// The latency layout (seconds): 10 µs doubling up to about 21 s.
  histogram() : histogram(1e-5, 2, 22) {}

  /// `count` finite buckets (1..max_buckets), `start` > 0, `factor` > 1.
  histogram(double start, double factor, size_t count);

  /// Counts `n` observations of value `x` (`x` lands in the first bucket
  /// whose upper bound is >= x; above the last bound only +Inf holds it).
  void observe(double x, uint64_t n = 1);

  /// A duration in nanoseconds, observed in seconds.
  void observe_ns(int64_t ns, uint64_t n = 1) { observe(ns * 1e-9, n); }

  /// Finite buckets (the +Inf bucket is count()).
  size_t bucket_count() const { return buckets_; }

  /// Upper bound of finite bucket `i` (below bucket_count()).
  double upper_bound(size_t i) const { return bounds_[i]; }

  /// Observations <= upper_bound(i) (Prometheus' cumulative bucket).
  uint64_t cumulative_count(size_t i) const;

  /// All observations (the +Inf bucket).
  uint64_t count() const { return count_; }

  /// Sum of all observed values.
  double sum() const { return sum_; }

private:
  std::array<double, max_buckets> bounds_{};
  /// Observations per bucket, not cumulative (cumulated when read).
  std::array<uint64_t, max_buckets> counts_{};
  size_t buckets_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
};

/// Nanoseconds of a steady clock, for latencies.
int64_t metrics_now();

/// The leader's commit latency: batches of commands it appended and has not
/// committed yet, each with the time it took them. Batches are appended in
/// log order, so they commit in the order pushed. Fixed capacity, never
/// allocates; a batch that finds it full is not sampled.
class commit_latency_tracker {
public:
  /// Batches tracked at most.
  static constexpr size_t capacity = 256;

  /// Commands up to `last`, `commands` of them, taken at `taken_ns`.
  /// Returns false (not sampled) when full.
  bool push(index_t last, int64_t taken_ns, uint64_t commands);

  /// The commit index reached `commit` at `now_ns`: every batch at or below
  /// it is observed into `h`, once per command.
  void on_commit(index_t commit, int64_t now_ns, histogram& h);

  /// Leadership ended: what is left never commits under this leader.
  void clear() { size_ = 0; }

  /// Batches appended and not committed yet.
  size_t size() const { return size_; }

private:
  struct batch {
    index_t last;
    int64_t taken_ns = 0;
    uint64_t commands = 0;
  };
  std::array<batch, capacity> ring_{};
  size_t head_ = 0;
  size_t size_ = 0;
};

// -- the parts, one per actor ------------------------------------------------

/// Election actor: role and elections.
struct election_metrics {
  /// Raft role: follower, candidate or leader.
  raft_role role = raft_role::follower;
  /// Current Raft term as the election actor knows it.
  term_t term;
  /// A leader is known.
  bool has_leader = false;
  /// The known leader became a different node (self included).
  counter leader_changes;
  /// Campaigns in a new term (after a won pre-vote, or without one).
  counter elections_started;
  /// Pre-vote rounds started.
  counter pre_votes_started;
  /// Campaigns that ended with this node leading.
  counter elections_won;
};

/// Log store: durable state, appends and syncs.
struct log_store_metrics {
  /// The current term as stored durably.
  term_t current_term;
  /// Highest log index known committed.
  index_t commit_index;
  /// Index of the last entry in the log.
  index_t last_index;
  /// Last index covered by the latest snapshot (0 without one).
  index_t snapshot_index;
  /// Entries held in the log.
  uint64_t log_entries = 0;
  /// Payload bytes held in the log.
  uint64_t log_bytes = 0;
  /// Entries appended to the log.
  counter entries_appended;
  /// Payload bytes appended to the log.
  counter bytes_appended;
  /// Conflicting suffixes a leader made this node drop (§5.3).
  counter truncations;
  /// Votes granted (pre-votes included).
  counter votes_granted;
  /// One storage append (the write, not the fsync).
  histogram append_seconds;
  /// One group-commit storage sync (an fsync under fsync=always).
  histogram fsync_seconds;
};

/// Replicator: the leader's side of proposals.
struct replicator_metrics {
  /// This node's replicator acts as leader.
  bool leading = false;
  /// Commands this node appended to its log as leader (its own and
  /// forwarded ones).
  counter proposals_appended;
  /// Commands this node forwarded to its leader.
  counter proposals_forwarded;
  /// Read index requests this node sent to its leader.
  counter reads_forwarded;
  /// Leader: read confirmation rounds (protocol/read_index.hpp) started.
  counter read_rounds;
  /// Leader: reads whose index it confirmed (its own and followers').
  counter reads_confirmed;
  /// Leader: reads answered from its lease, without a round.
  counter reads_lease;
  /// From the leader taking a batch of commands to the commit index passing
  /// it, one observation per command.
  histogram commit_seconds;
  /// Snapshot installs this leader started to a follower.
  counter snapshot_sends_started;
  /// Followers receiving a snapshot from this leader now.
  uint64_t snapshot_sends_active = 0;
};

/// Number of fail_reason values (success included).
constexpr size_t fail_reason_count = static_cast<size_t>(last_fail_reason) + 1;

/// State machine actor: calls submitted on this node and applies.
struct state_machine_metrics {
  /// Index of the last applied entry.
  index_t last_applied;
  /// The node caught up with a leader once (node::is_ready()).
  bool ready = false;
  /// Calls submitted on this node, not answered yet.
  uint64_t pending_calls = 0;
  /// Calls submitted on this node.
  counter proposals_submitted;
  /// Calls submitted on this node whose entry was committed and applied.
  counter proposals_committed;
  /// Failed calls, indexed by fail_reason (index 0, success, stays 0).
  std::array<counter, fail_reason_count> proposals_failed{};
  /// Entries applied by the state machine (every kind, not only commands).
  counter entries_applied;
};

/// Snapshotter: snapshots taken here and received from a leader.
struct snapshot_metrics {
  /// Snapshots of this node made durable.
  counter taken;
  /// Snapshots that could not be written.
  counter failed;
  /// From asking the state machine to the snapshot being durable.
  histogram duration_seconds;
  /// Size of the latest durable snapshot file (taken or installed).
  uint64_t last_size_bytes = 0;
  /// Snapshots received from a leader and installed.
  counter installed;
  /// A snapshot from a leader is being received, and how far.
  bool install_active = false;
  /// Bytes of the snapshot being received so far.
  uint64_t install_received_bytes = 0;
  /// Size of the snapshot being received.
  uint64_t install_total_bytes = 0;
};

/// Traffic with one peer. Frames include the handshake and pings of the
/// TCP transport; bytes are on the wire (length prefix and sealing too).
struct peer_traffic {
  /// The peer.
  node_id peer;
  /// Frames sent to the peer.
  counter frames_sent;
  /// Bytes sent to the peer.
  counter bytes_sent;
  /// Frames received from the peer.
  counter frames_received;
  /// Bytes received from the peer.
  counter bytes_received;
  /// Frames that closed the link with this peer (protocol violations).
  counter frames_rejected;
};

/// Transport: per-peer traffic. The in-process network reports none.
struct transport_metrics {
  /// Sorted by peer.
  std::vector<peer_traffic> peers;
  /// Connections closed for a protocol violation or evicted from their
  /// handshake slot (with a known peer or not).
  counter connections_rejected;
};

/// Every part of a node's metrics; a part is empty when its actor did not
/// answer in time.
struct node_metrics {
  /// The node these metrics are of.
  node_id self;
  /// The election actor's part.
  std::optional<election_metrics> election;
  /// The log store's part.
  std::optional<log_store_metrics> log_store;
  /// The replicator's part.
  std::optional<replicator_metrics> replicator;
  /// The state machine actor's part.
  std::optional<state_machine_metrics> state_machine;
  /// The snapshotter's part.
  std::optional<snapshot_metrics> snapshotter;
  /// The transport's part.
  std::optional<transport_metrics> transport;
  /// Whole seconds since the node was constructed.
  uint64_t uptime_seconds = 0;

  /// Committed entries not applied yet (0 without both parts).
  uint64_t apply_lag() const;
};

/// The Prometheus text exposition of `m`: for each family a `# HELP` and a
/// `# TYPE` line, then its samples; names start with `flexsync_`, every
/// sample carries `node="<node>"`, per-peer ones `peer="..."`, failures
/// `reason="..."`. Families of missing parts are left out.
std::string to_prometheus(const node_metrics& m, const std::string& node);

/// Checks that `text` is well-formed exposition text as to_prometheus
/// writes it (HELP/TYPE before samples, known types, sample names of a
/// declared family, well-formed labels, numeric values, cumulative and
/// complete histogram buckets). Returns the first problem, or nothing.
std::optional<std::string> check_prometheus_text(const std::string& text);

} // namespace flexsync
