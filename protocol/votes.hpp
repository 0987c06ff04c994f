#pragma once

// Leader election messages (§5.2), including pre-vote (Raft thesis §9.6).

#include "protocol/incarnation.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// What a campaign asks for.
enum class vote_kind : uint8_t {
  /// An ordinary election (§5.2): voters that hold their state decide.
  normal = 0,
  /// Forming a new cluster when every voter lost its state (or never had
  /// one): only such voters grant, and the candidate needs all of them.
  bootstrap = 1,
  /// An operator's explicit recovery from this candidate after a majority
  /// lost its state: voters that lost theirs grant and follow it.
  recover = 2,
};

const char* to_string(vote_kind x);

/// Sent by a candidate (or pre-candidate) to every voter.
struct request_vote {
  /// The candidate's term; for a pre-vote, the term it would campaign in.
  term_t term;
  /// Who asks for the vote.
  node_id candidate;
  /// Index of the last entry in the candidate's log (§5.4.1 up-to-date check).
  index_t last_log_index;
  /// Term of the last entry in the candidate's log; compared first.
  term_t last_log_term;
  /// True for a pre-vote: the receiver changes no state, it only says whether
  /// it would grant a real vote in `term`.
  bool pre_vote = false;
  /// True when the current leader hands over leadership: receivers skip the
  /// leader-stickiness check (leadership transfer, later issue).
  bool transfer = false;
  /// Ordinary, bootstrap or recovery campaign.
  vote_kind kind = vote_kind::normal;
  /// The candidate's incarnation: a promise binds a voter to it.
  incarnation_t incarnation;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_vote& x) {
  return f(x.term, x.candidate, x.last_log_index, x.last_log_term, x.pre_vote,
           x.transfer, x.kind, x.incarnation);
}

/// The answer to a `request_vote`; rejections are sent too, so a stale
/// candidate learns the newer term (replies_carry_term).
struct vote_reply {
  /// The voter's current term after handling the request; for a granted
  /// pre-vote, the term the request named. A rejected pre-vote carrying a
  /// higher term makes the pre-candidate adopt it (else a node whose term
  /// fell behind could never win a pre-vote, nor the node ahead win its vote
  /// if its log is stale: a livelock).
  term_t term;
  /// Who answers.
  node_id voter;
  /// Whether the vote (or pre-vote) was granted.
  bool granted = false;
  /// Echoes `request_vote::pre_vote`.
  bool pre_vote = false;
  /// The voter's incarnation: a tally ignores the vote once it learns of a
  /// newer one (the voter restarted and forgot it).
  incarnation_t incarnation;
  /// Every incarnation the voter knows when it answers, so the tally learns
  /// of restarts it has not seen itself (a crash vector).
  incarnation_map known;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vote_reply& x) {
  return f(x.term, x.voter, x.granted, x.pre_vote, x.incarnation, x.known);
}

/// A leader hands over its leadership (thesis §3.10, etcd's MsgTimeoutNow):
/// the receiver, a voter whose log the leader saw up to date, campaigns at
/// once, skipping pre-vote and leader stickiness. Sent by a leader that
/// removed itself from the configuration, once that is committed.
struct timeout_now {
  /// The sender's term: a receiver that moved on ignores it.
  term_t term;
  /// Who hands over.
  node_id leader;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timeout_now& x) {
  return f(x.term, x.leader);
}

} // namespace flexsync
