#include "scenarios/bench/wan_experiments.hpp"

#include <algorithm>

namespace flexsync::bench {

namespace {

std::vector<zone_client> clients_for(const wan_world& w, size_t commands) {
  std::vector<zone_client> out(w.zone_count());
  for (size_t z = 0; z < out.size(); ++z) {
    out[z].zone = z;
    out[z].remaining = commands;
  }
  return out;
}

/// Runs every zone's client at once for `commands` commands each.
std::vector<zone_client> run_all(const wan_world& w, sim::cluster& c,
                                 size_t commands) {
  auto clients = clients_for(w, commands);
  std::vector<zone_client*> all;
  for (auto& cl : clients)
    all.push_back(&cl);
  run_clients({c, w, {}}, all);
  return clients;
}

// The leader moves into each zone in turn (an operator's transfer) while
// every zone's client runs, as for the other systems; the row of a zone is
// measured while it holds the leader.
void measure_localized(const wan_world& w, sim::cluster& c, system_result& r,
                       size_t commands) {
  for (size_t z = 0; z < w.zone_count(); ++z) {
    transfer(c, w.nodes_in(z).front());
    auto clients = run_all(w, c, commands);
    r.zones[z] = stats_of(clients[z]);
  }
  r.leader_zone = "local";
}

} // namespace

system_result measure_system(const wan_world& w, const wan_system& sys,
                             size_t commands, size_t leader_zone) {
  system_result r;
  r.system = sys;
  r.zones.resize(w.zone_count());
  std::unique_ptr<sim::cluster> c;
  try {
    c = w.make_cluster(sys);
  } catch (const config_error& e) {
    r.refused = e.what();
    return r;
  }
  elect(*c, w.nodes_in(leader_zone).front());
  if (sys.localized) {
    measure_localized(w, *c, r, commands);
    return r;
  }
  r.leader_zone = w.zones()[leader_zone];
  c->net().reset_counts();
  auto clients = run_all(w, *c, commands);
  for (auto& cl : clients)
    r.zones[cl.zone] = stats_of(cl);
  for (auto& [key, n] : c->net().counts())
    if (std::get<2>(key) == "append_entries")
      r.appends += n;
  return r;
}

std::vector<shift_policy> shift_policies(size_t transfer_after) {
  shift_policy fixed{"static", {}, {}};
  shift_policy op{"operator", {}, {}};
  op.after_command = [transfer_after](sim::cluster& c, const wan_world& w,
                                      size_t to, size_t done) {
    if (done == transfer_after)
      start_transfer(c, w.nodes_in(to).front());
  };
  // The node's own policy (node_config::placement.follow_workload): the
  // leader moves to the zone that issues most commands. One closed-loop
  // client in a far zone makes about 3 commands a second, so the windows
  // are 2 s with at least 3 commands (the defaults, 1 s and 10, suit a
  // busier cluster).
  shift_policy follow{"follow-workload", {}, {}};
  follow.configure = [](sim::cluster_options& o) {
    o.placement.follow_workload = true;
    o.placement.workload_window = std::chrono::seconds(2);
    o.placement.workload.min_commands = 3;
  };
  return {fixed, op, follow};
}

shift_result measure_shift(const wan_world& w, const shift_policy& policy,
                           size_t from, size_t to, size_t commands) {
  auto c = w.make_cluster(w.system("zones"), policy.configure);
  elect(*c, w.nodes_in(from).front());
  shift_result r;
  r.policy = policy.name;
  r.goal_ms = 1.2 * w.intra_rtt_ms();
  auto clients = clients_for(w, commands);
  run_clients({*c, w, {}}, {&clients[from]});
  r.before = stats_of(clients[from]);
  // The shift: from now on only `to` makes commands.
  auto shift = c->now();
  auto& moved = clients[to];
  auto hook = [&](const zone_client& cl) {
    if (policy.after_command)
      policy.after_command(*c, w, to, cl.samples.size());
  };
  run_clients({*c, w, hook}, {&moved});
  r.after = stats_of(moved);
  auto& xs = moved.samples;
  for (auto& x : xs)
    r.slowest_ms = std::max(r.slowest_ms, x.ms);
  for (size_t i = 0; i + recovery_window <= xs.size(); ++i)
    if (std::all_of(xs.begin() + i, xs.begin() + i + recovery_window,
                    [&](auto& s) { return s.ms <= r.goal_ms; })) {
      r.recovered_after = i;
      r.recovered_ms =
          std::chrono::duration<double, std::milli>(xs[i].completed - shift)
              .count();
      break;
    }
  return r;
}

} // namespace flexsync::bench
