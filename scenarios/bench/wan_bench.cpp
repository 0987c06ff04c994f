// flexsync-wan: commit latency on a simulated WAN, per client zone and
// quorum system, in the simulator's virtual time (noise-free: no CPU or
// disk time, only the network's delays).
//
//   flexsync-wan [--seed S] [--commands N] [--nodes-per-zone K]
//                [--systems majority,counting,grid,zones,zones-local,shift]
//                [--leader-zone VA] [--shift-from VA] [--shift-to JP]
//                [--transfer-after N] [--heartbeat-ms T]
//                [--election-ms A-B] [--svg FILE]
//
// Five AWS regions (VA, OR, CA, IR, JP) with the mean RTTs of issue 12,
// 0.43 ms within a region, Gaussian jitter (σ 2 ms between regions, 0.02 ms
// within one), K nodes per region (3: 15 nodes), one closed-loop client per
// region. Heartbeat 100 ms, election timeout 1-2 s. See README "WAN
// evaluation" for the numbers and what they mean.
//
// Prints one machine-readable line per system and client zone
//   wan system=zones zone=VA leader=VA p50_ms=0.42 p99_ms=0.47 n=1000 retries=0
// (`status=refused reason="..."` when the nodes refuse a system), one per
// shift policy, then a table. The same seed gives the same numbers.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "scenarios/bench/svg_plot.hpp"
#include "scenarios/bench/wan_experiments.hpp"

using namespace flexsync;
using namespace flexsync::bench;

namespace {

struct options {
  wan_setup setup;
  size_t commands = 1000;
  std::vector<std::string> systems = {"majority", "counting",    "grid",
                                      "zones",    "zones-local", "shift"};
  std::string leader_zone = "VA";
  std::string shift_from = "VA";
  std::string shift_to = "JP";
  /// 0: a tenth of `commands`.
  size_t transfer_after = 0;
  std::string svg;
};

constexpr const char* usage =
    "usage: flexsync-wan [--seed S] [--commands N] [--nodes-per-zone K]\n"
    "                    [--systems LIST] [--leader-zone Z] [--shift-from Z]\n"
    "                    [--shift-to Z] [--transfer-after N]\n"
    "                    [--heartbeat-ms T] [--election-ms A-B] [--svg FILE]\n"
    "  --commands N        commands per client zone (default 1000)\n"
    "  --nodes-per-zone K  nodes in each of the 5 zones (default 3)\n"
    "  --systems LIST      comma-separated, of majority, counting, grid,\n"
    "                      zones, zones-local, shift (default: all)\n"
    "  --leader-zone Z     where static systems elect their leader (VA)\n"
    "  --shift-from/--shift-to Z   the workload shift (VA to JP)\n"
    "  --transfer-after N  the operator's transfer after N commands of the\n"
    "                      new zone (default: a tenth of --commands)\n"
    "  --heartbeat-ms T    the leader's heartbeat interval (default 100)\n"
    "  --election-ms A-B   the election timeout range (default 1000-2000)\n"
    "  --svg FILE          write the plot (p50 bars, p99 whiskers)\n";

/// A command line that cannot be run: answered with the usage.
struct usage_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in{s};
  for (std::string x; std::getline(in, x, ',');)
    if (!x.empty())
      out.push_back(x);
  return out;
}

caf::timespan millis(const std::string& v) {
  return std::chrono::milliseconds(std::stoll(v));
}

/// "1000-2000" in milliseconds.
std::pair<caf::timespan, caf::timespan> millis_range(const std::string& v) {
  auto dash = v.find('-');
  if (dash == std::string::npos)
    throw usage_error("--election-ms expects MIN-MAX, e.g. 1000-2000");
  return {millis(v.substr(0, dash)), millis(v.substr(dash + 1))};
}

