#pragma once

// What each of a node's actors reports for node::status(), as typed structs
// (no positional tuples), and the pure function that composes them into one
// node_status. CAF-free: the composition is unit-tested without actors.
//
// node::gather asks every actor at once under one deadline; an actor that
// does not answer in time leaves its part empty and the status keeps that
// part's defaults.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/node/node_status.hpp"
#include "protocol/config.hpp"
#include "protocol/quorum.hpp"
#include "protocol/membership.hpp"
#include "protocol/recovery.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// The election actor's view: role, term, leader, and whether a follower
/// heard its leader within leader_fallback_timeout.
struct election_status {
  raft_role role = raft_role::follower;
  term_t term;
  node_id leader;
  bool leader_heard = false;
};

/// The log store's durable state.
struct log_store_status {
  term_t current_term;
  std::optional<node_id> voted_for;
  index_t commit_index;
  index_t last_index;
  uint64_t entries = 0;
  uint64_t bytes = 0;
  index_t snapshot_index;
  /// Highest commit index a leader sent this node; 0 until one did.
  index_t leader_commit_seen;
  member_state member = member_state::intact;
  incarnation_t incarnation;
  /// What a node without its state waits for (recovery::explain()).
  std::string recovery;
  /// Voters that told this node (by probing it) that they lost their state,
  /// within the last few seconds.
  std::vector<node_id> recovering_peers;
};

/// The state machine actor: what it applied and what it still owes.
struct state_machine_status {
  index_t last_applied;
  /// Caught up with a leader once (is_ready()).
  bool ready = false;
  uint64_t pending_calls = 0;
  /// The code version enabled at last_applied.
  uint32_t enabled_code_version = 0;
};

/// The membership manager: the configuration in effect.
struct membership_status {
  std::vector<node_id> voters;
  std::vector<node_id> learners;
  /// The quorum system, e.g. "majority(3)".
  std::string quorum;
  /// The configuration in effect and the index of its entry (0: the static
  /// one, or one that came with a snapshot).
  configuration config;
  index_t config_index;
};

/// One follower as the leader's replicator tracks it.
struct follower_report {
  node_id id;
  bool learner = false;
  /// Answered within leader_fallback_timeout.
  bool connected = false;
  index_t match_index;
  index_t next_index;
  /// The highest code version it supports, from its latest reply.
  std::optional<uint32_t> code_version;
};

/// The replicator: its followers while it leads (empty otherwise).
struct replicator_status {
  bool leading = false;
  std::vector<follower_report> followers;
  /// Leading, and the followers that answered within the window form a
  /// replication quorum with it (nodes that lost their state excluded).
  bool has_quorum = false;
};

/// Every part of a status; a part is empty when its actor did not answer.
struct status_parts {
  std::optional<election_status> election;
  std::optional<log_store_status> log_store;
  std::optional<state_machine_status> state_machine;
  std::optional<membership_status> membership;
  std::optional<replicator_status> replicator;
  /// Peers the transport links this node with; empty when it cannot tell.
  std::optional<std::vector<node_id>> linked;
  /// The snapshotter's receive progress (empty: none).
  std::string install;
  uint64_t uptime_seconds = 0;
};

/// One node_status from its parts, for the node `cfg.self` of a cluster
/// with quorum system `quorum`. has_quorum: on a leader, its replicator's
/// answer; elsewhere PySyncObj's rule through the quorum system (self, if a
/// voter holding its state, and the linked voters that do not say they lost
/// theirs form a replication quorum); without link information, whether
/// the leader was heard recently.
node_status compose_status(const status_parts& parts, const node_config& cfg,
                           const quorum_system& quorum);

} // namespace flexsync
