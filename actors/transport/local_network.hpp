#pragma once

// The in-process transport: one actor that routes peer messages between the
// nodes of one actor system. Without a policy it delivers every message at
// once, in order (a perfect network, for single-process clusters and
// examples). With a policy it is the simulator's network: each message may be
// dropped, delayed, duplicated or reordered, as the policy decides.

#include <memory>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "protocol/types.hpp"

namespace flexsync {

/// Decides the fate of every message of a simulated network (see
/// spawn_local_network): drop, delay, duplicate or reorder.
class network_policy {
public:
  virtual ~network_policy() = default;

  /// Returns one delay per copy of the message to deliver; empty drops it.
  /// Called on the network actor, one message at a time.
  virtual std::vector<caf::timespan>
  route(const node_id& from, const node_id& to, const caf::message& msg) = 0;
};

/// Spawns a network actor speaking the transport protocol of wiring.hpp:
/// (register_atom, id, endpoints), (unregister_atom, id) and
/// (peer_send_atom, from, to, message).
caf::actor spawn_local_network(caf::actor_system& sys,
                               std::shared_ptr<network_policy> policy = {});

} // namespace flexsync
