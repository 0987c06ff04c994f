#pragma once

// Owned terms (node_config::terms = term_mode::owned): each term number
// names its only candidate, as a Paxos ballot names its proposer. Term t >= 1
// is owned by voter slot (t - 1) mod n of the configuration's n voters sorted
// by id, the same order on every node. A node campaigns only in terms it
// owns (ordinary campaigns, pre-votes, leadership transfers, bootstrap and
// recovery campaigns), and a voter refuses to vote for a candidate in a term
// it does not own, so no two candidates ever compete for one term: at most
// one leader per term without election quorums having to meet.
//
// The mapping needs the voters to be the same on every node at all times, so
// membership is static with owned terms (membership.hpp, admit_change).
//
// With shared terms (and the simulator's unchecked ones) every node may
// campaign in every term: the next campaign term is simply current + 1.

#include <optional>
#include <vector>

#include "protocol/quorum_spec.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// The voter that owns `term` among `voters` (sorted, distinct): slot
/// (term - 1) mod n. Nothing for term 0 (no campaign is ever in it) or no
/// voters.
std::optional<node_id> owner_of(term_t term,
                                const std::vector<node_id>& voters);

/// The smallest term above `above` that `self` owns among `voters` (sorted,
/// distinct); nothing when `self` is no voter.
std::optional<term_t> next_owned_term(const node_id& self, term_t above,
                                      const std::vector<node_id>& voters);

/// Whether `candidate` may campaign in `term` under `terms`: always with
/// shared terms; with owned terms only when it owns the term.
bool may_campaign_in(term_mode terms, term_t term, const node_id& candidate,
                     const std::vector<node_id>& voters);

/// The term of the next campaign of `self` above `above` (its current term,
/// or the highest term it knows): above + 1 with shared terms, the next term
/// it owns with owned terms. Nothing when terms are owned and `self` is no
/// voter (it may not campaign).
std::optional<term_t> campaign_term(term_mode terms, const node_id& self,
                                    term_t above,
                                    const std::vector<node_id>& voters);

/// Whether a node that claims to lead `term` may: a leader won a campaign
/// in its term, and with owned terms only the term's owner campaigns in it
/// (voters refuse anyone else), so a claim by another node comes from a node
/// with other voters or another term mode in its configuration, or a bug.
/// A follower ignores its appends, heartbeats and snapshot chunks rather
/// than help it commit. Always true with shared (and unchecked) terms.
inline bool may_lead_term(term_mode terms, term_t term, const node_id& leader,
                          const std::vector<node_id>& voters) {
  return may_campaign_in(terms, term, leader, voters);
}

} // namespace flexsync
