#include "protocol/vote_rules.hpp"

#include "protocol/term_owner.hpp"

namespace flexsync {

bool log_is_up_to_date(term_t candidate_last_term,
                       index_t candidate_last_index, term_t own_last_term,
                       index_t own_last_index) {
  if (candidate_last_term != own_last_term)
    return candidate_last_term > own_last_term;
  return candidate_last_index >= own_last_index;
}

namespace {

bool special_allows(const voter_state& self, bool up_to_date) {
  return self.special == grant_rule::yes
         || (self.special == grant_rule::if_up_to_date && up_to_date);
}

/// A voter without its state and a request the recovery rules let it grant:
/// one vote per term still holds, and the grant is a promise.
vote_decision decide_special(const voter_state& self, const request_vote& req,
                             vote_decision result) {
  if (req.term < self.current_term)
    return result;
  if (req.term > self.current_term) {
    result.term = req.term;
    result.voted_for = req.candidate;
    result.persist = true;
  } else if (!self.voted_for) {
    result.voted_for = req.candidate;
    result.persist = true;
  } else if (*self.voted_for != req.candidate) {
    return result; // §5.2: already voted in this term
  }
  result.granted = true;
  result.promise = true;
  return result;
}

} // namespace

vote_decision decide_vote(const voter_state& self, const request_vote& req) {
  vote_decision result;
  result.term = self.current_term;
  result.voted_for = self.voted_for;
  // Owned terms (term_owner.hpp): only the owner of a term campaigns in it,
  // which is what lets two election quorums be disjoint. A request for a
  // term its candidate does not own is forged or buggy: it gets nothing and
  // changes nothing, not even this voter's term.
  if (!may_campaign_in(self.terms, req.term, req.candidate)) {
    result.unowned_term = true;
    return result;
  }
  auto up_to_date = log_is_up_to_date(req.last_log_term, req.last_log_index,
                                      self.last_log_term, self.last_log_index);
  if (req.pre_vote) {
    // A pre-vote asks "would you vote for me in req.term?" and changes
    // nothing: no term adoption, no recorded vote.
    // A voter without its state grants only the candidate it promised
    // (recovery.hpp), whose log is the one it follows.
    auto may = self.intact ? up_to_date : special_allows(self, up_to_date);
    result.granted = self.is_voter && req.kind == vote_kind::normal
                     && req.term > self.current_term && may;
    return result;
  }
  if (!self.intact) {
    // Without its state a voter cannot tell which logs are up to date nor
    // whether it voted: only the recovery rules may bind it.
    if (!special_allows(self, up_to_date))
      return result;
    return decide_special(self, req, result);
  }
  // An intact voter holds its state: it never joins a new cluster.
  if (req.kind == vote_kind::bootstrap)
    return result;
  if (req.term < self.current_term)
    return result; // §5.1: reject requests from stale terms.
  if (req.term > self.current_term) {
    // §5.1: adopt the newer term; the vote of the old term no longer counts.
    result.term = req.term;
    result.voted_for.reset();
    result.persist = true;
  }
  // §5.2: at most one vote per term, first come first served; §5.4.1: only
  // for a candidate whose log is at least as up-to-date as ours.
  auto free_to_vote = !result.voted_for || *result.voted_for == req.candidate;
  if (self.is_voter && free_to_vote && up_to_date) {
    result.granted = true;
    if (!result.voted_for) {
      result.voted_for = req.candidate;
      result.persist = true;
    }
  }
  return result;
}

bool ignores_vote_request(const vote_filter& f, const request_vote& req) {
  if (!f.voter)
    return true;
  if (req.kind != vote_kind::normal || !f.leader_heard)
    return false;
  return !f.candidate_member || (f.sticky && !req.transfer);
}

bool reply_ends_campaign(const vote_reply& reply, term_t candidate_term) {
  return reply.term > candidate_term && !(reply.pre_vote && reply.granted);
}

bool voter_moved_term(const request_vote& req, const vote_reply& reply,
                      term_t election_term) {
  return !req.pre_vote && reply.term > election_term;
}

} // namespace flexsync
