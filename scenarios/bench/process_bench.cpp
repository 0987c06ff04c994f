// Process benchmark: a cluster of flexsync-node processes on loopback,
// driven through their consoles. By default the client runs inside the
// leader's process, as PySyncObj is usually benchmarked; `--client
// follower` runs it inside a follower (calls are forwarded to the leader).
// `process-bench --help` lists the options. For each mode (no password /
// password) it prints RESULT lines:
//   pipelined committed calls/s for each payload and window;
//   one-client blocking call latency p50/p99 (16 B);
//   with --open-loop: calls arriving at 25/50/75/90 % of the measured
//   pipelined maximum (16 B), p50/p99/p999 latency from each call's
//   scheduled arrival (no coordinated omission), and an SVG of it (--svg);
//   linearizable reads (read barriers) on the leader and on a follower;
//   failover after SIGKILL of the leader (median/min/max of N trials).
// Not run by ctest.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/bench/bench_child.hpp"
#include "scenarios/bench/svg_plot.hpp"

namespace {

using namespace flexsync::bench;

struct options {
  double seconds = 5;
  size_t nodes = 3;
  /// Calls in flight in the pipelined runs. Swept 2 000 to 50 000 on 3
  /// nodes: 5 000 is the best (as for PySyncObj); bigger windows only queue.
  std::vector<size_t> windows{5000};
  std::vector<size_t> payloads{16, 1024};
  /// Where the client runs: leader and/or follower.
  std::vector<std::string> clients{"leader"};
  size_t trials = 5;
  std::vector<std::string> modes{"plain", "password"};
  std::string storage = "memory";
  std::string fsync = "always";
  bool open_loop = false;
  bool reads = true;
  std::string svg;
  std::string node_bin;
  /// Extra flexsync-node options (e.g. --scheduler.policy=sharing).
  std::vector<std::string> node_args;
};

class cluster {
public:
  cluster(const options& opt, bool password, const std::string& dir) {
    auto ports = free_ports(opt.nodes);
    for (auto p : ports)
      ids_.push_back("127.0.0.1:" + std::to_string(p));
    std::string pw_file = dir + "/password";
    if (password)
      std::ofstream{pw_file} << "benchmark password\n";
    for (size_t i = 0; i < opt.nodes; ++i) {
      auto args = node_args(opt, i);
      if (password)
        args.push_back("--password-file=" + pw_file);
      if (opt.storage == "disk") {
        auto data = dir + "/data" + std::to_string(i);
        std::filesystem::create_directories(data);
        args.push_back("--data-dir=" + data);
        args.push_back("--fsync=" + opt.fsync);
      }
      nodes_.push_back(std::make_unique<child>(
        opt.node_bin, args, dir + "/node" + std::to_string(i) + ".log"));
    }
  }

  size_t size() const { return nodes_.size(); }
  child& at(size_t i) { return *nodes_[i]; }
  const std::string& id(size_t i) const { return ids_[i]; }

  /// Index of the leader all running nodes agree on.
  std::optional<size_t> leader() {
    std::optional<std::string> l;
    for (auto& n : nodes_) {
      if (!n->running())
        continue;
      auto st = n->status();
      if (st["leader"] == "-" || st["leader"].empty()
          || (l && *l != st["leader"]))
        return std::nullopt;
      l = st["leader"];
    }
    for (size_t i = 0; i < ids_.size(); ++i)
      if (l && ids_[i] == *l)
        return i;
    return std::nullopt;
  }

  /// A leader, every node linked to every other, intact, equally applied.
  bool settled() {
    if (!leader())
      return false;
    std::string applied;
    auto links = std::to_string(size() - 1);
    for (auto& n : nodes_) {
      auto st = n->status();
      // A node restarted in memory mode counts again only once it rejoined
      // (member=intact); killing the leader before that stalls the cluster.
      if (st["links"] != links || st["member"] != "intact"
          || (!applied.empty() && st["applied"] != applied))
        return false;
      applied = st["applied"];
    }
    return true;
  }

private:
  std::vector<std::string> node_args(const options& opt, size_t i) const {
    std::string partners = "[";
    for (size_t j = 0; j < ids_.size(); ++j)
      if (j != i)
        partners += (partners.size() > 1 ? ",\"" : "\"") + ids_[j] + "\"";
    std::vector<std::string> args{"--self=" + ids_[i],
                                  "--partners=" + partners + "]",
                                  "--storage=" + opt.storage,
                                  "--log-level=info", "--call-timeout=10s"};
    args.insert(args.end(), opt.node_args.begin(), opt.node_args.end());
    return args;
  }

