#pragma once

/// @struct flexsync::node_config
/// The options of one node, with defaults and validation. Durations are
/// std::chrono (caf::timespan is std::chrono::nanoseconds, so the actors use
/// them unchanged).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/config_error.hpp"
#include "protocol/placement.hpp"
#include "protocol/quorum.hpp"
#include "protocol/quorum_spec.hpp"
#include "protocol/types.hpp"

namespace flexsync {

using namespace std::chrono_literals;

/// When the journal makes writes durable.
enum class fsync_policy : uint8_t {
  /// Each batch is fsync'd before anything depending on it is sent (group
  /// commit: many commands share one fsync).
  always,
  /// At most `fsync_period` after a write; a crash may lose that window.
  periodic,
  /// Never: for tests and benchmarks only, a crash may lose anything.
  never,
};

/// The policy's name ("always", "periodic", "never").
const char* to_string(fsync_policy x);

/// Where and how a node keeps its durable state and compacts its log.
struct persistence_options {
  /// Directory of the journal and snapshot files; empty keeps everything in
  /// memory (lost when the process ends).
  std::string data_dir;
  /// When journal writes become durable.
  fsync_policy fsync = fsync_policy::always;
  /// The longest delay of fsync_policy::periodic.
  std::chrono::nanoseconds fsync_period = 10ms;
  /// Journal segments rotate at this size.
  uint64_t segment_bytes = 64ull << 20;
  /// Take a snapshot once this many entries were applied since the last...
  uint64_t snapshot_threshold_entries = 100000;
  /// ... or the log holds this many bytes...
  uint64_t snapshot_threshold_bytes = 256ull << 20;
  /// ... or this long passed with at least 2 new entries (0 = never).
  std::chrono::nanoseconds snapshot_interval = 0ns;
  /// Write snapshots from a fork()ed child (copy-on-write), so the node keeps
  /// serving; otherwise synchronously, stalling the state machine.
  bool use_fork = true;
  /// Snapshot install streams chunks of this size.
  size_t snapshot_chunk_bytes = 1 << 20;
  /// How often the snapshotter checks its triggers.
  std::chrono::nanoseconds snapshot_check_interval = 200ms;
};

struct node_config {
  node_config() = default;

  /// A voter named `self` in a cluster with the voters `partners`.
  node_config(std::string self, std::vector<std::string> partners);

  // -- identity -------------------------------------------------------------

  /// This node.
  node_id self;
  /// The other voters. The self address is dropped if it appears here.
  std::vector<node_id> partners;
  /// Read-only nodes (Raft learners; PySyncObj's read-only nodes): they
  /// receive every entry and snapshot and may submit commands, but never
  /// vote, campaign or count toward any quorum. Listed on every node so the
  /// leader replicates to them; names here are removed from `partners`.
  std::vector<node_id> learners;
  /// This node is read-only: it is added to `learners` and is no voter.
  bool read_only = false;
  /// This node joins a running cluster: it starts with no configuration of
  /// its own (no voters; `partners` only says whom the transport may link
  /// with) and takes the cluster's from the leader's log or snapshot, as a
  /// learner until a membership change makes it a voter. It never campaigns
  /// before its log names it a voter.
  bool join = false;
  /// Voters admit read-only nodes that no configuration lists (PySyncObj's
  /// unconfigured read-only nodes): a peer whose TCP hello says it is a
  /// learner may link, the leader replicates to it while it answers, and it
  /// never votes or counts toward any quorum. Off: such a peer is refused.
  bool admit_non_member = false;

  // -- quorums --------------------------------------------------------------

  /// The quorum system (quorum_spec.hpp), or nothing for majority.
  std::optional<quorum_spec> quorum;
  /// Per-node labels: each voter's zone (a zones system) and weight (a
  /// weighted system). Only voters may be labelled, and only with what
  /// the quorum system uses; every voter of such a system needs its label.
  label_map labels;
  /// How terms are given to candidates (quorum_spec.hpp): Raft's shared
  /// terms, or owned terms (term_owner.hpp), with which the quorum system
  /// needs only election and replication quorums to meet, and membership
  /// is static (no voter or quorum-system changes; no joining node).
  /// Every node of a cluster must use the same. `unchecked` is refused.
  term_mode terms = term_mode::shared;

  // -- timing ---------------------------------------------------------------

  /// The election timeout is drawn uniformly from [min, max] (§5.2).
  std::chrono::nanoseconds election_timeout_min = 160ms;
  /// Upper bound of the election timeout (see election_timeout_min).
  std::chrono::nanoseconds election_timeout_max = 320ms;
  /// How often the leader sends appends (heartbeats) to each follower.
  std::chrono::nanoseconds heartbeat_interval = 50ms;
  /// Check-quorum window: a leader steps down when it has not heard from a
  /// replication quorum for this long (PySyncObj: leader_fallback_timeout).
  std::chrono::nanoseconds leader_fallback_timeout = 320ms;
  /// Deadline of a call that names none (every call has one).
  std::chrono::nanoseconds default_call_timeout = 10s;

