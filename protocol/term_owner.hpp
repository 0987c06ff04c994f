#pragma once

// Owned terms (node_config::terms = term_mode::owned): each term number
// names its only candidate, as a Paxos ballot names its proposer. A node's
// term slot is a function of its name alone (FNV-1a of the name, modulo
// term_slots), and term t >= 1 is owned by the node whose slot is
// (t - 1) mod term_slots. A node campaigns only in terms it owns (ordinary
// campaigns, pre-votes, leadership transfers, bootstrap and recovery
// campaigns), and a voter refuses to vote for a candidate in a term it does
// not own, so no two candidates ever compete for one term: at most one
// leader per term without election quorums having to meet.
//
// Because ownership depends on no configuration, every node agrees on the
// owner of every term whatever configuration it holds, so voters, learners
// and quorum systems may change at run time through joint consensus (the
// term mode itself may not): with one candidate per term, the joint phase
// needs only the intersections each configuration's validator already
// guarantees (an election quorum of C_old,new holds one of each part, and
// each part's election quorums meet its own replication quorums). Two voters
// of one configuration with the same slot would both own every term of that
// slot: the validator refuses such a configuration and names both (rename
// one; with 65536 slots two names collide with a chance of about n^2 / 2^17).
//
// With shared terms (and the simulator's unchecked ones) every node may
// campaign in every term: the next campaign term is simply current + 1.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "protocol/quorum_spec.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// How many term slots there are: a node owns one term in every
/// term_slots consecutive terms.
constexpr uint64_t term_slots = 65536;

/// The term slot of `x`: FNV-1a (64 bits) of its name, modulo term_slots.
/// The same on every node and in every version (it decides who may
/// campaign).
uint64_t term_slot(const node_id& x);

/// Whether `x` owns `term` (never term 0, in which no campaign happens).
bool owns_term(const node_id& x, term_t term);

/// The smallest term above `above` that `self` owns. Any node owns its
/// slot's terms; whether it may campaign is decided by the callers' rules
/// (a node removed by an uncommitted configuration still campaigns, as
/// with shared terms).
term_t next_owned_term(const node_id& self, term_t above);

/// Two of `voters` that share a term slot, if any: with owned terms such a
/// configuration is refused.
std::optional<std::pair<node_id, node_id>>
slot_collision(const std::vector<node_id>& voters);

/// Whether `candidate` may campaign in `term` under `terms`: always with
/// shared terms; with owned terms only when it owns the term.
bool may_campaign_in(term_mode terms, term_t term, const node_id& candidate);

/// The term of the next campaign of `self` above `above` (its current term,
/// or the highest term it knows): above + 1 with shared terms, the next term
/// it owns with owned terms.
term_t campaign_term(term_mode terms, const node_id& self, term_t above);

/// Whether a node that claims to lead `term` may: a leader won a campaign
/// in its term, and with owned terms only the term's owner campaigns in it
/// (voters refuse anyone else), so a claim by another node comes from a node
/// with other voters or another term mode in its configuration, or a bug.
/// A follower ignores its appends, heartbeats and snapshot chunks rather
/// than help it commit. Always true with shared (and unchecked) terms.
inline bool may_lead_term(term_mode terms, term_t term,
                          const node_id& leader) {
  return may_campaign_in(terms, term, leader);
}

} // namespace flexsync
