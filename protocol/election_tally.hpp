#pragma once

// Counting votes (§5.2) against the election quorum.

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
  election_tally(quorum_system quorum, term_t term, bool pre_vote);

  /// Records a reply. Replies for another term or phase, from non-voters, or
  /// repeated by the same voter do not change the tally. Returns whether the
  /// reply was counted.
  bool record(const vote_reply& reply);

  /// Records the candidate's own vote.
  void record_self(const node_id& self);

  /// Won once the granted votes form an election quorum; lost once the voters
  /// that have not refused can no longer form one.
  election_outcome outcome() const;

  term_t term() const { return term_; }
  bool pre_vote() const { return pre_vote_; }
  const node_set& granted() const { return granted_; }
  const node_set& refused() const { return refused_; }

private:
  quorum_system quorum_;
  term_t term_;
  bool pre_vote_ = false;
  node_set granted_;
  node_set refused_;
};

} // namespace flexsync