  // -- protocol switches ----------------------------------------------------

  /// Campaign only after a pre-vote round succeeds (thesis §9.6).
  bool pre_vote = true;
  /// Step down without a live replication quorum; ignore vote requests while a
  /// leader is heard from (leader stickiness).
  bool check_quorum = true;
  /// Lease reads (protocol/read_index.hpp): a barrier asked for with
  /// read_mode::lease is answered by a leader holding a lease without a
  /// heartbeat round. Needs check_quorum (leader stickiness is what the
  /// lease rests on); a node started with it ignores vote requests for
  /// election_timeout_min after it starts, like one that heard a leader.
  bool lease_reads = false;
  /// How much two nodes' clocks may disagree in measuring
  /// election_timeout_min (rate drift, not wall-clock offset): a lease lasts
  /// election_timeout_min - clock_drift_bound from the send time of the
  /// heartbeat round that confirmed it.
  std::chrono::nanoseconds clock_drift_bound = 20ms;

  // -- replication ----------------------------------------------------------

  /// An append carries at most this many entries...
  size_t max_batch_entries = 4096;
  /// ... and stops after the entry that reaches this many bytes.
  size_t max_batch_bytes = 256 * 1024;
  /// Appends in flight per follower before the leader waits for replies.
  size_t max_inflight = 32;
  /// A learner added as a voter (node::add_node) is promoted once its log
  /// is within this many entries of the leader's.
  uint64_t learner_promotion_lag = 1000;
  /// Where the leader should be (placement.hpp): per-node priorities and
  /// zones, a preferred zone. When any is set, the leader hands over on its
  /// own to a live, caught-up voter that ranks higher (within
  /// learner_promotion_lag entries; the transfer brings it up to date).
  /// With a zones quorum system its zone labels fill in placement.zone.
  placement_policy placement;
  /// A leadership transfer (node::transfer_leadership) gives up after this
  /// long, or the caller's deadline if shorter: the leader holds new
  /// proposals meanwhile, so this bounds the pause a transfer can cause.
  std::chrono::nanoseconds transfer_timeout = 2s;

  // -- client commands ------------------------------------------------------

  /// Commands waiting for a leader or for the log, per node; a submission
  /// beyond it fails with queue_full.
  size_t commands_queue_size = 100000;
  /// Hold commands while no leader is known (true) or fail them with
  /// no_leader (false).
  bool commands_wait_leader = true;

  // -- persistence ----------------------------------------------------------

  /// Where and how the node keeps its durable state and compacts its log.
  persistence_options persistence;

  // -- code versions (zero-downtime deploys) -----------------------------------

  /// The highest code version this node supports: the leader enables a
  /// version (node::set_code_version) only when every voter supports it,
  /// and a node stops rather than apply a version entry beyond it. Nothing:
  /// the highest version any registered object declares
  /// (replicated_object::make_versioned_behavior), 0 when none does. Set
  /// it lower to run a binary that knows a newer version as an older one
  /// until the whole cluster is upgraded.
  std::optional<uint32_t> max_code_version;

  // -- callbacks --------------------------------------------------------------

  /// Runs once, in the node's context, the first time the node has caught up
  /// with a leader (PySyncObj's onReady). Must not block.
  std::function<void()> on_ready;
  /// Runs in the node's context on every follower/candidate/leader transition
  /// where old != new (PySyncObj's onStateChanged). Must not block.
  std::function<void(raft_role old_role, raft_role new_role)> on_state_changed;
  /// Runs in the node's context on every replica when the enabled code
  /// version changes (PySyncObj's onCodeVersionChanged): right after the
  /// version entry is applied, or a snapshot installed from the leader
  /// brought a newer version. Must not block.
  std::function<void(uint32_t old_version, uint32_t new_version)>
    on_code_version_changed;

  // -- determinism ----------------------------------------------------------

  /// Seed of the node's random generator (election timeouts, client ids).
  /// 0 draws one from std::random_device.
  uint64_t seed = 0;

  /// All voters, self included unless read-only, sorted.
  std::vector<node_id> voters() const;

  /// True when `x` is listed as a read-only node (self included).
  bool is_learner(const node_id& x) const;

  /// The read-only nodes other than self, sorted.
  std::vector<node_id> other_learners() const;

  /// The quorum spec over voters() with the labels filled in, as the
  /// bootstrap configuration holds it; nothing for majority.
  /// @throws config_error for labels that do not fit (see with_labels).
  std::optional<quorum_spec> voters_quorum() const;

  /// The quorum system over voters().
  /// @throws config_error when it is invalid or unsafe.
  quorum_system make_quorum_system() const;

  /// Drops self from partners and duplicates; checks every option.
  /// @throws config_error naming the first invalid option.
  void normalize_and_validate();
};

} // namespace flexsync
