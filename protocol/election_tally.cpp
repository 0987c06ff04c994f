#include "protocol/election_tally.hpp"

namespace flexsync {

const char* to_string(election_outcome x) {
  switch (x) {
    case election_outcome::pending:
      return "pending";
    case election_outcome::won:
      return "won";
    default:
      return "lost";
  }
}

election_tally::election_tally(quorum_system quorum, term_t term,
                               bool pre_vote, bool require_all)
  : quorum_(std::move(quorum)),
    term_(term),
    pre_vote_(pre_vote),
    require_all_(require_all) {
  // nop
}

bool election_tally::record(const vote_reply& reply) {
  if (reply.pre_vote != pre_vote_)
    return false;
  // A refused pre-vote carries the voter's own term, which is not higher
  // (a pre-vote changes no term): it still refuses this round.
  auto refused_pre_vote = pre_vote_ && !reply.granted && reply.term < term_;
  if (reply.term != term_ && !refused_pre_vote)
    return false;
  if (!quorum_.is_voter(reply.voter))
    return false;
  known_.merge(reply.known);
  known_.merge(reply.voter, reply.incarnation);
  auto i = answers_.find(reply.voter);
  if (i != answers_.end() && i->second.incarnation >= reply.incarnation)
    return false; // each voter incarnation counts once per term
  answers_[reply.voter] = answer{reply.incarnation, reply.granted};
  return true;
}

void election_tally::record_self(const node_id& self,
                                 incarnation_t incarnation) {
  if (!quorum_.is_voter(self))
    return;
  known_.merge(self, incarnation);
  answers_[self] = answer{incarnation, true};
}

node_set election_tally::current(bool granted) const {
  node_set result;
  for (auto& [voter, a] : answers_)
    if (a.granted == granted && !known_.is_stale(voter, a.incarnation))
      result.insert(voter);
  return result;
}

node_set election_tally::granted() const {
  return current(true);
}

node_set election_tally::refused() const {
  return current(false);
}

bool election_tally::is_enough(const node_set& xs) const {
  if (!require_all_)
    return quorum_.is_election_quorum(xs);
  for (auto& v : quorum_.voters())
    if (xs.count(v) == 0)
      return false;
  return true;
}

election_outcome election_tally::outcome() const {
  if (is_enough(granted()))
    return election_outcome::won;
  auto refusals = refused();
  node_set possible;
  for (auto& v : quorum_.voters())
    if (refusals.count(v) == 0)
      possible.insert(v);
  if (!is_enough(possible))
    return election_outcome::lost;
  return election_outcome::pending;
}

} // namespace flexsync
