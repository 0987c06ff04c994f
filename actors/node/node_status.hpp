#pragma once

/// @struct flexsync::node_status
/// What node::status() reports: one consistent-enough picture of a node,
/// gathered from its actors (each part is exact for the actor that answered;
/// the parts may be a few messages apart). Serializes to JSON with nlohmann
/// (to_json) and flattens into PySyncObj's admin keys (to_key_values).
///
/// Peer views depend on the role: only a leader knows its followers' match
/// and next indexes and whether they answer; a follower knows whether its
/// leader was heard recently and reports every other peer as its transport
/// links it (`unknown` with a transport that cannot tell).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/recovery.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// flexsync's version string (the CMake project version).
const char* flexsync_version();

/// A peer link as this node sees it. The numbers are PySyncObj's
/// (`partner_node_status_server_<id>`: 2 connected, 0 not connected).
enum class link_state : uint8_t {
  /// Not heard from within leader_fallback_timeout.
  disconnected = 0,
  /// This node has no way to tell (a follower and a peer that is not its
  /// leader).
  unknown = 1,
  /// Heard from within leader_fallback_timeout.
  connected = 2,
};

/// The state's name ("disconnected", "unknown", "connected").
const char* to_string(link_state x);

/// One voting partner or read-only node.
struct peer_status {
  /// The peer.
  node_id id;
  /// The link to the peer as this node sees it.
  link_state link = link_state::unknown;
  /// The leader's match_index for this peer; 0 elsewhere.
  index_t match_index;
  /// The leader's next_index for this peer; 0 elsewhere.
  index_t next_index;
  /// The highest code version the peer supports, as the leader heard it
  /// in the peer's latest reply; nothing elsewhere, or before a reply.
  std::optional<uint32_t> code_version;
};

struct node_status {
  /// flexsync_version() of the node's build.
  std::string version = flexsync_version();
  /// Build revision (PySyncObj always reports "deprecated").
  std::string revision = "none";
  /// This node.
  node_id self;
  /// A read-only node (learner): never votes or counts toward a quorum.
  bool read_only = false;
  /// The role the election actor last announced.
  raft_role role = raft_role::follower;
  /// The node's current term.
  term_t term;
  /// Empty when no leader is known.
  node_id leader;
  /// Leader: its followers' replies form a replication quorum within
  /// leader_fallback_timeout. Other nodes: self (if a voter) and the voters
  /// the transport links it with form a replication quorum (PySyncObj's
  /// rule); without link information, its leader was heard in that window.
  bool has_quorum = false;
  /// The highest index this node knows to be committed.
  index_t commit_index;
  /// The leader's commit index as this node last heard it (its own on the
  /// leader); empty until a leader told it one. A follower that is behind
  /// has commit_index below it.
  std::optional<index_t> leader_commit_index;
  /// The highest index applied to the objects on this node.
  index_t last_applied;
  /// The index of the last entry in the log.
  index_t last_log_index;
  /// Last index covered by the latest snapshot (0 without one).
  index_t snapshot_index;
  /// Entries held in the log.
  uint64_t log_entries = 0;
  /// Payload bytes of the entries held in the log.
  uint64_t log_bytes = 0;
  /// Caught up with a leader once (is_ready()).
  bool ready = false;
  /// Whether this node holds its Raft state: `recovering` (or `promised`)
  /// after a start without it, until it caught up (it then votes and
  /// counts in no quorum).
  member_state member = member_state::intact;
  /// What a node without its state waits for; empty when intact.
  std::string recovery;
  /// A snapshot this node is receiving from its leader, with its progress
  /// ("receiving snapshot 42 from a: 120.0 of 1024.0 MiB (11 %), 60.0
  /// MiB/s"); empty when none.
  std::string install;
  /// This start of the node (larger at every restart).
  uint64_t incarnation = 0;
  /// Voters that told this node recently that they lost their state.
  std::vector<node_id> recovering_peers;
  /// Calls submitted on this node and not yet answered.
  uint64_t pending_calls = 0;
  /// The other voters, sorted.
  std::vector<peer_status> partners;
  /// The read-only nodes other than self, sorted.
  std::vector<peer_status> readonly_nodes;
  /// Every voter, self included when it votes.
  std::vector<node_id> voters;
  /// The quorum system, e.g. "majority(3)".
  std::string quorum;
  /// The configuration in effect, e.g. "voters {a,b,c}, learners {},
  /// majority" (both parts while a change is in flight).
  std::string configuration;
  /// Index of the entry of the configuration in effect (0: the static
  /// configuration or one from a snapshot).
  index_t config_index;
  /// Why this node is not a member of the configuration in effect (it was
  /// removed, or joins and has not heard from the cluster yet); empty when
  /// it is one.
  std::string membership_note;
  /// Whole seconds since the node was constructed.
  uint64_t uptime = 0;
  /// The highest code version this node supports (node_config::
  /// max_code_version).
  uint32_t self_code_version = 0;
  /// The code version enabled at last_applied (protocol/code_version.hpp).
  uint32_t enabled_code_version = 0;

  /// Number of partners currently `connected`.
  size_t connected_partners() const;
  /// Number of read-only nodes currently `connected`.
  size_t connected_readonly_nodes() const;

  /// PySyncObj's admin keys (`state`, `leader`, `raft_term`, ...), plus
  /// flexsync's own, sorted by key. Absent values are "None".
  std::vector<std::pair<std::string, std::string>> to_key_values() const;
};

/// Serializes `x` into `j` (nlohmann's to_json hook).
void to_json(nlohmann::json& j, const peer_status& x);
/// Serializes `x` into `j` (nlohmann's to_json hook).
void to_json(nlohmann::json& j, const node_status& x);

} // namespace flexsync
