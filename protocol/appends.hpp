#pragma once

// Log replication messages (§5.3) and heartbeats.

#include "protocol/incarnation.hpp"
#include "protocol/log_entry.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// Sent by the leader to replicate entries and to assert its leadership.
struct append_entries {
  /// The leader's term.
  term_t term;
  /// The leader, so followers can forward client commands to it.
  node_id leader;
  /// Index of the entry immediately preceding `entries`.
  index_t prev_log_index;
  /// Term of that entry; the follower must hold it for the append to match.
  term_t prev_log_term;
  /// Entries to store, in index order (empty for a heartbeat).
  entry_list entries;
  /// The leader's commit index; followers commit up to what they verified.
  index_t leader_commit;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_entries& x) {
  return f(x.term, x.leader, x.prev_log_index, x.prev_log_term, x.entries,
           x.leader_commit);
}

/// A follower's answer to `append_entries`.
struct append_reply {
  /// The follower's current term after handling the append.
  term_t term;
  /// Who answers.
  node_id follower;
  /// True when the follower's log matched at `prev_log_index`.
  bool success = false;
  /// On success: the highest index known to match the leader's log
  /// (prev_log_index + number of entries). On failure: the rejected
  /// prev_log_index, so the leader can discard stale rejections.
  index_t index;
  /// On failure: where the leader should retry from. It skips a whole
  /// conflicting term per round trip (§5.3, "fast backtracking"): the first
  /// index the follower holds for the conflicting term, or its last index + 1
  /// when its log is too short.
  index_t hint;
  /// On failure: the follower's last log index, for status and probing.
  index_t last_log_index;
  /// The follower's incarnation: a newer one lost what the older acked.
  incarnation_t incarnation;
  /// Whether the follower counts toward this leader's quorums (commit,
  /// check-quorum): false while it recovers a lost state.
  bool counts = true;
  /// The highest code version the follower supports (its
  /// max_code_version): the leader enables a version only when every
  /// voter said recently that it supports it (protocol/code_version.hpp).
  uint32_t code_version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_reply& x) {
  return f(x.term, x.follower, x.success, x.index, x.hint, x.last_log_index,
           x.incarnation, x.counts, x.code_version);
}

/// Sent by the leader every heartbeat interval to each follower. It carries no
/// log position: it asserts leadership (resetting election timers) and
/// advances the follower's commit index up to what the leader knows matches.
struct heartbeat {
  /// The leader's term.
  term_t term;
  /// The leader.
  node_id leader;
  /// min(leader's commit index, this follower's match index): entries up to
  /// it are committed and verified equal on the follower.
  index_t leader_commit;
  /// The leader's latest read confirmation round (protocol/read_index.hpp),
  /// echoed in the reply; 0 before the first.
  uint64_t read_round = 0;
  /// The leader's commit index and the term of its entry there, once the
  /// leader sent this follower the entries up to it (0 otherwise): a
  /// follower holding that entry holds the leader's log up to it (Log
  /// Matching, §5.3) and commits it without waiting for the leader to learn
  /// its match index (protocol/follower_rules.hpp, heartbeat_commit).
  index_t commit_hint;
  term_t commit_hint_term;
  /// The follower's incarnation the leader last heard (0 before a reply)
  /// and the leader's commit index when it sent this: a node that lost its
  /// state rejoins in the leader's term only once it committed that far,
  /// past every entry its old incarnation helped commit (recovery.hpp).
  incarnation_t known_incarnation;
  index_t commit_index;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat& x) {
  return f(x.term, x.leader, x.leader_commit, x.read_round, x.commit_hint,
           x.commit_hint_term, x.known_incarnation, x.commit_index);
}

/// A follower's answer to a heartbeat; feeds check-quorum.
struct heartbeat_reply {
  /// The follower's current term after handling the heartbeat.
  term_t term;
  /// Who answers.
  node_id follower;
  /// The follower's last log index (lets the leader see it lags).
  index_t last_log_index;
  /// As in append_reply.
  incarnation_t incarnation;
  bool counts = true;
  /// Echoes heartbeat::read_round.
  uint64_t read_round = 0;
  /// As in append_reply.
  uint32_t code_version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_reply& x) {
  return f(x.term, x.follower, x.last_log_index, x.incarnation, x.counts,
           x.read_round, x.code_version);
}

} // namespace flexsync
