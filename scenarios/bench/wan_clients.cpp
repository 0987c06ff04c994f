#include "scenarios/bench/wan_clients.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flexsync::bench {

namespace {

using namespace std::chrono_literals;

constexpr caf::timespan call_timeout = 30s;
constexpr caf::timespan patience = 60s;
constexpr size_t max_attempts = 10;

double to_ms(caf::timespan d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void submit(const client_run& run, zone_client& cl) {
  auto at = entry_node(run.cluster, run.world, cl.zone);
  auto value =
      run.world.zones()[cl.zone] + "-" + std::to_string(cl.samples.size());
  cl.slot = run.cluster.propose(at, std::move(value), call_timeout);
  if (cl.attempts++ == 0)
    cl.started = run.cluster.outcomes()[*cl.slot].invoked;
}

/// Takes the answer of `cl`'s command: a sample, or another attempt.
void collect(const client_run& run, zone_client& cl) {
  auto& out = run.cluster.outcomes()[*cl.slot];
  cl.slot.reset();
  if (out.reason != fail_reason::success) {
    if (cl.attempts >= max_attempts)
      throw std::runtime_error("a command of zone " +
                               run.world.zones()[cl.zone] + " failed " +
                               std::to_string(cl.attempts) + " times");
    ++cl.retries;
    return;
  }
  cl.samples.push_back({to_ms(out.completed - cl.started), out.completed});
  cl.attempts = 0;
  --cl.remaining;
  if (run.after_command)
    run.after_command(cl);
}

} // namespace

node_id entry_node(const sim::cluster& c, const wan_world& w, size_t z) {
  auto here = w.nodes_in(z);
  if (auto l = c.leader(); l && w.zone_of(*l) == z)
    return *l;
  for (auto& id : here)
    if (c.up(id))
      return id;
  return here.front();
}

void run_clients(const client_run& run, std::vector<zone_client*> clients) {
  auto& c = run.cluster;
  auto busy = [&] {
    return std::any_of(clients.begin(), clients.end(),
                       [](auto* cl) { return cl->remaining > 0; });
  };
  while (busy()) {
    for (auto* cl : clients)
      if (cl->remaining > 0 && !cl->slot)
        submit(run, *cl);
    auto answered = [&] {
      return std::any_of(clients.begin(), clients.end(), [&](auto* cl) {
        return cl->slot && c.outcomes()[*cl->slot].done;
      });
    };
    if (!c.run_until(answered, patience))
      throw std::runtime_error(
          c.check().ok() ? "no command answered within a minute"
                         : "a check failed: " + c.check().violations().front());
    for (auto* cl : clients)
      if (cl->slot && c.outcomes()[*cl->slot].done)
        collect(run, *cl);
  }
}

void elect(sim::cluster& c, const node_id& id) {
  c.campaign(id);
  if (!c.run_until([&] { return c.settled() && c.leader() == id; }, patience))
    throw std::runtime_error("node " + id.name + " was not elected");
}

size_t start_transfer(sim::cluster& c, const node_id& id) {
  change_request req;
  req.op = change_op::transfer_leader;
  req.node = id;
  auto at = c.leader().value_or(id);
  return c.change(at, std::move(req), 10s, "transfer " + id.name);
}

void transfer(sim::cluster& c, const node_id& id) {
  auto slot = start_transfer(c, id);
  c.run_until([&] { return c.changes()[slot].done; }, patience);
  auto& r = c.changes()[slot];
  if (!r.done || !r.result.ok())
    throw std::runtime_error("transfer to " + id.name +
                             " failed: " + r.result.detail);
  if (!c.run_until([&] { return c.settled() && c.leader() == id; }, patience))
    throw std::runtime_error("node " + id.name + " did not settle as leader");
}

latency_stats stats_of(const zone_client& cl) {
  auto s = stats_of(cl.samples);
  s.retries = cl.retries;
  return s;
}

latency_stats stats_of(const std::vector<latency_sample>& xs) {
  latency_stats s;
  s.n = xs.size();
  if (xs.empty())
    return s;
  std::vector<double> ms;
  for (auto& x : xs)
    ms.push_back(x.ms);
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double p) {
    auto k = static_cast<size_t>(std::ceil(p / 100.0 * ms.size()));
    return ms[std::clamp<size_t>(k, 1, ms.size()) - 1];
  };
  s.p50 = rank(50);
  s.p99 = rank(99);
  return s;
}

} // namespace flexsync::bench