void set_option(options& o, const std::string& arg, const std::string& v) {
  if (arg == "--seed")
    o.setup.seed = std::stoull(v);
  else if (arg == "--commands")
    o.commands = std::stoul(v);
  else if (arg == "--nodes-per-zone")
    o.setup.nodes_per_zone = std::stoul(v);
  else if (arg == "--systems")
    o.systems = split(v);
  else if (arg == "--leader-zone")
    o.leader_zone = v;
  else if (arg == "--shift-from")
    o.shift_from = v;
  else if (arg == "--shift-to")
    o.shift_to = v;
  else if (arg == "--transfer-after")
    o.transfer_after = std::stoul(v);
  else if (arg == "--svg")
    o.svg = v;
  else if (arg == "--heartbeat-ms")
    o.setup.heartbeat_interval = millis(v);
  else if (arg == "--election-ms")
    std::tie(o.setup.election_timeout_min, o.setup.election_timeout_max) =
        millis_range(v);
  else
    throw usage_error("unknown option " + arg);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    if (i + 1 >= argc)
      throw usage_error("missing value after " + arg);
    std::string v = argv[++i];
    try {
      set_option(o, arg, v);
    } catch (const usage_error&) {
      throw;
    } catch (const std::logic_error&) {
      throw usage_error("bad value for " + arg + ": " + v);
    }
  }
  if (o.commands == 0)
    throw usage_error("--commands must be at least 1");
  if (o.transfer_after == 0)
    o.transfer_after = std::max<size_t>(1, o.commands / 10);
  auto& known = wan_world::system_names();
  for (auto& x : o.systems)
    if (x != "shift" && std::find(known.begin(), known.end(), x) == known.end())
      throw usage_error("unknown system " + x);
  return o;
}

