#pragma once

// State of the election actor, shared by its two source files: election.cpp
// (timers, pre-vote, campaigns, tallies and the node's role) and
// election_votes.cpp (the voter's side: which vote requests to look at, and
// answering them through the log store). Private to actors/.

#include <optional>
#include <random>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/node/spawn.hpp"
#include "protocol/election_tally.hpp"

namespace flexsync::election_detail {

using time_point = caf::actor_clock::time_point;

struct election_state {
  wiring_ptr w;
  raft_role role = raft_role::follower;
  term_t term;
  node_id leader;
  std::mt19937_64 rng;
  /// Generation of the armed election timer; older timer messages are stale.
  uint64_t timer_id = 0;
  /// When the election timer is due (re-armed lazily: a heartbeat only moves
  /// the deadline, it does not send a new delayed message).
  time_point deadline;
  /// When this node last heard from the leader it follows.
  std::optional<time_point> last_leader_contact;
  /// The votes of the current pre-campaign or campaign.
  std::optional<election_tally> tally;
  /// True while waiting for the log store to confirm leadership.
  bool claiming = false;
  /// The last leader this node knew (for leader_changes; not cleared when
  /// the leader is forgotten, so a leader that returns is no change).
  node_id last_known_leader;
  election_metrics metrics;
  /// The configuration in effect (announced by the log store) and its
  /// quorum system.
  configuration config;
  quorum_system quorum;
  /// A voter of the configuration before `config`.
  bool voted_before = false;
  /// When this incarnation started.
  time_point started;

  static inline const char* name = "flexsync.election";
};

using election_ptr = caf::stateful_actor<election_state>*;

/// Restarts the election timeout with a fresh random duration.
void reset_timer(election_ptr self);

/// Follows `leader` (none: nobody) in `term`, which is at least the cached
/// term; the only way into the follower role.
void become_follower(election_ptr self, term_t term, node_id leader,
                     fail_reason why = fail_reason::success);

/// A vote or pre-vote request from a peer (election_votes.cpp).
void on_request_vote(election_ptr self, const request_vote& req);

/// A live leader was heard within the minimum election timeout (or this
/// node is that leader, or it started less than that ago with lease reads):
/// leader stickiness, which a lease rests on (election_votes.cpp).
bool leader_recently_heard(election_ptr self);

} // namespace flexsync::election_detail
