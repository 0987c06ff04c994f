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
                               bool pre_vote)
  : quorum_(std::move(quorum)), term_(term), pre_vote_(pre_vote) {
  // nop
}

bool election_tally::record(const vote_reply& reply) {
  if (reply.term != term_ || reply.pre_vote != pre_vote_)
    return false;
  if (!quorum_.is_voter(reply.voter))
    return false;
  if (granted_.count(reply.voter) > 0 || refused_.count(reply.voter) > 0)
    return false; // each voter counts once per term
  (reply.granted ? granted_ : refused_).insert(reply.voter);
  return true;
}

void election_tally::record_self(const node_id& self) {
  if (quorum_.is_voter(self))
    granted_.insert(self);
}

election_outcome election_tally::outcome() const {
  if (quorum_.is_election_quorum(granted_))
    return election_outcome::won;
  node_set possible;
  for (auto& v : quorum_.voters())
    if (refused_.count(v) == 0)
      possible.insert(v);
  if (!quorum_.is_election_quorum(possible))
    return election_outcome::lost;
  return election_outcome::pending;
}

} // namespace flexsync
