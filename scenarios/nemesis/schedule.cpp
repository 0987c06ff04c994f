// The nemesis runner's seeded fault schedule (see schedule.hpp).

#include "scenarios/nemesis/schedule.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <sstream>

namespace flexsync::nemesis {

const char* to_string(fault_kind x) {
  switch (x) {
    case fault_kind::kill_restart:
      return "kill-restart";
    case fault_kind::pause:
      return "pause";
    case fault_kind::partition:
      return "partition";
    case fault_kind::isolate:
      return "isolate";
    case fault_kind::drop_links:
      return "drop-links";
    case fault_kind::delay:
      return "delay";
    case fault_kind::replay:
      return "replay";
    case fault_kind::disk_full:
      return "disk-full";
    default:
      return "cluster-restart";
  }
}

namespace {

using rng = std::mt19937_64;

int64_t uniform(rng& g, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>{lo, hi}(g);
}

/// Relative weights of the kinds, in enum order: process faults and
/// partitions most, full-cluster restarts rarely. The weights without the
/// optional kinds are those from before they existed, so a seed's schedule
/// without them is unchanged.
fault_kind draw_kind(rng& g, bool replays, bool disk_full) {
  std::vector<int> w{4, 4, 3, 3, 2, 2, 1};
  if (replays || disk_full)
    w.push_back(replays ? 8 : 0);
  if (disk_full)
    w.push_back(6);
  std::discrete_distribution<int> d{w.begin(), w.end()};
  return static_cast<fault_kind>(d(g));
}

fault_event draw_event(rng& g, size_t nodes, bool replays, bool disk_full) {
  fault_event ev;
  ev.kind = draw_kind(g, replays, disk_full);
  ev.node = static_cast<size_t>(uniform(g, 0, static_cast<int64_t>(nodes) - 1));
  // Leaders are the interesting target of pauses and isolation (a paused
  // leader wakes up still believing it leads); half the time aim at one.
  ev.at_leader = (ev.kind == fault_kind::pause || ev.kind == fault_kind::isolate
                  || ev.kind == fault_kind::kill_restart
                  || ev.kind == fault_kind::disk_full)
                 && uniform(g, 0, 1) == 0;
  ev.duration_ms = uniform(g, 400, 3000);
  if (ev.kind == fault_kind::drop_links || ev.kind == fault_kind::replay)
    ev.duration_ms = uniform(g, 50, 300);
  if (ev.kind == fault_kind::cluster_restart)
    ev.duration_ms = uniform(g, 100, 1000);
  if (ev.kind == fault_kind::delay)
    ev.delay_ms = uniform(g, 20, 400);
  if (ev.kind == fault_kind::disk_full) {
    // A node's journal grows by some 50 KB/s under the clients: the limit
    // bites within the episode, mostly while clients write through the
    // node, sometimes at its very next write.
    ev.duration_ms = uniform(g, 1500, 3000);
    ev.headroom_bytes = uniform(g, 0, 3) == 0 ? 0 : uniform(g, 4096, 65536);
    ev.at_restart = uniform(g, 0, 2) == 0;
  }
  if (ev.kind == fault_kind::partition) {
    std::vector<size_t> all(nodes);
    std::iota(all.begin(), all.end(), size_t{0});
    std::shuffle(all.begin(), all.end(), g);
    auto k = static_cast<size_t>(uniform(g, 1, static_cast<int64_t>(nodes / 2)));
    ev.side.assign(all.begin(), all.begin() + static_cast<long>(k));
    std::sort(ev.side.begin(), ev.side.end());
  }
  return ev;
}

} // namespace

std::vector<fault_event> make_schedule(uint64_t seed, size_t nodes,
                                       int64_t run_ms, bool replays,
                                       bool disk_full) {
  rng g{seed};
  std::vector<fault_event> out;
  // The first second is fault-free, so the run starts from a working cluster.
  int64_t t = 1000;
  for (;;) {
    auto ev = draw_event(g, nodes, replays, disk_full);
    ev.start_ms = t + uniform(g, 200, 1500);
    if (ev.start_ms + 100 > run_ms)
      break;
    ev.duration_ms = std::min(ev.duration_ms, run_ms - ev.start_ms);
    t = ev.start_ms + ev.duration_ms;
    out.push_back(std::move(ev));
  }
  return out;
}

std::string describe(const fault_event& x) {
  std::ostringstream out;
  out << "at " << x.start_ms << "ms for " << x.duration_ms << "ms: "
      << to_string(x.kind);
  if (x.kind == fault_kind::partition) {
    out << " {";
    for (size_t i = 0; i < x.side.size(); ++i)
      out << (i ? "," : "") << 'n' << x.side[i];
    out << "} | the rest";
  } else if (x.kind != fault_kind::cluster_restart) {
    if (x.at_leader)
      out << " leader (else n" << x.node << ')';
    else
      out << " n" << x.node;
  }
  if (x.kind == fault_kind::delay)
    out << " by " << x.delay_ms << "ms";
  if (x.kind == fault_kind::disk_full)
    out << (x.at_restart ? " at restart" : " live") << ", journal +"
        << x.headroom_bytes << " bytes";
  return out.str();
}

} // namespace flexsync::nemesis
