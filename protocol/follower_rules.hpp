#pragma once

// Pure rules for what a node does with a leader's messages that carry no
// entries (heartbeats, snapshot chunks), with its own campaigns and with
// its own leadership. Appends are decided in append_rules.hpp, votes in
// vote_rules.hpp. The log store carries the answers out.

#include <optional>
#include <vector>

#include "protocol/quorum_spec.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// How a node takes a message from a node that claims to lead `msg_term`.
struct leader_contact {
  /// The message's term is at least the node's: the sender leads the
  /// node's (possibly new) current term. False: a stale leader, answered
  /// with the node's term and otherwise ignored (§5.1).
  bool from_current_leader = false;
  /// The node's term afterwards.
  term_t term;
  /// Whether `term` is newer than the node's term before (persist it, with
  /// no vote, before anything that depends on it leaves).
  bool term_changed = false;
};

/// §5.1: a message or entry of `msg_term` carries a newer term than the
/// node's `current_term`: the node adopts it (with no vote) and follows.
inline bool is_newer_term(term_t msg_term, term_t current_term) {
  return msg_term > current_term;
}

/// Whether this node, which leads `leader_term` (0: none), leads its
/// `current_term`.
inline bool leads_current_term(term_t leader_term, term_t current_term) {
  return leader_term > term_t{0} && leader_term == current_term;
}

/// Election Safety (§5.2): a leader message of `msg_term` from another node
/// while this node leads `leader_term` proves two leaders in one term.
inline bool two_leaders(term_t msg_term, term_t leader_term) {
  return leader_term > term_t{0} && msg_term == leader_term;
}

/// A node in `role` following `leader` in `term` is already a follower of
/// `new_leader` in `new_term`: nothing changes, nothing to announce.
inline bool already_follows(raft_role role, term_t term, const node_id& leader,
                            term_t new_term, const node_id& new_leader) {
  return role == raft_role::follower && term == new_term
         && leader == new_leader;
}

/// A node without its state adopts the term floor as voted (its old
/// incarnation may have voted in it) unless its term is past the floor, or
/// at the floor with a vote already cast.
inline bool adopts_term_floor(term_t floor, term_t current_term, bool voted) {
  return floor > current_term || (floor == current_term && !voted);
}

/// A node is caught up with its leader (ready, PySyncObj's onReady) once it
/// applied an entry of the leader's term: at least that leader's no-op.
inline bool caught_up_with_leader(bool knows_leader, term_t last_applied_term,
                                  term_t term) {
  return knows_leader && last_applied_term == term;
}

/// §5.1: a heartbeat or a snapshot chunk from the leader of `msg_term`,
/// received by a node in `current_term`.
leader_contact decide_leader_contact(term_t current_term, term_t msg_term);

/// §5.3 (last step): the follower's commit index after a leader sent
/// `leader_commit`: never above its own last index, never lower than
/// before. The leader sends min(its commit, the follower's match index), so
/// the follower commits only entries the leader verified it holds.
index_t follower_commit(index_t commit_index, index_t leader_commit,
                        index_t last_index);

/// The commit index a heartbeat lets a follower reach: the verified part
/// (`verified`, through follower_commit), and the leader's commit index
/// `hint` itself when the follower's log holds an entry there of the
/// leader's term for it, `hint_term` (its own term there is
/// `own_term_at_hint`, 0 when it holds none): by Log Matching (§5.3) the
/// two logs then agree up to `hint`, which the leader committed.
index_t heartbeat_commit(index_t commit_index, index_t verified,
                         index_t hint, term_t hint_term,
                         term_t own_term_at_hint, index_t last_index);

/// §5.2: a campaign increments the term and votes for the candidate itself.
/// With owned terms (term_owner.hpp) "increments" means: moves to the next
/// term the candidate owns.
struct campaign_decision {
  term_t term;
  node_id vote;
};

/// The campaign of `self` from `current_term` under `terms`.
campaign_decision decide_campaign(term_t current_term, const node_id& self,
                                  term_mode terms = term_mode::shared);

/// A candidate may lead `term` only while it is still the node's current
/// term and the node's vote in it is its own (the campaign won in that term
/// and nothing newer was seen since).
bool may_lead(term_t term, term_t current_term,
              const std::optional<node_id>& voted_for, const node_id& self);

/// A request the node's own leadership makes (appending commands, raising
/// the commit index) is valid only in the term it leads, while that term is
/// still current: anything else comes from a leadership already lost.
bool own_leadership(term_t request_term, term_t leader_term,
                    term_t current_term);

/// The replicator asks the election to end the leadership of `term`: a
/// reply carried a newer term (adopt it through the log store, then
/// follow), or check-quorum failed in the term the node leads (follow, with
/// no leader). Anything else is a stale request.
enum class step_down_action : uint8_t { adopt_newer_term, follow, ignore };

step_down_action decide_step_down(term_t term, term_t current_term,
                                  bool leading);

/// A claim of leadership (the log store's answer to a won campaign) still
/// applies only while the node is a candidate in that campaign's term.
inline bool still_campaigning(bool candidate, term_t current_term,
                              term_t campaign_term) {
  return candidate && current_term == campaign_term;
}

} // namespace flexsync
