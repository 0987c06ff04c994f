#pragma once

// What every actor of one node knows about the others: the immutable wiring
// handed to each of them in their first (init) message.

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/message.hpp>

#include "actors/node/logger.hpp"
#include "actors/node/observer.hpp"
#include "actors/node/persistence.hpp"
#include "actors/node/type_ids.hpp"
#include "actors/objects/replicated_object.hpp"
#include "protocol/config.hpp"
#include "protocol/config_log.hpp"
#include "protocol/storage.hpp"
#include "protocol/incarnation.hpp"
#include "snapshot/log/journal.hpp"
#include "snapshot/files/recovery_marker.hpp"
#include "snapshot/files/snapshot_store.hpp"

namespace flexsync {

/// The actors that make up one node.
struct node_endpoints {
  caf::actor election;
  caf::actor log_store;
  caf::actor replicator;
  caf::actor state_machine;
  caf::actor membership;
  caf::actor snapshotter;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_endpoints& x) {
  return f(x.election, x.log_store, x.replicator, x.state_machine,
           x.membership, x.snapshotter);
}

/// Which of a node's actors handles a peer message, by message type; an
/// invalid handle for anything that is not a peer protocol message.
caf::actor route_peer_message(const node_endpoints& dst, const caf::message& msg);

int64_t default_wall_clock();

/// What the node's actors publish for lock-free reads from the node handle
/// (is_ready(), is_leader()) on any thread.
struct node_flags {
  /// Set once, by the state machine actor, when the node has caught up.
  std::atomic<bool> ready{false};
  /// The election actor's role (raft_role as an integer).
  std::atomic<uint8_t> role{0};
};

struct node_wiring {
  node_config config;
  /// The configurations the log held at start (its latest is in effect
  /// until the log store announces another; protocol/config_log.hpp).
  config_log configs;
  node_endpoints self;
  /// Where peer messages go: an actor taking (peer_send_atom, from, to, msg).
  caf::actor transport;
  /// Durable state, used only by the log store actor. Shared so that it
  /// outlives the actors.
  std::shared_ptr<storage> store;
  /// The journal behind `store` in disk mode (null in memory mode); the log
  /// store deletes its old segments after compaction.
  std::shared_ptr<journal> log_journal;
  /// Snapshot files, used only by the snapshotter actor (and by a fork()ed
  /// child of the state machine actor, in its own process).
  std::shared_ptr<snapshot_store> snapshots;
  /// The snapshot the state machines restore at start, if any.
  std::shared_ptr<const loaded_snapshot> restored;
  /// This start of the node: larger than every earlier one
  /// (protocol/incarnation.hpp).
  incarnation_t incarnation;
  /// The node starts without its Raft state (memory mode, an empty or
  /// recovering data directory): it recovers before it votes or counts
  /// (protocol/recovery.hpp). `promised`: the promise it restarts with.
  bool fresh = false;
  std::optional<promise> promised;
  /// Where the log store records that the node is recovering (disk mode);
  /// records nothing in memory mode. Never null.
  std::shared_ptr<recovery_marker> marker
    = std::make_shared<recovery_marker>(nullptr);

  /// Takes what open_persistence found, except the store (the simulator
  /// wraps it in its checker first).
  /// Reads the configurations of the log at start: the snapshot's (or the
  /// static one) and the config entries after it. Call once `store` and
  /// `restored` are set.
  void load_configs();

  void adopt_durable_state(node_persistence& p) {
    log_journal = std::move(p.log_journal);
    snapshots = std::move(p.snapshots);
    restored = std::move(p.restored);
    fresh = p.fresh;
    promised = std::move(p.promised);
    marker = std::move(p.marker);
  }
  /// Where asynchronous calls enter this node (actors/objects/
  /// replicated_object.hpp); the state machine takes them from here.
  std::shared_ptr<call_gate> gate = std::make_shared<call_gate>();
  /// Optional decision hooks.
  node_observer* observer = nullptr;
  /// node_options::on_failure (may be empty).
  std::function<void(const std::string& why)> on_failure;
  /// The leader's clock for entry times: nanoseconds since the Unix epoch
  /// (system clock by default; virtual time in the simulator).
  std::function<int64_t()> wall_clock = default_wall_clock;
  /// The user's state machines, in registration order; used only by the
  /// state machine actor.
  std::vector<replicated_object*> machines;
  /// Their handler sets per code version, asked once by spawn_node (which
  /// also fills in config.max_code_version from them when unset).
  std::vector<versioned_behavior> behaviors;
  logger log;
  /// Published flags; null when nobody reads them (the simulator).
  std::shared_ptr<node_flags> flags;
};

using wiring_ptr = std::shared_ptr<const node_wiring>;

/// The time for a new entry: the clock, but never before `previous`.
inline int64_t entry_time(const node_wiring& w, int64_t previous) {
  return std::max(w.wall_clock(), previous);
}

/// Sends a protocol message to a peer through the node's transport.
template <class Self, class... Ts>
void send_peer(Self* self, const node_wiring& w, const node_id& to,
               Ts&&... xs) {
  self->send(w.transport, peer_send_atom::value, w.config.self, to,
             caf::make_message(std::forward<Ts>(xs)...));
}

} // namespace flexsync

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::wiring_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const flexsync::loaded_snapshot>)
