// Durability benchmark, in one process through the public API.
//
//   disk-bench commit   --dir D [--fsync always|periodic|never] [--seconds S]
//                       [--window W] [--payload B]
//   disk-bench snapshot --dir D [--keys N] [--value-bytes B] [--seconds S]
//
// commit: a 3-node cluster (in-process transport), every node on its own
// journal under D. Prints the pipelined commit rate (W calls in flight) and
// the blocking-call latency on the leader, with every acknowledged command
// fsync'd on a quorum (group commit) under --fsync always.
//
// snapshot: one disk-mode node holding a dictionary of N keys with B-byte
// values. Prints the fork() pause, the time until the snapshot is durable,
// and blocking-call latency p50/p99 without a snapshot and while one is
// being written. Run it on the disk you care about; D is removed first.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "state_machines/repl_dict.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using dict = flexsync::repl_dict<std::string, std::string>;

struct options {
  std::string mode;
  std::string dir;
  std::string fsync = "always";
  double seconds = 5;
  size_t window = 5000;
  size_t payload = 16;
  size_t keys = 1000000;
  size_t value_bytes = 16;
};

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct percentiles {
  std::vector<double> us;
  void add(clock_type::time_point t0) {
    us.push_back(since(t0) * 1e6);
  }
  double at(double p) {
    if (us.empty())
      return 0;
    std::sort(us.begin(), us.end());
    return us[static_cast<size_t>(p * (us.size() - 1))];
  }
};

/// Keeps up to `window` sets in flight for `seconds` (or until `count`
/// keys); returns the successful calls per second.
double pipelined(dict& d, size_t window, size_t payload, double seconds,
                 size_t count, const std::string& prefix) {
  std::mutex mtx;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::atomic<uint64_t> ok{0}, failed{0};
  std::string value(payload, 'x');
  auto start = clock_type::now();
  for (size_t i = 0; i < count && since(start) < seconds; ++i) {
    {
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait(guard, [&] { return in_flight < window; });
      ++in_flight;
    }
    d.set(prefix + std::to_string(i), value)
      .then([&](const caf::error& err) {
        (err ? failed : ok)++;
        std::lock_guard<std::mutex> guard{mtx};
        --in_flight;
        cv.notify_one();
      });
  }
  std::unique_lock<std::mutex> guard{mtx};
  cv.wait_for(guard, 120s, [&] { return in_flight == 0; });
  auto elapsed = since(start);
  if (failed > 0)
    std::cerr << "pipelined: " << failed << " calls failed\n";
  return ok.load() / elapsed;
}

flexsync::fsync_policy parse_fsync(const std::string& x) {
  if (x == "always")
    return flexsync::fsync_policy::always;
  if (x == "periodic")
    return flexsync::fsync_policy::periodic;
  if (x == "never")
    return flexsync::fsync_policy::never;
  throw std::invalid_argument("--fsync must be always, periodic or never");
}

int commit_bench(const options& opt) {
  flexsync::system_config cfg{0};
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  auto config = [&](std::string self, std::vector<std::string> partners) {
    flexsync::node_config c{self, partners};
    c.persistence.data_dir = opt.dir + "/" + self;
    c.persistence.fsync = parse_fsync(opt.fsync);
    c.persistence.snapshot_threshold_entries = 0;
    c.persistence.snapshot_threshold_bytes = 1ull << 40;
    return c;
  };
  dict a, b, c;
  flexsync::node n1{sys, config("a", {"b", "c"}), net, {&a}};
  flexsync::node n2{sys, config("b", {"a", "c"}), net, {&b}};
  flexsync::node n3{sys, config("c", {"a", "b"}), net, {&c}};
  if (!n1.wait_ready(10s) || !n2.wait_ready(10s) || !n3.wait_ready(10s)) {
    std::cerr << "cluster not ready\n";
    return 1;
  }
  std::vector<std::pair<flexsync::node*, dict*>> nodes{{&n1, &a}, {&n2, &b},
                                                       {&n3, &c}};
  auto leader = std::find_if(nodes.begin(), nodes.end(), [](auto& x) {
    return x.first->status().role == flexsync::raft_role::leader;
  });
  auto& d = *leader->second;
  auto rate = pipelined(d, opt.window, opt.payload, opt.seconds, SIZE_MAX,
                        "k");
  std::cout << "RESULT bench=disk mode=pipelined fsync=" << opt.fsync
            << " payload=" << opt.payload << " window=" << opt.window
            << " ops_per_s=" << rate << '\n';
  percentiles lat;
  std::string value(opt.payload, 'y');
  auto start = clock_type::now();
  size_t failed = 0;
  for (size_t i = 0; since(start) < opt.seconds / 2; ++i) {
    auto t0 = clock_type::now();
    try {
      d.set("b" + std::to_string(i), value).get();
      lat.add(t0);
    } catch (const flexsync::command_error& e) {
      ++failed; // a leader change under load: not a latency sample
    }
  }
  if (failed > 0)
    std::cerr << "blocking: " << failed << " calls failed\n";
  std::cout << "RESULT bench=disk mode=blocking fsync=" << opt.fsync
            << " payload=" << opt.payload << " calls=" << lat.us.size()
            << " p50_us=" << lat.at(0.5) << " p99_us=" << lat.at(0.99) << '\n';
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
  return 0;
}