  std::vector<std::string> ids_;
  std::vector<std::unique_ptr<child>> nodes_;
};

/// The node a client of kind `where` runs in: the leader or the next one.
size_t client_node(cluster& c, const std::string& where) {
  auto l = *c.leader();
  return where == "leader" ? l : (l + 1) % c.size();
}

std::string median_min_max(std::vector<double> xs, const std::string& name) {
  std::sort(xs.begin(), xs.end());
  std::ostringstream out;
  out << name << "_median=" << xs[xs.size() / 2] << ' ' << name
      << "_min=" << xs.front() << ' ' << name << "_max=" << xs.back();
  return out.str();
}

/// Starts every RESULT line: the benchmark and the cluster's settings.
std::string prefix(const options& opt, bool password) {
  return "RESULT bench=process nodes=" + std::to_string(opt.nodes)
         + " storage=" + opt.storage
         + " fsync=" + (opt.storage == "disk" ? opt.fsync : "-")
         + " password=" + (password ? "yes" : "no");
}

/// Pipelined calls for every client place, payload and window; returns the
/// best 16 B rate per client place (for the open loop).
std::map<std::string, double> pipelined(cluster& c, const options& opt,
                                        const std::string& tag) {
  std::map<std::string, double> best;
  auto secs = std::to_string(opt.seconds);
  for (auto& where : opt.clients)
    for (auto bytes : opt.payloads)
      for (auto window : opt.windows) {
        // Elections during a run (a starved leader stepping down) show as
        // term_changes and failed calls.
        auto at = client_node(c, where);
        auto term = std::stoll(c.at(at).status()["term"]);
        std::vector<const child*> procs;
        for (size_t i = 0; i < c.size(); ++i)
          procs.push_back(&c.at(i));
        auto cpu = cpu_meter{std::move(procs), at};
        auto answer = c.at(at).command("bench pipelined " + secs + " "
                                       + std::to_string(bytes) + " "
                                       + std::to_string(window));
        auto cpu_per_op = cpu.per_op(field(answer, "ops"));
        wait_until([&] { return c.settled(); }, 60s);
        auto after = c.at(at).status()["term"];
        auto rate = field(answer, "ops_per_s");
        std::cout << tag << " mode=pipelined client=" << where
                  << " payload=" << bytes << " window=" << window
                  << " ops_per_s=" << rate
                  << " failed=" << field(answer, "failed") << " term_changes="
                  << (after.empty() ? -1 : std::stoll(after) - term)
                  << " allocs_per_op=" << field(answer, "allocs_per_op")
                  << cpu_per_op << " unit=ops/s" << std::endl;
        if (bytes == 16 && !rate.empty())
          best[where] = std::max(best[where], std::stod(rate));
      }
  return best;
}

void blocking(cluster& c, const options& opt, const std::string& tag) {
  for (auto& where : opt.clients) {
    auto answer = c.at(client_node(c, where))
                    .command("bench sync " + std::to_string(opt.seconds)
                             + " 16");
    std::cout << tag << " mode=blocking client=" << where
              << " payload=16 calls=" << field(answer, "calls")
              << " p50_us=" << field(answer, "p50_us")
              << " p99_us=" << field(answer, "p99_us")
              << " allocs_per_op=" << field(answer, "allocs_per_op")
              << " unit=us" << std::endl;
  }
}

const std::vector<double> open_loop_loads{0.25, 0.5, 0.75, 0.9};

/// Open loop at shares of each client place's measured maximum; adds one
/// series per client place to `chart`.
void open_loop(cluster& c, const options& opt, const std::string& tag,
               const std::map<std::string, double>& best, bar_chart& chart) {
  for (auto& where : opt.clients) {
    auto i = best.find(where);
    if (i == best.end() || i->second <= 0)
      continue; // no 16 B pipelined run to scale by
    bar_series series{"client on the " + where + " (p50, whisker p99)", {}};
    for (auto load : open_loop_loads) {
      auto rate = load * i->second;
      auto answer = c.at(client_node(c, where))
                      .command("bench open-loop " + std::to_string(opt.seconds)
                                 + " 16 " + std::to_string(rate),
                               std::chrono::milliseconds{180000});
      wait_until([&] { return c.settled(); }, 60s);
      std::cout << tag << " mode=open-loop client=" << where
                << " payload=16 load=" << load
                << " offered=" << field(answer, "offered")
                << " ops_per_s=" << field(answer, "ops_per_s")
                << " p50_us=" << field(answer, "p50_us")
                << " p99_us=" << field(answer, "p99_us")
                << " p999_us=" << field(answer, "p999_us")
                << " failed=" << field(answer, "failed")
                << " dropped=" << field(answer, "dropped") << " unit=us"
                << std::endl;
      auto p50 = field(answer, "p50_us"), p99 = field(answer, "p99_us");
      if (p50.empty() || p99.empty())
        series.values.emplace_back();
      else
        series.values.push_back(bar_value{std::stod(p50), std::stod(p99)});
    }
    chart.series.push_back(std::move(series));
  }
}

void failover(cluster& c, const options& opt, const std::string& tag) {
  std::vector<double> elected, resumed;
  for (size_t t = 0; t < opt.trials; ++t) {
    if (!wait_until([&] { return c.settled(); }, 30s)) {
      std::cerr << "failover: cluster did not settle\n";
      return;
    }
    auto old = *c.leader();
    size_t prober = (old + 1) % c.size();
    size_t watcher = (old + 2) % c.size();
    auto t0 = clock_type::now();
    c.at(old).kill();
    auto probe = std::async(std::launch::async, [&] {
      auto answer = c.at(prober).command("probe 20000", 30s);
      return std::make_pair(answer, ms_since(t0));
    });
    // "elected": the watcher names a leader other than the killed one.
    std::optional<double> e;
    wait_until(
      [&] {
        auto l = c.at(watcher).status()["leader"];
        if (l != "-" && !l.empty() && l != c.id(old))
          e = ms_since(t0);
        return e.has_value();
      },
      30s, 2ms);
    auto [answer, r] = probe.get();
    c.at(old).start();
    if (!e || answer.rfind("ok", 0) != 0) {
      std::cerr << "failover trial " << t << " failed: " << answer << '\n';
      continue;
    }
    elected.push_back(*e);
    resumed.push_back(r);
  }
  if (elected.empty())
    return;
  std::cout << tag << " mode=failover trials=" << elected.size() << ' '
            << median_min_max(elected, "elected_ms") << ' '
            << median_min_max(resumed, "resumed_ms") << " unit=ms"
            << std::endl;
}

/// Linearizable reads (read barriers) by a client on the leader and on a
/// follower: one at a time (latency) and a window in flight (throughput);
/// with `--node-arg --lease-reads`, lease barriers.
void reads(cluster& c, const options& opt, const std::string& tag) {
  auto secs = std::to_string(opt.seconds);
  auto window = std::to_string(opt.windows.front());
  auto lease = std::find(opt.node_args.begin(), opt.node_args.end(),
                         "--lease-reads")
               != opt.node_args.end();
  auto kind = std::string{lease ? "lease" : "barrier"};
  auto suffix = std::string{lease ? " lease" : ""};
  for (std::string where : {"leader", "follower"}) {
    auto& node = c.at(client_node(c, where));
    auto answer = node.command("bench barrier-sync " + secs + suffix);
    std::cout << tag << " mode=" << kind << "-blocking client=" << where
              << " calls=" << field(answer, "calls")
              << " p50_us=" << field(answer, "p50_us")
              << " p99_us=" << field(answer, "p99_us") << " unit=us"
              << std::endl;
    answer = node.command("bench barrier-pipelined " + secs + " " + window
                          + suffix);
    std::cout << tag << " mode=" << kind << "-pipelined client=" << where
              << " window=" << window
              << " ops_per_s=" << field(answer, "ops_per_s")
              << " failed=" << field(answer, "failed") << " unit=ops/s"
              << std::endl;
  }
}

void run_mode(const options& opt, bool password, bar_chart& chart) {
  auto dir = std::filesystem::temp_directory_path()
             / ("flexsync-bench-" + std::to_string(getpid())
                + (password ? "-pw" : "-plain"));
  std::filesystem::create_directories(dir);
  auto tag = prefix(opt, password);
  {
    cluster c{opt, password, dir.string()};
    if (!wait_until([&] { return c.settled(); }, 30s)) {
      std::cerr << "cluster did not settle; logs in " << dir << '\n';
      return;
    }
    auto best = pipelined(c, opt, tag);
    blocking(c, opt, tag);
    if (opt.open_loop) {
      auto before = chart.series.size();
      open_loop(c, opt, tag, best, chart);
      for (auto i = before; i < chart.series.size(); ++i)
        chart.series[i].name += password ? ", password" : "";
    }
    if (opt.reads)
      reads(c, opt, tag);
    if (opt.trials > 0)
      failover(c, opt, tag);
  }
  if (std::getenv("FLEXSYNC_KEEP_LOGS")) {
    std::cerr << "logs kept in " << dir << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

const char* const usage =
  "usage: process-bench [OPTION VALUE]...\n"
  "  --seconds S        length of each throughput and latency run (5)\n"
  "  --nodes N          cluster size: 3, 5 or 7 (3)\n"
  "  --client LIST      where the client runs: leader,follower (leader)\n"
  "  --payloads LIST    pipelined payload sizes in bytes, 1 to 65536\n"
  "                     (16,1024)\n"
  "  --windows LIST     calls in flight in the pipelined runs (5000)\n"
  "  --open-loop on     also calls arriving at 25/50/75/90 % of the\n"
  "                     measured 16 B maximum: p50/p99/p999 latency (off)\n"
  "  --svg FILE         the open-loop latencies as an SVG bar chart\n"
  "  --reads on|off     read-barrier runs (on)\n"
  "  --trials N         failover trials, 0 for none (5)\n"
  "  --modes LIST       plain (no password) and/or password (both)\n"
  "  --storage KIND     memory or disk (memory; disk in a temporary folder)\n"
  "  --fsync POLICY     always, periodic or never, with disk (always)\n"
  "  --node PATH        the flexsync-node binary (next to this one)\n"
  "  --node-arg OPT     an extra option for every node, e.g. --lease-reads\n"
  "Starts the flexsync-node processes on loopback and prints RESULT lines.\n";

template <class T, class Parse>
std::vector<T> parse_list(const std::string& v, Parse parse) {
  std::vector<T> xs;
  std::istringstream in{v};
  for (std::string x; std::getline(in, x, ',');)
    xs.push_back(parse(x));
  if (xs.empty())
    throw std::invalid_argument("an empty list");
  return xs;
}

void set_option(options& opt, const std::string& k, const std::string& v) {
  auto size = [](const std::string& x) { return size_t{std::stoul(x)}; };
  auto word = [](const std::string& x) { return x; };
  if (k == "--seconds")
    opt.seconds = std::stod(v);
  else if (k == "--nodes")
    opt.nodes = size(v);
  else if (k == "--client")
    opt.clients = parse_list<std::string>(v, word);
  else if (k == "--payloads")
    opt.payloads = parse_list<size_t>(v, size);
  else if (k == "--windows")
    opt.windows = parse_list<size_t>(v, size);
  else if (k == "--open-loop" || k == "--reads")
    (k == "--reads" ? opt.reads : opt.open_loop) = v == "on";
  else if (k == "--svg")
    opt.svg = v;
  else if (k == "--trials")
    opt.trials = size(v);
  else if (k == "--modes")
    opt.modes = parse_list<std::string>(v, word);
  else if (k == "--storage" || k == "--fsync")
    (k == "--storage" ? opt.storage : opt.fsync) = v;
  else if (k == "--node")
    opt.node_bin = v;
  else if (k == "--node-arg")
    opt.node_args.push_back(v);
  else
    throw std::invalid_argument("unknown option " + k);
}

/// One line on what is wrong with `opt`, or "".
std::string check(const options& opt) {
  if (opt.nodes < 3 || opt.nodes > 7 || opt.nodes % 2 == 0)
    return "--nodes must be 3, 5 or 7";
  for (auto& w : opt.clients)
    if (w != "leader" && w != "follower")
      return "--client takes leader and/or follower, not " + w;
  for (auto b : opt.payloads)
    if (b < 1 || b > 65536)
      return "--payloads must be 1 to 65536 bytes";
  for (auto w : opt.windows)
    if (w < 1)
      return "--windows must be positive";
  if (opt.storage != "memory" && opt.storage != "disk")
    return "--storage must be memory or disk";
  if (opt.fsync != "always" && opt.fsync != "periodic" && opt.fsync != "never")
    return "--fsync must be always, periodic or never";
  if (!(opt.seconds > 0))
    return "--seconds must be positive";
  return {};
}

void write_svg(const options& opt, bar_chart chart) {
  if (opt.svg.empty() || chart.series.empty())
    return;
  chart.title = "flexsync open-loop commit latency, " + std::to_string(opt.nodes)
                + " processes on loopback, " + opt.storage + ", 16 B";
  chart.x_label = "offered load, share of the measured pipelined maximum";
  chart.y_label = "latency (us, log scale)";
  for (auto load : open_loop_loads)
    chart.groups.push_back(std::to_string(static_cast<int>(load * 100)) + " %");
  std::ofstream{opt.svg} << render_svg(chart);
  std::cerr << "wrote " << opt.svg << '\n';
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  opt.node_bin = (self.parent_path() / "flexsync-node").string();
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::cout << usage;
      return 0;
    }
    try {
      if (i + 1 >= argc)
        throw std::invalid_argument("option " + k + " needs a value");
      set_option(opt, k, argv[i + 1]);
    } catch (const std::exception& e) {
      std::cerr << "process-bench: " << k << ": " << e.what() << '\n' << usage;
      return 2;
    }
  }
  if (auto err = check(opt); !err.empty()) {
    std::cerr << "process-bench: " << err << '\n';
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  bar_chart chart;
  for (auto& m : opt.modes)
    run_mode(opt, m == "password", chart);
  write_svg(opt, std::move(chart));
  return 0;
}
