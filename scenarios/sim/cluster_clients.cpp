// The simulated cluster's clients: calls submitted to a node's state
// machine from outside the node, each with an outcome slot (cluster.hpp).

#include <caf/all.hpp>

#include "actors/node/type_ids.hpp"
#include "protocol/read_mode.hpp"
#include "scenarios/sim/cluster.hpp"

namespace flexsync::sim {

namespace {

/// How much longer than the call's own deadline a client waits.
constexpr caf::timespan client_backstop = std::chrono::seconds(1);

} // namespace

void cluster::start_client() {
  client_ = sys_->spawn([this](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=, this](submit_atom, const caf::actor& target,
                  const caf::message& args, caf::timespan timeout,
                  uint64_t slot) {
          self->request(target, timeout + client_backstop, submit_atom::value,
                        uint32_t{0}, args, timeout)
              .then(
                  [=, this](result_atom, caf::message& result) {
                    auto& out = outcomes_[slot];
                    out.done = true;
                    out.completed = now();
                    out.reason = fail_reason::success;
                    if (result.match_elements<uint64_t>())
                      out.position = result.get_as<uint64_t>(0);
                    // A read: what the node's register holds once the
                    // barrier completed.
                    if (args.match_element<read_barrier_atom>(0)
                        && up(out.node))
                      out.position = values(out.node).size();
                  },
                  [=, this](caf::error& err) {
                    auto& out = outcomes_[slot];
                    out.done = true;
                    out.completed = now();
                    out.reason = to_fail_reason(err);
                  });
        },
    };
  });
}

size_t cluster::submit(const node_id& at, std::string label,
                       caf::message args, caf::timespan timeout) {
  auto slot = outcomes_.size();
  outcomes_.push_back(call_outcome{std::move(label), at, false,
                                   fail_reason::success, 0, now(), now()});
  auto& n = node(at);
  if (!n.up) {
    outcomes_.back().done = true;
    outcomes_.back().reason = fail_reason::stopped;
    return slot;
  }
  caf::anon_send(client_, submit_atom::value, n.endpoints.state_machine,
                 std::move(args), timeout, uint64_t{slot});
  return slot;
}

size_t cluster::propose(const node_id& at, std::string value,
                        caf::timespan timeout) {
  auto args = caf::make_message(sim_register::put_atom::value, value);
  return submit(at, std::move(value), std::move(args), timeout);
}

size_t cluster::read(const node_id& at, caf::timespan timeout, bool lease) {
  return submit(at, lease ? "lease read" : "read",
                caf::make_message(read_barrier_atom::value,
                                  static_cast<uint8_t>(
                                    lease ? read_mode::lease
                                          : read_mode::read_index)),
                timeout);
}

} // namespace flexsync::sim
