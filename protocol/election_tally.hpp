#pragma once

// Counting votes (§5.2) against the election quorum.
//
// Votes are counted per voter incarnation (incarnation.hpp): a vote whose
// voter is known, from any reply of this tally, to have restarted since no
// longer counts. Its old incarnation granted it; the new one forgot it and
// may vote again in the same term, so counting both could crown two
// leaders.

#include <map>

#include "protocol/quorum.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

enum class election_outcome : uint8_t { pending, won, lost };

const char* to_string(election_outcome x);

/// The votes of one campaign (or pre-campaign) in one term. Each voter counts
/// once, whatever the network duplicates or reorders.
class election_tally {
public:
  election_tally() = default;

  /// `require_all`: the candidate needs the vote of every voter (a
  /// bootstrap), not an election quorum.
  election_tally(quorum_system quorum, term_t term, bool pre_vote,
                 bool require_all = false);

  /// Records a reply. Replies for another term or phase, from non-voters, or
  /// repeated by the same voter incarnation do not change the tally; a
  /// refused pre-vote of a lower term (the voter's own) counts as a refusal.
  /// Returns whether the reply was counted.
  bool record(const vote_reply& reply);

  /// Records the candidate's own vote.
  void record_self(const node_id& self, incarnation_t incarnation = {});

  /// Won once the granted votes of current incarnations form an election
  /// quorum (every voter, with require_all); lost once the voters that have
  /// not refused can no longer form one.
  election_outcome outcome() const;

  term_t term() const { return term_; }
  bool pre_vote() const { return pre_vote_; }
  /// Voters whose current incarnation granted / refused.
  node_set granted() const;
  node_set refused() const;

private:
  struct answer {
    incarnation_t incarnation;
    bool granted = false;
  };

  /// The voters that answered, in their latest known incarnation, `granted`.
  node_set current(bool granted) const;
  bool is_enough(const node_set& xs) const;

  quorum_system quorum_;
  term_t term_;
  bool pre_vote_ = false;
  bool require_all_ = false;
  std::map<node_id, answer> answers_;
  incarnation_map known_;
};

} // namespace flexsync
