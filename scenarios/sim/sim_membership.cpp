// Membership requests in the simulator: sent to a node's membership manager
// from a client actor of the harness, their outcomes recorded like calls.

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "scenarios/sim/cluster.hpp"

namespace flexsync::sim {

size_t cluster::change(const node_id& at, change_request req,
                       caf::timespan timeout, std::string label) {
  auto slot = changes_.size();
  changes_.push_back(change_outcome{std::move(label), false, {}});
  auto& n = node(at);
  if (!n.up) {
    changes_.back().done = true;
    changes_.back().result = {fail_reason::stopped, "node down"};
    return slot;
  }
  if (!admin_)
    admin_ = sys_->spawn([this](caf::event_based_actor* self) -> caf::behavior {
      return {
        [=, this](const caf::actor& target, change_request& req,
                  caf::timespan timeout, uint64_t slot) {
          self
            ->request(target, timeout + timeout, change_atom::value,
                      std::move(req), timeout)
            .then(
              [=, this](change_result& r) {
                changes_[slot].done = true;
                changes_[slot].result = std::move(r);
              },
              [=, this](caf::error& err) {
                changes_[slot].done = true;
                changes_[slot].result = {to_fail_reason(err), "no answer"};
              });
        },
      };
    });
  caf::anon_send(admin_, n.endpoints.membership, std::move(req), timeout,
                 uint64_t{slot});
  return slot;
}

std::vector<node_id> cluster::members() const {
  // The leader's configuration is the cluster's: a removed node may never
  // learn that it was removed (the leader stops replicating to it).
  auto nodes = live();
  const configuration* c = nullptr;
  if (auto l = leader())
    c = checker_.config_of(*l);
  std::erase_if(nodes, [&](const node_id& id) {
    auto* own = c ? c : checker_.config_of(id);
    if (!own)
      return false;
    auto m = own->members();
    return !std::binary_search(m.begin(), m.end(), id);
  });
  return nodes;
}

} // namespace flexsync::sim
