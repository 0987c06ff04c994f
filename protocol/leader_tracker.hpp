#pragma once

// The leader's bookkeeping of its followers, in the shape of etcd-raft's
// `tracker` package: per follower its replication progress, its last reply,
// its incarnation and whether it counts; over all of them the decisions the
// leader makes from that state. Every "is this set enough?" goes through
// the quorum system: the commit index (commit_rule), check-quorum and
// has_quorum (check_quorum).
//
// The replicator actor's follower record derives from tracked_follower and
// adds what only the actor needs (reads and snapshot installs in flight).

#include <map>
#include <optional>

#include "protocol/check_quorum.hpp"
#include "protocol/commit_rule.hpp"
#include "protocol/incarnation.hpp"
#include "protocol/progress.hpp"

namespace flexsync {

struct tracked_follower {
  explicit tracked_follower(progress p) : prog(std::move(p)) {}

  progress prog;
  /// The last commit index sent to it.
  index_t commit_sent;
  /// When it last answered (the leader's clock); a leader starts it at its
  /// own start, a grace period for check-quorum.
  sim_time last_reply{0};
  /// It answered this leader at least once (last_reply is a real answer).
  bool heard = false;
  /// The incarnation in its latest reply (0 before one): a newer one
  /// restarted and lost what the older acknowledged.
  incarnation_t incarnation;
  /// Its latest reply says it counts toward this leader's quorums (false
  /// while it recovers a lost state). Assumed until it answers.
  bool counts = true;
  /// A read-only node: replicated to, never counted (the quorum system
  /// ignores non-voters).
  bool learner = false;
  /// The highest code version it supports, from its latest reply; nothing
  /// before it answered.
  std::optional<uint32_t> code_version;
};

/// What a reply from a follower of the current term does to its record.
enum class reply_effect {
  /// From an older incarnation of the follower: ignore it.
  stale,
  /// Accepted.
  accepted,
  /// Accepted; the follower restarted without what its old incarnation
  /// acknowledged, so its progress starts over from `leader_last`.
  restarted,
};

/// Records a reply of `f` (already checked to be of the leader's term).
/// `counts`: the reply's flag, none for replies that do not carry it.
reply_effect accept_reply(tracked_follower& f, incarnation_t incarnation,
                          std::optional<bool> counts, sim_time now,
                          index_t leader_last, size_t max_inflight);

/// An asynchronous answer to something the leader started in `asked_in`
/// (a log read, an append, a snapshot chunk, a reply) still applies only
/// while the node leads that very term: a later leadership has other
/// followers' positions and another log end.
inline bool still_leading(bool leading, term_t lead_term, term_t asked_in) {
  return leading && lead_term == asked_in;
}

/// A reply with a term above both the node's term and the term it leads
/// ends its leadership (§5.1).
bool reply_deposes(term_t reply_term, term_t node_term, term_t lead_term);

/// The commit index a leader may send a follower: no higher than what the
/// message or the follower's match index proves it holds (`verified`), so
/// it never commits an entry it has not verified.
inline index_t commit_to_send(index_t commit, index_t verified) {
  return std::min(commit, verified);
}

/// What a heartbeat tells a follower about the leader's commit index.
struct commit_news {
  /// min(commit, match index): entries the leader verified it holds.
  index_t verified;
  /// The commit index and its entry's term, once the follower was sent
  /// the entries up to it and the leader knows that term (else 0): the
  /// follower commits it if it holds that entry (heartbeat_commit).
  index_t hint;
  term_t hint_term;
  /// The highest commit index the follower may learn from it.
  index_t told() const { return std::max(verified, hint); }
};

/// The news for `f` of the leader's `commit`, whose entry has term
/// `commit_term` (0 when the leader no longer holds the entry).
inline commit_news news_for(const tracked_follower& f, index_t commit,
                            term_t commit_term) {
  commit_news n{commit_to_send(commit, f.prog.match_index()), {}, {}};
  if (commit_term != term_t{0} && f.prog.next_index() > commit) {
    n.hint = commit;
    n.hint_term = commit_term;
  }
  return n;
}

/// The follower would learn a higher commit index than it was told: it
/// needs the news (it may wait to answer a caller). Without waiting for its
/// ack when it was sent the committed entries (news_for).
inline bool needs_commit_news(const tracked_follower& f, index_t commit,
                              term_t commit_term) {
  return news_for(f, commit, commit_term).told() > f.commit_sent;
}

/// The leader's new commit index: its own durable index and the match
/// indexes of the followers that count, through the commit rule.
template <class Follower>
index_t leader_commit(const quorum_system& quorum, const node_id& self,
                      index_t self_durable,
                      const std::map<node_id, Follower>& followers,
                      index_t first_index_of_term, index_t commit) {
  std::map<node_id, index_t> match{{self, self_durable}};
  for (auto& [id, f] : followers)
    if (f.counts)
      match.emplace(id, f.prog.match_index());
  return advance_commit(quorum, match, first_index_of_term, commit);
}

/// Check-quorum and has_quorum: the leader and the followers that count
/// and answered within `window` form a replication quorum.
template <class Follower>
bool replying_quorum(const quorum_system& quorum, const node_id& self,
                     const std::map<node_id, Follower>& followers,
                     sim_time now, sim_time window) {
  std::map<node_id, sim_time> replies;
  for (auto& [id, f] : followers)
    if (f.counts)
      replies.emplace(id, f.last_reply);
  return has_active_quorum(quorum, self, replies, now, window);
}

/// The lowest index some follower (or the leader's durable log) still
/// needs, for trimming the leader's entry cache.
template <class Follower>
index_t lowest_match(index_t self_durable,
                     const std::map<node_id, Follower>& followers) {
  auto lo = self_durable;
  for (auto& [id, f] : followers)
    lo = std::min(lo, f.prog.match_index());
  return lo;
}

} // namespace flexsync
