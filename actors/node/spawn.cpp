#include "actors/node/spawn.hpp"

#include <chrono>
#include <random>

#include <caf/all.hpp>

#include "protocol/membership.hpp"

#include "protocol/appends.hpp"
#include "protocol/commands.hpp"
#include "protocol/incarnation.hpp"
#include "protocol/read_index.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

int64_t default_wall_clock() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

caf::actor route_peer_message(const node_endpoints& dst,
                              const caf::message& msg) {
  if (msg.size() != 1)
    return {};
  if (msg.match_element<append_entries>(0) || msg.match_element<heartbeat>(0)
      || msg.match_element<install_snapshot>(0)
      || msg.match_element<recovery_probe>(0)
      || msg.match_element<recovery_report>(0))
    return dst.log_store;
  if (msg.match_element<append_reply>(0)
      || msg.match_element<heartbeat_reply>(0)
      || msg.match_element<forward_command>(0)
      || msg.match_element<install_reply>(0)
      || msg.match_element<read_index_request>(0)
      || msg.match_element<read_index_reply>(0))
    return dst.replicator;
  if (msg.match_element<request_vote>(0) || msg.match_element<vote_reply>(0)
      || msg.match_element<timeout_now>(0))
    return dst.election;
  if (msg.match_element<forward_reply>(0))
    return dst.state_machine;
  if (msg.match_element<change_request>(0)
      || msg.match_element<change_reply>(0))
    return dst.membership;
  return {};
}

void join_node(caf::scheduled_actor* self, const wiring_ptr& w) {
  // The handler outlives the behavior (CAF keeps it until the actor object
  // dies), so it must not hold the wiring: that would keep the transport and
  // every endpoint alive in a cycle and hang the actor system's shutdown.
  self->set_exception_handler(
    [lg = w->log, on_failure = w->on_failure](
      caf::scheduled_actor* s, std::exception_ptr& ep) -> caf::error {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
        // keep the generic text
      }
      lg.error(std::string{"stopping the node ("} + s->name()
               + " failed): " + what);
      if (on_failure)
        on_failure(std::string{s->name()} + " failed: " + what);
      return caf::make_error(caf::sec::runtime_error, what);
    });
  auto& ep = w->self;
  for (auto& a : {ep.election, ep.log_store, ep.replicator, ep.state_machine,
                  ep.membership, ep.snapshotter})
    if (a && a.address() != self->address())
      self->link_to(a);
}

node_endpoints spawn_node(caf::actor_system& sys,
                          std::shared_ptr<node_wiring> w) {
  if (w->config.seed == 0) {
    std::random_device rd;
    w->config.seed = (uint64_t{rd()} << 32) | rd();
  }
  w->behaviors.clear();
  for (auto* m : w->machines)
    w->behaviors.push_back(m->make_versioned_behavior());
  if (!w->config.max_code_version)
    w->config.max_code_version = highest_declared_version(w->behaviors);
  auto& ep = w->self;
  ep.log_store = spawn_log_store(sys);
  ep.election = spawn_election(sys);
  ep.replicator = spawn_replicator(sys);
  ep.state_machine = spawn_state_machine(sys);
  ep.membership = spawn_membership(sys);
  ep.snapshotter = spawn_snapshotter(sys);
  wiring_ptr shared = w;
  // The state machine restores the snapshot before the log store pushes
  // entries after it; the others query the log store as they start.
  for (auto& a : {ep.state_machine, ep.log_store, ep.membership,
                  ep.replicator, ep.election, ep.snapshotter})
    caf::anon_send(a, init_atom::value, shared);
  caf::anon_send(w->transport, register_atom::value, w->config.self, ep);
  return ep;
}

void stop_node(const node_endpoints& node, const caf::actor& transport,
               const node_id& id, caf::exit_reason reason) {
  caf::anon_send(transport, unregister_atom::value, id);
  for (auto& a : {node.election, node.replicator, node.log_store,
                  node.membership, node.state_machine, node.snapshotter})
    caf::anon_send_exit(a, reason);
}

} // namespace flexsync
