#pragma once

// Spawning and stopping the actors of one node. CAF-light: callers need only
// forward declarations.

#include <memory>

#include <caf/exit_reason.hpp>
#include <caf/fwd.hpp>

#include "actors/node/wiring.hpp"

namespace flexsync {

caf::actor spawn_log_store(caf::actor_system& sys);
caf::actor spawn_election(caf::actor_system& sys);
caf::actor spawn_replicator(caf::actor_system& sys);
caf::actor spawn_state_machine(caf::actor_system& sys);
caf::actor spawn_membership(caf::actor_system& sys);
caf::actor spawn_snapshotter(caf::actor_system& sys);

/// Called by every node actor when it receives its wiring: links it to the
/// node's other actors and makes an exception (a storage error, a broken
/// invariant) stop the whole node with one clear log line (fail-stop).
void join_node(caf::scheduled_actor* self, const wiring_ptr& w);

/// Spawns every actor of a node, hands each the wiring (its first message)
/// and registers the node with its transport. `w` must name the transport,
/// the storage and the state machines; its endpoints, the objects' handler
/// sets and (when unset) config.max_code_version are filled in here.
node_endpoints spawn_node(caf::actor_system& sys,
                          std::shared_ptr<node_wiring> w);

/// Unregisters a node from `transport` and stops its actors. With
/// `user_shutdown` pending calls are answered with `stopped`; with `kill`
/// (a simulated crash) nothing runs any more.
void stop_node(const node_endpoints& node, const caf::actor& transport,
               const node_id& id, caf::exit_reason reason);

} // namespace flexsync