/// The index of zone `name`, for an option.
size_t zone_option(const wan_world& w, const std::string& name) {
  try {
    return w.latency().zone_index(name);
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
}

std::string fixed(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

void print_system(const wan_world& w, const system_result& r) {
  if (r.refused) {
    std::cout << "wan system=" << r.system.name << " status=refused reason=\""
              << *r.refused << "\"\n";
    return;
  }
  for (size_t z = 0; z < w.zone_count(); ++z)
    if (auto& s = r.zones[z])
      std::cout << "wan system=" << r.system.name << " zone=" << w.zones()[z]
                << " leader="
                << (r.leader_zone == "local" ? w.zones()[z] : r.leader_zone)
                << " p50_ms=" << fixed(s->p50) << " p99_ms=" << fixed(s->p99)
                << " n=" << s->n << " retries=" << s->retries
                << " appends=" << r.appends << "\n";
  std::cout << std::flush;
}

void print_shift(const options& o, const shift_result& r) {
  std::cout << "wan shift policy=" << r.policy << " from=" << o.shift_from
            << " to=" << o.shift_to << " commands=" << o.commands
            << (r.policy == "operator"
                    ? " transfer_after=" + std::to_string(o.transfer_after)
                    : std::string{})
            << " before_p50_ms=" << fixed(r.before.p50)
            << " after_p50_ms=" << fixed(r.after.p50)
            << " after_p99_ms=" << fixed(r.after.p99)
            << " retries=" << r.after.retries
            << " slowest_ms=" << fixed(r.slowest_ms)
            << " goal_ms=" << fixed(r.goal_ms) << " recovered_after=";
  if (r.recovered_after)
    std::cout << *r.recovered_after
              << " recovered_ms=" << fixed(*r.recovered_ms) << "\n";
  else
    std::cout << "never\n";
}

void print_table(const wan_world& w, const std::vector<system_result>& rs) {
  std::printf("\ncommit latency p50 / p99 in ms, by client zone\n%-12s %-7s",
              "system", "leader");
  for (auto& z : w.zones())
    std::printf(" %17s", z.c_str());
  std::printf("\n");
  for (auto& r : rs) {
    std::printf("%-12s %-7s", r.system.name.c_str(),
                r.refused ? "-" : r.leader_zone.c_str());
    if (r.refused) {
      std::printf(" refused by the validator\n");
      continue;
    }
    for (auto& s : r.zones)
      std::printf(" %17s",
                  s ? (fixed(s->p50) + " / " + fixed(s->p99)).c_str() : "-");
    std::printf("\n");
  }
}

void write_svg(const wan_world& w, const options& o,
               const std::vector<system_result>& rs) {
  bar_chart chart;
  chart.title = "flexsync commit latency on a simulated 5-region WAN (" +
                std::to_string(w.nodes().size()) + " nodes, seed " +
                std::to_string(o.setup.seed) + ")";
  chart.x_label = "client zone (static leaders in " + o.leader_zone + ")";
  chart.y_label = "commit latency, ms (log scale): p50 bar, p99 whisker";
  chart.groups = w.zones();
  for (auto& r : rs) {
    if (r.refused) {
      chart.notes.push_back(r.system.name + ": refused by the validator");
      continue;
    }
    bar_series s{r.system.name, {}};
    for (auto& z : r.zones)
      s.values.push_back(z ? std::optional{bar_value{z->p50, z->p99}}
                           : std::nullopt);
    chart.series.push_back(std::move(s));
  }
  std::ofstream out{o.svg};
  out << render_svg(chart);
  if (!out)
    throw std::runtime_error("cannot write " + o.svg);
}

void print_setup(const wan_world& w, const options& o) {
  auto& s = o.setup;
  auto in_ms = [](caf::timespan d) {
    return fixed(std::chrono::duration<double, std::milli>(d).count());
  };
  std::cout << "wan setup seed=" << s.seed << " nodes=" << w.nodes().size()
            << " nodes_per_zone=" << s.nodes_per_zone
            << " commands=" << o.commands
            << " heartbeat_ms=" << in_ms(s.heartbeat_interval)
            << " election_ms=" << in_ms(s.election_timeout_min) << "-"
            << in_ms(s.election_timeout_max)
            << " intra_rtt_ms=" << fixed(w.intra_rtt_ms())
            << " wan_sigma_ms=" << in_ms(s.wan_sigma)
            << " intra_sigma_ms=" << in_ms(s.intra_sigma) << "\n";
}

std::vector<shift_result> run_shift(const wan_world& w, const options& o) {
  auto from = zone_option(w, o.shift_from);
  auto to = zone_option(w, o.shift_to);
  std::vector<shift_result> out;
  for (auto& p : shift_policies(o.transfer_after)) {
    try {
      out.push_back(measure_shift(w, p, from, to, o.commands));
      print_shift(o, out.back());
    } catch (const config_error& e) {
      std::cout << "wan shift policy=" << p.name << " status=refused reason=\""
                << e.what() << "\"\n";
    }
  }
  return out;
}

void print_shift_table(const options& o, const std::vector<shift_result>& rs) {
  if (rs.empty())
    return;
  std::printf("\nworkload shift %s -> %s (zones, leader first in %s): %s's "
              "latency after the shift, ms\n%-16s %17s  %s\n",
              o.shift_from.c_str(), o.shift_to.c_str(), o.shift_from.c_str(),
              o.shift_to.c_str(), "policy", "p50 / p99", "recovered");
  for (auto& r : rs) {
    auto lat = fixed(r.after.p50) + " / " + fixed(r.after.p99);
    auto rec = r.recovered_after
                   ? "after " + std::to_string(*r.recovered_after) +
                         " commands, " + fixed(*r.recovered_ms / 1000) + " s"
                   : std::string{"never"};
    std::printf("%-16s %17s  %s\n", r.policy.c_str(), lat.c_str(), rec.c_str());
  }
}

int run(const options& o) {
  wan_world w{o.setup};
  auto leader = zone_option(w, o.leader_zone);
  zone_option(w, o.shift_from);
  zone_option(w, o.shift_to);
  print_setup(w, o);
  std::vector<system_result> results;
  for (auto& name : o.systems) {
    if (name == "shift")
      continue;
    results.push_back(measure_system(w, w.system(name), o.commands, leader));
    print_system(w, results.back());
  }
  std::vector<shift_result> shifts;
  if (std::find(o.systems.begin(), o.systems.end(), "shift") != o.systems.end())
    shifts = run_shift(w, o);
  print_table(w, results);
  print_shift_table(o, shifts);
  if (!o.svg.empty())
    write_svg(w, o, results);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const usage_error& e) {
    std::cerr << "flexsync-wan: " << e.what() << "\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "flexsync-wan: " << e.what() << "\n";
    return 1;
  }
}