/// Blocking sets of `value` until `seconds` passed or `until()` holds:
/// their latencies (failed calls are no samples).
template <class Until>
percentiles measure_sets(dict& d, const std::string& value, double seconds,
                         Until&& until) {
  percentiles lat;
  auto start = clock_type::now();
  for (size_t i = 0; since(start) < seconds && !until(); ++i) {
    auto t = clock_type::now();
    try {
      d.set("probe-" + std::to_string(i % 1000), value).get();
      lat.add(t);
    } catch (const flexsync::command_error&) {
      // not a latency sample
    }
  }
  return lat;
}

/// The state machine's pause for fork() as the node logged it; -1 if not.
double fork_pause_ms(const std::vector<std::string>& lines) {
  double ms = -1;
  std::regex re{"paused the state machine for ([0-9.]+) ms"};
  for (auto& l : lines) {
    std::smatch m;
    if (std::regex_search(l, m, re))
      ms = std::stod(m[1]);
  }
  return ms;
}

uint64_t largest_snapshot(const std::string& dir) {
  uint64_t bytes = 0;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".snap")
      bytes = std::max<uint64_t>(bytes, e.file_size());
  return bytes;
}

int snapshot_bench(const options& opt) {
  flexsync::system_config cfg{0};
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  flexsync::node_config c{"a", {}};
  c.persistence.data_dir = opt.dir + "/a";
  c.persistence.snapshot_threshold_entries = 0;
  c.persistence.snapshot_threshold_bytes = 1ull << 40;
  std::mutex mtx;
  std::vector<std::string> lines;
  flexsync::node_options nopts;
  nopts.level = flexsync::log_level::info;
  nopts.log_sink = [&](flexsync::log_level, std::string_view line) {
    std::lock_guard<std::mutex> guard{mtx};
    lines.emplace_back(line);
  };
  dict d;
  flexsync::node n{sys, c, net, {&d}, nopts};
  if (!n.wait_ready(10s)) {
    std::cerr << "node not ready\n";
    return 1;
  }
  auto t0 = clock_type::now();
  auto load_rate = pipelined(d, opt.window, opt.value_bytes, 1e9, opt.keys,
                             "key-");
  std::cout << "RESULT bench=snapshot phase=load keys=" << d.size()
            << " value_bytes=" << opt.value_bytes
            << " seconds=" << since(t0) << " ops_per_s=" << load_rate << '\n';
  std::string value(opt.value_bytes, 'z');
  auto measure = [&](double seconds, auto&& until) {
    return measure_sets(d, value, seconds, until);
  };
  auto base = measure(opt.seconds, [] { return false; });
  std::cout << "RESULT bench=snapshot phase=idle calls=" << base.us.size()
            << " p50_us=" << base.at(0.5) << " p99_us=" << base.at(0.99)
            << '\n';
  auto applied = n.status().last_applied;
  t0 = clock_type::now();
  n.force_compaction();
  auto during = measure(600, [&] {
    return n.status(10s).snapshot_index >= applied;
  });
  auto snapshot_s = since(t0);
  double fork_ms = -1;
  {
    std::lock_guard<std::mutex> guard{mtx};
    fork_ms = fork_pause_ms(lines);
  }
  auto bytes = largest_snapshot(c.persistence.data_dir);
  std::cout << "RESULT bench=snapshot phase=snapshot keys=" << d.size()
            << " snapshot_bytes=" << bytes << " fork_pause_ms=" << fork_ms
            << " durable_after_s=" << snapshot_s << '\n';
  std::cout << "RESULT bench=snapshot phase=during calls=" << during.us.size()
            << " p50_us=" << during.at(0.5) << " p99_us=" << during.at(0.99)
            << '\n';
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  if (argc < 2) {
    std::cerr << "usage: disk-bench commit|snapshot --dir D [options]\n";
    return 2;
  }
  opt.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir")
      opt.dir = v;
    else if (k == "--fsync")
      opt.fsync = v;
    else if (k == "--seconds")
      opt.seconds = std::stod(v);
    else if (k == "--window")
      opt.window = std::stoul(v);
    else if (k == "--payload")
      opt.payload = std::stoul(v);
    else if (k == "--keys")
      opt.keys = std::stoul(v);
    else if (k == "--value-bytes")
      opt.value_bytes = std::stoul(v);
    else {
      std::cerr << "unknown option " << k << '\n';
      return 2;
    }
  }
  if (opt.dir.empty()) {
    std::cerr << "--dir is required (it is emptied first)\n";
    return 2;
  }
  std::filesystem::remove_all(opt.dir);
  std::filesystem::create_directories(opt.dir);
  if (opt.mode == "commit")
    return commit_bench(opt);
  if (opt.mode == "snapshot")
    return snapshot_bench(opt);
  std::cerr << "unknown mode " << opt.mode << '\n';
  return 2;
}
