#include "actors/transport/local_network.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/node/wiring.hpp"

namespace flexsync {

namespace {

struct network_state {
  std::shared_ptr<network_policy> policy;
  std::map<node_id, node_endpoints> nodes;

  static inline const char* name = "flexsync.local_network";
};

using network_ptr = caf::stateful_actor<network_state>*;

void deliver(network_ptr self, const node_id& to, const caf::message& msg) {
  auto i = self->state.nodes.find(to);
  if (i == self->state.nodes.end())
    return; // not running: the message is lost
  if (auto dst = route_peer_message(i->second, msg))
    caf::anon_send(dst, msg);
}

} // namespace

caf::actor spawn_local_network(caf::actor_system& sys,
                               std::shared_ptr<network_policy> policy) {
  return sys.spawn([policy](network_ptr self) -> caf::behavior {
    self->state.policy = policy;
    return {
      [=](register_atom, const node_id& id, const node_endpoints& ep) {
        self->state.nodes[id] = ep;
      },
      [=](unregister_atom, const node_id& id) { self->state.nodes.erase(id); },
      [=](members_atom, const node_id&, const std::vector<node_id>&) {
        // In one process every running node is reachable: nothing to do.
      },
      [=](links_atom, const node_id& asking) {
        // In one process every running node is reachable.
        std::vector<std::string> result;
        for (auto& [id, ep] : self->state.nodes)
          if (id != asking)
            result.push_back(id.name);
        return result;
      },
      [=](metrics_atom, const node_id&) {
        // Messages in one process are not frames: no traffic to report.
        return transport_metrics{};
      },
      [=](peer_send_atom, const node_id& from, const node_id& to,
          const caf::message& msg) {
        auto& policy = self->state.policy;
        if (!policy) {
          deliver(self, to, msg);
          return;
        }
        for (auto delay : policy->route(from, to, msg)) {
          if (delay <= caf::timespan{0})
            deliver(self, to, msg);
          else
            self->delayed_send(self, delay, deliver_atom::value, to, msg);
        }
      },
      [=](deliver_atom, const node_id& to, const caf::message& msg) {
        deliver(self, to, msg);
      },
    };
  });
}

} // namespace flexsync
