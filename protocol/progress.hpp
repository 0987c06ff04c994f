#pragma once

// The leader's view of one follower's log (§5.3 nextIndex/matchIndex), with
// etcd-style flow control: a follower is either probed (one append at a time
// until its log position is found) or replicated to (appends pipelined up to a
// window of in-flight messages).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "protocol/types.hpp"

namespace flexsync {

/// How many heartbeats without progress make the leader re-probe a
/// follower: 2, or half the minimum election timeout when that is longer,
/// so that a round trip longer than two heartbeats (a WAN link) does not
/// look like a loss and re-send every append in flight. A lost append is
/// found sooner anyway: the follower rejects the next one.
inline size_t stall_heartbeats(std::chrono::nanoseconds election_timeout_min,
                               std::chrono::nanoseconds heartbeat_interval) {
  auto beats = heartbeat_interval.count() > 0
                 ? election_timeout_min / heartbeat_interval / 2
                 : 0;
  return std::max<size_t>(2, static_cast<size_t>(beats));
}

class progress {
public:
  enum class state : uint8_t { probe, replicate };

  progress() = default;

  /// A new leader assumes the follower is up to date: next = last + 1,
  /// match = 0, probing (§5.3).
  progress(index_t leader_last_index, size_t max_inflight);

  /// Highest index known to be replicated on the follower; never decreases.
  index_t match_index() const { return match_; }

  /// Index of the next entry to send.
  index_t next_index() const { return next_; }

  state mode() const { return state_; }

  /// Whether another append with entries may be sent now.
  bool can_send() const;

  /// Records an append that carried entries up to `last_sent`.
  void on_sent(index_t last_sent);

  /// Records a successful reply matching up to `index`. Returns whether the
  /// match index advanced.
  bool on_success(index_t index);

  /// Records a rejection of an append whose prev_log_index was `rejected`,
  /// with the follower's retry `hint`. Returns false when the rejection is
  /// stale (a reordered or duplicated reply) and was ignored.
  bool on_reject(index_t rejected, index_t hint);

  /// The follower installed a snapshot ending at `last`: continue after it,
  /// probing.
  void on_snapshot_installed(index_t last);

  /// Called once per heartbeat: lets a probe be resent and, when pipelined
  /// appends made no progress for `stall_heartbeats` heartbeats (lost
  /// messages), falls back to probing from match + 1.
  void on_heartbeat(size_t stall_heartbeats = 2);

  /// Number of appends in flight (replicate mode).
  size_t inflight() const { return inflight_.size(); }

private:
  void become_probe(index_t next);
  /// match < next, and nothing in flight at or below match.
  void check() const;

  index_t match_;
  index_t next_{1};
  state state_ = state::probe;
  size_t max_inflight_ = 1;
  bool probe_sent_ = false;
  size_t idle_heartbeats_ = 0;
  /// Last index of each append in flight, ascending.
  std::deque<index_t> inflight_;
};

} // namespace flexsync
