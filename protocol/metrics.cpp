#include "protocol/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "protocol/assert.hpp"

namespace flexsync {

// -- histogram ------------------------------------------------------------------

histogram::histogram(double start, double factor, size_t count)
  : buckets_(count) {
  FLEXSYNC_ASSERT(count >= 1 && count <= max_buckets && start > 0
                    && factor > 1,
                  "histogram layout: " + std::to_string(count)
                    + " buckets from " + std::to_string(start) + " by "
                    + std::to_string(factor));
  auto bound = start;
  for (size_t i = 0; i < count; ++i) {
    bounds_[i] = bound;
    bound *= factor;
  }
}

void histogram::observe(double x, uint64_t n) {
  // Prometheus' `le`: the first bucket whose upper bound is >= x.
  auto end = bounds_.begin() + static_cast<ptrdiff_t>(buckets_);
  auto i = std::lower_bound(bounds_.begin(), end, x);
  if (i != end)
    counts_[static_cast<size_t>(i - bounds_.begin())] += n;
  count_ += n;
  sum_ += x * static_cast<double>(n);
}

uint64_t histogram::cumulative_count(size_t i) const {
  uint64_t n = 0;
  for (size_t j = 0; j <= i && j < buckets_; ++j)
    n += counts_[j];
  return n;
}

int64_t metrics_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

bool commit_latency_tracker::push(index_t last, int64_t taken_ns,
                                  uint64_t commands) {
  if (size_ == capacity)
    return false;
  FLEXSYNC_ASSERT(size_ == 0 || ring_[(head_ + size_ - 1) % capacity].last < last,
                  "commit latency batches out of log order at "
                    + to_string(last));
  ring_[(head_ + size_) % capacity] = batch{last, taken_ns, commands};
  ++size_;
  return true;
}

void commit_latency_tracker::on_commit(index_t commit, int64_t now_ns,
                                       histogram& h) {
  while (size_ > 0 && ring_[head_].last <= commit) {
    auto& b = ring_[head_];
    h.observe_ns(now_ns - b.taken_ns, b.commands);
    head_ = (head_ + 1) % capacity;
    --size_;
  }
}

uint64_t node_metrics::apply_lag() const {
  if (!log_store || !state_machine)
    return 0;
  auto commit = log_store->commit_index;
  auto applied = state_machine->last_applied;
  return commit > applied ? commit - applied : 0;
}

// -- exposition -----------------------------------------------------------------

namespace {

/// Go's float formatting as Prometheus reads it: integers without a
/// fraction, others in the shortest form that reads back exactly.
std::string format_value(double x) {
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  if (std::isnan(x))
    return "NaN";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

std::string escape_label(const std::string& x) {
  std::string out;
  for (char c : x) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

/// Writes families: each starts with its HELP and TYPE lines, then its
/// samples, every sample labeled with the node.
class writer {
public:
  explicit writer(const std::string& node)
    : node_label_("node=\"" + escape_label(node) + "\"") {
    // nop
  }

  void family(const char* name, const char* type, const char* help) {
    name_ = std::string{"flexsync_"} + name;
    out_ += "# HELP " + name_ + ' ' + help + '\n';
    out_ += "# TYPE " + name_ + ' ' + type + '\n';
  }

  /// A sample of the current family; `labels` like `peer="b"` or empty.
  void sample(double value, const std::string& labels = {},
              const char* suffix = "") {
    out_ += name_ + suffix + '{' + node_label_;
    if (!labels.empty())
      out_ += ',' + labels;
    out_ += "} " + format_value(value) + '\n';
  }

  void one(const char* name, const char* type, const char* help,
           double value) {
    family(name, type, help);
    sample(value);
  }

  void counter(const char* name, const char* help, const flexsync::counter& c) {
    one(name, "counter", help, static_cast<double>(c.value));
  }

  void gauge(const char* name, const char* help, double value) {
    one(name, "gauge", help, value);
  }

  void histogram(const char* name, const char* help,
                 const flexsync::histogram& h) {
    family(name, "histogram", help);
    for (size_t i = 0; i < h.bucket_count(); ++i)
      sample(static_cast<double>(h.cumulative_count(i)),
             "le=\"" + format_value(h.upper_bound(i)) + '"', "_bucket");
    sample(static_cast<double>(h.count()), "le=\"+Inf\"", "_bucket");
    sample(h.sum(), {}, "_sum");
    sample(static_cast<double>(h.count()), {}, "_count");
  }

  std::string take() { return std::move(out_); }

private:
  std::string node_label_;
  std::string name_;
  std::string out_;
};

double num(uint64_t x) {
  return static_cast<double>(x);
}

double num(bool x) {
  return x ? 1 : 0;
}

void put_election(writer& w, const election_metrics& e) {
  w.gauge("term", "Current Raft term as the election actor knows it.",
          num(e.term.value));
  w.gauge("role", "Raft role: 0 follower, 1 candidate, 2 leader.",
          static_cast<double>(e.role));
  w.gauge("is_leader", "1 when this node is the leader.",
          num(e.role == raft_role::leader));
  w.gauge("has_leader", "1 when a leader is known.", num(e.has_leader));
  w.counter("leader_changes_total", "Times the known leader changed.",
            e.leader_changes);
  w.counter("elections_started_total", "Campaigns started in a new term.",
            e.elections_started);
  w.counter("pre_votes_started_total", "Pre-vote rounds started.",
            e.pre_votes_started);
  w.counter("elections_won_total", "Campaigns that made this node leader.",
            e.elections_won);
}

void put_log_store(writer& w, const log_store_metrics& l) {
  w.gauge("commit_index", "Highest log index known committed.",
          num(l.commit_index.value));
  w.gauge("last_log_index", "Index of the last entry in the log.",
          num(l.last_index.value));
  w.gauge("snapshot_index", "Last index covered by the latest snapshot.",
          num(l.snapshot_index.value));
  w.gauge("log_entries", "Entries held in the log.", num(l.log_entries));
  w.gauge("log_bytes", "Payload bytes held in the log.", num(l.log_bytes));
  w.counter("log_appended_entries_total", "Entries appended to the log.",
            l.entries_appended);
  w.counter("log_appended_bytes_total", "Payload bytes appended to the log.",
            l.bytes_appended);
  w.counter("log_truncations_total",
            "Conflicting log suffixes dropped on a leader's request.",
            l.truncations);
  w.counter("votes_granted_total", "Votes granted (pre-votes included).",
            l.votes_granted);
  w.histogram("log_append_duration_seconds",
              "Duration of one storage append (write, no fsync).",
              l.append_seconds);
  w.histogram("log_fsync_duration_seconds",
              "Duration of one group-commit storage sync (an fsync with "
              "fsync=always).",
              l.fsync_seconds);
}

void put_replicator(writer& w, const replicator_metrics& r) {
  w.counter("proposals_appended_total",
            "Commands appended to the log by this node as leader.",
            r.proposals_appended);
  w.counter("proposals_forwarded_total",
            "Commands forwarded by this node to its leader.",
            r.proposals_forwarded);
  w.counter("read_index_forwarded_total",
            "Read index requests this node sent to its leader.",
            r.reads_forwarded);
  w.counter("read_index_rounds_total",
            "Leader: heartbeat rounds that confirmed reads.", r.read_rounds);
  w.counter("read_index_confirmed_total",
            "Leader: reads whose index it confirmed.", r.reads_confirmed);
  w.counter("read_lease_total",
            "Leader: reads answered from its lease, without a round.",
            r.reads_lease);
  w.histogram("commit_duration_seconds",
              "Leader: from taking a command to committing it, per command.",
              r.commit_seconds);
  w.counter("snapshot_sends_started_total",
            "Snapshot installs this leader started to a follower.",
            r.snapshot_sends_started);
  w.gauge("snapshot_sends_active",
          "Followers receiving a snapshot from this leader now.",
          num(r.snapshot_sends_active));
}

void put_state_machine(writer& w, const state_machine_metrics& s,
                       uint64_t lag) {
  w.gauge("applied_index", "Index of the last applied entry.",
          num(s.last_applied.value));
  w.gauge("apply_lag_entries", "Committed entries not applied yet.",
          num(lag));
  w.gauge("ready", "1 once the node caught up with a leader.", num(s.ready));
  w.gauge("pending_calls", "Calls submitted on this node, not answered yet.",
          num(s.pending_calls));
  w.counter("proposals_submitted_total", "Calls submitted on this node.",
            s.proposals_submitted);
  w.counter("proposals_committed_total",
            "Calls submitted on this node that were committed and applied.",
            s.proposals_committed);
  w.family("proposals_failed_total", "counter",
           "Calls submitted on this node that failed, by reason.");
  for (size_t i = 1; i < fail_reason_count; ++i)
    w.sample(num(s.proposals_failed[i].value),
             std::string{"reason=\""}
               + to_string(static_cast<fail_reason>(i)) + '"');
  w.counter("applied_entries_total", "Entries applied by the state machine.",
            s.entries_applied);
}

void put_snapshotter(writer& w, const snapshot_metrics& s) {
  w.counter("snapshots_taken_total", "Snapshots of this node made durable.",
            s.taken);
  w.counter("snapshots_failed_total", "Snapshots that could not be written.",
            s.failed);
  w.histogram("snapshot_duration_seconds",
              "From starting a snapshot to its file being durable.",
              s.duration_seconds);
  w.gauge("snapshot_size_bytes", "Size of the latest durable snapshot file.",
          num(s.last_size_bytes));
  w.counter("snapshots_installed_total",
            "Snapshots received from a leader and installed.", s.installed);
  w.gauge("snapshot_install_active",
          "1 while a snapshot from a leader is being received.",
          num(s.install_active));
  w.gauge("snapshot_install_received_bytes",
          "Bytes of the snapshot being received so far.",
          num(s.install_received_bytes));
  w.gauge("snapshot_install_total_bytes",
          "Size of the snapshot being received.",
          num(s.install_total_bytes));
}

void put_transport(writer& w, const transport_metrics& t) {
  using field = const counter peer_traffic::*;
  struct family {
    const char* name;
    const char* help;
    field f;
  };
  static const family families[] = {
    {"peer_sent_frames_total", "Frames sent to a peer.",
     &peer_traffic::frames_sent},
    {"peer_sent_bytes_total", "Bytes sent to a peer.",
     &peer_traffic::bytes_sent},
    {"peer_received_frames_total", "Frames received from a peer.",
     &peer_traffic::frames_received},
    {"peer_received_bytes_total", "Bytes received from a peer.",
     &peer_traffic::bytes_received},
    {"peer_rejected_frames_total",
     "Frames from a peer rejected as protocol violations (the link closes).",
     &peer_traffic::frames_rejected},
  };
  for (auto& fam : families) {
    w.family(fam.name, "counter", fam.help);
    for (auto& p : t.peers)
      w.sample(num((p.*fam.f).value),
               "peer=\"" + escape_label(p.peer.name) + '"');
  }
  w.counter("transport_rejected_connections_total",
            "Connections closed for a protocol violation or evicted from "
            "their handshake slot.",
            t.connections_rejected);
}

} // namespace

std::string to_prometheus(const node_metrics& m, const std::string& node) {
  writer w{node};
  w.gauge("uptime_seconds", "Seconds since the node started.",
          num(m.uptime_seconds));
  if (m.election)
    put_election(w, *m.election);
  if (m.log_store)
    put_log_store(w, *m.log_store);
  if (m.replicator)
    put_replicator(w, *m.replicator);
  if (m.state_machine)
    put_state_machine(w, *m.state_machine, m.apply_lag());
  if (m.snapshotter)
    put_snapshotter(w, *m.snapshotter);
  if (m.transport)
    put_transport(w, *m.transport);
  return w.take();
}

} // namespace flexsync
