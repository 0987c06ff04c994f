#pragma once

// Pure rules for granting votes (§5.2, §5.4.1) and pre-votes (thesis §9.6).

#include <chrono>
#include <optional>
#include <vector>

#include "protocol/recovery.hpp"
#include "protocol/types.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

/// §5.4.1: a candidate's log is at least as up-to-date as ours when its last
/// term is greater, or equal with a last index at least as large.
bool log_is_up_to_date(term_t candidate_last_term,
                       index_t candidate_last_index, term_t own_last_term,
                       index_t own_last_index);

/// What the voter knows when a vote request arrives.
struct voter_state {
  /// The voter's durable current term.
  term_t current_term;
  /// Whom it voted for in current_term, if anyone.
  std::optional<node_id> voted_for;
  /// Its last log index and term.
  index_t last_log_index;
  term_t last_log_term;
  /// False for read-only nodes (learners), which never vote.
  bool is_voter = true;
  /// False while the voter recovers a lost state (recovery.hpp): it grants
  /// no ordinary vote.
  bool intact = true;
  /// For a voter that is not intact: whether the recovery rules let it grant
  /// this request (recovery::may_grant).
  grant_rule special = grant_rule::no;
  /// How terms are given to candidates in the voter's configuration: with
  /// owned terms a request for a term its candidate does not own is
  /// refused (term_owner.hpp).
  term_mode terms = term_mode::shared;
};

/// What the voter must do. The caller persists `term` and `voted_for` (when
/// `persist` is set) before it sends the reply.
struct vote_decision {
  /// The voter's term after the request: adopted when the request is newer.
  term_t term;
  /// Whom the voter has voted for in `term` afterwards.
  std::optional<node_id> voted_for;
  /// Whether term or vote changed and must be made durable first.
  bool persist = false;
  /// Whether the vote (or pre-vote) is granted.
  bool granted = false;
  /// The grant binds the voter to the candidate in `term` (a voter without
  /// its state granting a bootstrap or recover request): a promise.
  bool promise = false;
  /// Refused because terms are owned and the candidate does not own the
  /// requested term (a forged or buggy campaign): nothing changed.
  bool unowned_term = false;
};

/// Decides a vote or pre-vote request. A pre-vote never changes state.
/// With owned terms a request (of any kind, pre-vote or not) for a term its
/// candidate does not own is refused first and changes nothing, not even the
/// voter's term.
/// A voter without its state grants only what the recovery rules allow
/// (anything else changes nothing, not even its term); an intact voter never
/// grants a bootstrap and decides a recover request by the ordinary rules.
vote_decision decide_vote(const voter_state& self, const request_vote& req);

/// A candidate's campaign ends when a reply carries a newer term (§5.1),
/// unless it is a granted pre-vote (which names the term it would grant).
bool reply_ends_campaign(const vote_reply& reply, term_t candidate_term);

/// A voter that answered a (real) vote request moved to the candidate's
/// newer term: the election actor follows no one in it.
bool voter_moved_term(const request_vote& req, const vote_reply& reply,
                      term_t election_term);

/// The log store recorded this node's campaign (its term and self-vote
/// durable) in `campaign_term`, but meanwhile the election followed a
/// leader of that term or a newer one: the campaign is overtaken and does
/// not start (the vote stays recorded).
inline bool campaign_overtaken(term_t campaign_term, term_t election_term) {
  return campaign_term <= election_term;
}

/// What a node knows, when a vote or pre-vote request arrives, about
/// whether to look at it at all.
struct vote_filter {
  /// False for a read-only node: it neither votes nor adopts a candidate's
  /// term.
  bool voter = true;
  /// Leader stickiness is on (node_config::check_quorum).
  bool sticky = false;
  /// A live leader was heard within the minimum election timeout, or this
  /// node leads.
  bool leader_heard = false;
  /// The candidate is a voter of this node's latest configuration (either
  /// half while joint).
  bool candidate_member = true;
};

/// Whether a vote or pre-vote request is ignored: no vote, no new term.
/// - A read-only node ignores every one.
/// - Leader stickiness (thesis §4.2.3, with pre-vote §9.6): with `sticky`,
///   a node that heard a live leader ignores requests, so a node returning
///   from a partition cannot depose a healthy leader. Leadership transfers
///   are exempt.
/// - Removed servers (thesis §4.2.3): a node that heard a live leader
///   ignores candidates that are no voters of its latest configuration,
///   sticky or not, transfer or not: a removed node that never learnt of its
///   removal cannot disturb the cluster with ever higher terms. Without a
///   live leader such requests count as usual, so a lagging voter still
///   helps elect a new member.
/// Bootstraps and recoveries are exempt from both (recovery.hpp).
bool ignores_vote_request(const vote_filter& f, const request_vote& req);

} // namespace flexsync
