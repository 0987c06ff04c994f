#pragma once

// State of the log store actor, shared by its two source files:
// log_store.cpp (votes, appends, commits, the leader's log) and
// log_store_recovery.cpp (a node that lost its state: probes, reports,
// the term floor, bootstrap and recovery campaigns, rejoining). Private to
// actors/.

#include <functional>
#include <map>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/node/wiring.hpp"
#include "protocol/config_log.hpp"
#include "protocol/recovery.hpp"
#include "protocol/vote_rules.hpp"

namespace flexsync::detail {

struct log_store_state {
  wiring_ptr w;
  storage* store = nullptr;
  /// The term in which this node is leader, or 0.
  term_t leader_term;
  /// The leader of current_term whose appends this node accepted (itself
  /// when it leads); empty when none is known.
  node_id leader_of_term;
  /// Last index handed to the state machine.
  index_t pushed;
  /// Highest commit index a leader sent this node (heartbeats send at most
  /// our match index); 0 until one did. Commit indexes only grow, so the
  /// maximum is the latest.
  index_t leader_commit_seen;
  /// What waits for the next sync.
  std::vector<std::function<void()>> after_sync;
  bool sync_scheduled = false;
  bool periodic_armed = false;
  /// Whether this node holds its state, and how it gets it back.
  recovery rec;
  /// The log held an entry other than a no-op, or a snapshot, since start
  /// (never cleared: a truncation may remove it, but "maybe" is the safe
  /// answer for recovery).
  bool holds_data = false;
  /// Voters that probed this node (they lost their state), and when.
  std::map<node_id, caf::actor_clock::time_point> probed_by;
  /// When the next "still recovering" line may be written.
  caf::actor_clock::time_point next_recovery_line;
  /// The reports last allowed a bootstrap campaign (the election actor is
  /// nudged when they start to, rather than waiting for its timeout).
  bool bootstrap_possible = false;
  /// Appends, syncs, votes (protocol/metrics.hpp).
  log_store_metrics metrics;
  /// The configurations the log holds; the latest is in effect.
  config_log configs;
  /// The quorum system of configs.latest().
  quorum_system quorum;
  /// Whether this node was a voter of the previous configuration.
  bool was_voter = false;
  /// The last claim of leadership refused for a term its sender does not
  /// own (one log line per claim).
  std::pair<term_t, node_id> refused_leader;

  static inline const char* name = "flexsync.log_store";
};

using log_store_ptr = caf::stateful_actor<log_store_state>*;

// -- shared helpers (log_store.cpp) ---------------------------------------------

/// Runs `f` once every change made so far is durable.
void after_sync(log_store_ptr self, std::function<void()> f);

/// Tells the node's actors (and the recovery rules) the configuration now
/// in effect, after a change of configs.
void announce_config(log_store_ptr self);

/// The log store's part of node::status() and node::metrics().
log_store_status status_of(log_store_ptr self);
log_store_metrics metrics_of(log_store_ptr self);

/// Whether this node may grant votes under the configuration in effect.
bool votes_by_configuration(log_store_ptr self);

/// What this node knows when `req` arrives (protocol/vote_rules.hpp).
voter_state voter_state_of(log_store_ptr self, const request_vote& req);

/// The campaign this node may start now: the recovery rules', or a normal
/// one of a voter of the configuration before an uncommitted latest one.
std::optional<vote_kind> campaign_allowed(log_store_ptr self);

/// Whether `leader` may lead `term` (protocol/term_owner.hpp); logs one
/// line per refused term and leader when it may not.
bool from_term_owner(log_store_ptr self, term_t term, const node_id& leader);

/// Whether `x` is a voter or learner of the configuration in effect.
bool is_member(log_store_ptr self, const node_id& x);

/// The configurations of the log at start: the snapshot's (or the node's
/// static one) and those of the config entries after it.
config_log load_config_log(const node_wiring& w, storage& store);

/// What the recovery rules need to know of the log.
recovery::log_facts log_facts_of(log_store_ptr self);

// -- recovery (log_store_recovery.cpp) ------------------------------------------

/// At start: announces a lost state and starts probing.
void start_recovery(log_store_ptr self);
void on_probe_tick(log_store_ptr self);
void on_recovery_probe(log_store_ptr self, const recovery_probe& p);
void on_recovery_report(log_store_ptr self, const recovery_report& r);
/// After the commit index moved: rejoins once caught up.
void maybe_rejoin(log_store_ptr self);
/// A granted vote that binds this node without its state to a candidate.
void make_promise(log_store_ptr self, promise p);
/// This node won `term`: one without its state now follows itself.
void on_lead_recovery(log_store_ptr self, term_t term);
/// campaign_atom: the term and log position of a new campaign of `kind`,
/// once its term and self-vote are durable; an error when not allowed.
caf::result<log_position> on_campaign(log_store_ptr self, vote_kind kind);
/// The voters that probed this node within the last few seconds.
std::vector<node_id> recovering_peers(log_store_ptr self);

} // namespace flexsync::detail
