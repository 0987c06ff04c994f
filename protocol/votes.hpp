#pragma once

// Leader election messages (§5.2), including pre-vote (Raft thesis §9.6).

#include "protocol/types.hpp"

namespace flexsync {

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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_vote& x) {
  return f(x.term, x.candidate, x.last_log_index, x.last_log_term, x.pre_vote,
           x.transfer);
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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vote_reply& x) {
  return f(x.term, x.voter, x.granted, x.pre_vote);
}

} // namespace flexsync
