// One nemesis run (see runner.hpp).

#include "scenarios/nemesis/runner.hpp"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "scenarios/nemesis/checks.hpp"
#include "scenarios/nemesis/nemesis.hpp"

namespace flexsync::nemesis {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string replay_command(const run_options& opts) {
  std::ostringstream out;
  out << opts.self_path << " --seed " << opts.seed << " --nodes " << opts.nodes
      << " --seconds " << opts.seconds << " --node-bin " << opts.node_bin;
  if (opts.plant_local_reads)
    out << " --plant-local-reads";
  if (opts.password)
    out << " --password";
  if (opts.disk_full)
    out << " --disk-full";
  return out.str();
}

namespace {

std::string make_temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "flexsync-nemesis-XXXXXX";
  std::string path = base.string();
  if (!::mkdtemp(path.data()))
    throw std::runtime_error("cannot create a folder under "
                             + base.parent_path().string());
  return path;
}

/// Waits (bounded) until some node answers a read through the log.
bool wait_for_service(cluster& c) {
  auto deadline = clock_type::now() + 30s;
  while (clock_type::now() < deadline) {
    for (size_t i = 0; i < c.size(); ++i)
      if (c.at(i).command("add 0", 3s).value_or("").rfind("ok", 0) == 0)
        return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

/// Carries out the schedule, printing each event as it starts.
void run_schedule(nemesis& nem,
                  const std::vector<fault_event>& schedule,
                  clock_type::time_point start) {
  for (auto& ev : schedule) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(ev.start_ms));
    auto target = nem.start(ev);
    std::cout << "fault " << describe(ev) << " -> n" << target
              << (nem.note().empty() ? "" : ": ") << nem.note() << std::endl;
    std::this_thread::sleep_until(
      start + std::chrono::milliseconds(ev.start_ms + ev.duration_ms));
    nem.stop(ev, target);
  }
}

/// The longest time in [from, to] without an ok op completing, in ms.
int64_t longest_gap_ms(const check::history& ops, check::ticks from,
                       check::ticks to) {
  std::vector<check::ticks> ends{from, to};
  for (auto& op : ops)
    if (op.result == check::outcome::ok && op.return_time > from
        && op.return_time < to)
      ends.push_back(op.return_time);
  std::sort(ends.begin(), ends.end());
  check::ticks gap = 0;
  for (size_t i = 1; i < ends.size(); ++i)
    gap = std::max(gap, ends[i] - ends[i - 1]);
  return gap / 1000;
}

/// The workload phase: clients on every node while the nemesis runs.
/// Returns the phase's bounds in recorder time.
std::pair<check::ticks, check::ticks>
run_workload(cluster& c, nemesis& nem, recorder& rec, const run_options& opts) {
  auto schedule = make_schedule(opts.seed, opts.nodes, opts.seconds * 1000,
                                opts.password, opts.disk_full);
  std::atomic<bool> stop{false};
  workload_options wo;
  wo.seed = opts.seed;
  wo.plant_local_reads = opts.plant_local_reads;
  std::vector<std::thread> clients;
  auto from = rec.now();
  auto start = clock_type::now();
  for (size_t i = 0; i < c.size(); ++i)
    clients.emplace_back([&, i] {
      client_loop(c.at(i), rec, static_cast<int64_t>(i), wo, stop);
    });
  run_schedule(nem, schedule, start);
  std::this_thread::sleep_until(start + std::chrono::seconds(opts.seconds));
  auto to = rec.now();
  stop = true;
  // A client waiting on a paused node's answer gives up after its bound;
  // heal first so it need not.
  c.heal();
  for (auto& t : clients)
    t.join();
  return {from, to};
}

struct counts {
  size_t ok = 0, info = 0, fail = 0;
};

counts count(const check::history& ops) {
  counts n;
  for (auto& op : ops)
    (op.result == check::outcome::ok     ? n.ok
     : op.result == check::outcome::info ? n.info
                                         : n.fail)++;
  return n;
}

/// What the checks after the workload found.
struct findings {
  int64_t write_after_heal_ms = -1;
  std::string divergence;
  /// A replay the victim did not refuse with a log line.
  std::string unrefused;
  /// What victims of full disks did wrong, or, with --disk-full, that no
  /// episode made a write fail.
  std::string disk_full;
  history_verdict history;
  /// How long the linearizability check took.
  int64_t check_ms = 0;

  int violations() const {
    return history.violations + (write_after_heal_ms < 0 ? 1 : 0)
           + (divergence.empty() ? 0 : 1) + (unrefused.empty() ? 0 : 1)
           + (disk_full.empty() ? 0 : 1);
  }
};

/// Lines of every node's log that contain `text`.
size_t logged(cluster& c, const std::string& text) {
  size_t n = 0;
  for (size_t i = 0; i < c.size(); ++i)
    for (auto& line : c.at(i).whole_log())
      n += line.find(text) != std::string::npos ? 1 : 0;
  return n;
}

/// Replayed traffic must be refused with a line saying why: a sealed frame
/// sent twice on its connection ("replayed or reordered frame"), and a
/// connection start sent on a new one, whose proof was made for other
/// nonces ("authentication failed"). Empty when it was.
std::string check_replays(cluster& c) {
  auto& p = c.proxy();
  std::string out;
  if (p.replayed_frames() > 0 && logged(c, "replayed or reordered frame") == 0)
    out += std::to_string(p.replayed_frames())
           + " replayed sealed frame(s), no refusal logged; ";
  if (p.replayed_connections() > 0 && logged(c, "authentication failed") == 0)
    out += std::to_string(p.replayed_connections())
           + " replayed connection start(s), no refusal logged";
  return out;
}

/// Every full disk's victim must log its failed write in a line or two,
/// exit with status 70, and restart (the later checks need it); a run with
/// --disk-full must have made a write fail. Empty when all held.
std::string check_disk_full(const nemesis& nem, bool disk_full) {
  std::string out;
  for (auto& p : nem.disk_full_problems())
    out += p + "; ";
  if (disk_full && nem.disk_full_bites() == 0)
    out += std::to_string(nem.counts().count("disk-full")
                            ? nem.counts().at("disk-full")
                            : 0)
           + " disk-full episode(s), none made a write fail";
  return out;
}

findings heal_and_check(cluster& c, const nemesis& nem, recorder& rec,
                        size_t registers, bool disk_full) {
  findings f;
  c.heal();
  f.unrefused = check_replays(c);
  f.disk_full = check_disk_full(nem, disk_full);
  f.write_after_heal_ms = wait_for_write(c, rec);
  if (f.write_after_heal_ms >= 0)
    f.divergence = wait_for_convergence(c, registers);
  final_reads(c, rec, registers);
  auto t0 = clock_type::now();
  f.history = check_history(rec);
  f.check_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 clock_type::now() - t0)
                 .count();
  return f;
}

/// Every ERROR line the nodes logged (a node that stopped itself says why).
void print_node_errors(cluster& c) {
  for (size_t i = 0; i < c.size(); ++i)
    for (auto& line : c.at(i).whole_log())
      if (line.find(" ERROR ") != std::string::npos)
        std::cout << "n" << i << " logged: " << line << '\n';
}

void report(const run_options& opts, cluster& c, const nemesis& nem,
            const recorder& rec, std::pair<check::ticks, check::ticks> phase,
            const findings& f) {
  auto ops = rec.ops();
  auto n = count(ops);
  auto seconds = static_cast<double>(phase.second - phase.first) / 1e6;
  size_t ok_in_phase = 0;
  for (auto& op : ops)
    if (op.result == check::outcome::ok && op.return_time <= phase.second)
      ++ok_in_phase;
  if (f.write_after_heal_ms < 0)
    std::cout << "VIOLATION liveness: no write succeeded within "
              << heal_bound.count() << " ms after the heal\n";
  if (!f.divergence.empty())
    std::cout << "VIOLATION convergence: replicas differ after "
              << heal_bound.count() << " ms: " << f.divergence << '\n';
  if (!f.unrefused.empty())
    std::cout << "VIOLATION hostile traffic: " << f.unrefused << '\n';
  if (!f.disk_full.empty())
    std::cout << "VIOLATION full disk: " << f.disk_full << '\n';
  if (!f.history.text.empty())
    std::cout << (f.history.violations ? "VIOLATION " : "UNDECIDED ")
              << "linearizability:\n" << f.history.text;
  auto disk_full_count = nem.counts().count("disk-full")
                           ? nem.counts().at("disk-full")
                           : 0;
  auto verdict = f.violations() ? "fail"
                 : f.history.undecided ? "undecided" : "pass";
  std::cout << "RESULT nemesis seed=" << opts.seed << " nodes=" << opts.nodes
            << " seconds=" << opts.seconds << " ops=" << ops.size()
            << " ok=" << n.ok << " info=" << n.info << " fail=" << n.fail
            << " ops_per_s=" << static_cast<int64_t>(ok_in_phase / seconds)
            << " max_unavailable_ms="
            << longest_gap_ms(ops, phase.first, phase.second)
            << " write_after_heal_ms=" << f.write_after_heal_ms
            << " check_ms=" << f.check_ms << " elections=" << c.elections()
            << " faults=" << nem.total()
            << " replayed_frames=" << c.proxy().replayed_frames()
            << " replayed_connections=" << c.proxy().replayed_connections()
            << " replay_refusals="
            << logged(c, "replayed or reordered frame")
                 + logged(c, "authentication failed")
            << " disk_full=" << disk_full_count
            << " disk_full_writes_failed=" << nem.disk_full_bites()
            << " violations=" << f.violations() << " verdict=" << verdict
            << std::endl;
  if (f.violations())
    print_node_errors(c);
  if (f.violations())
    std::cout << "seed " << opts.seed << " failed; replay its schedule with:\n  "
              << replay_command(opts) << std::endl;
}

void print_plan(const run_options& opts, const std::string& dir) {
  std::cout << "nemesis seed=" << opts.seed << " nodes=" << opts.nodes
            << " seconds=" << opts.seconds
            << " password=" << (opts.password ? "yes" : "no")
            << " disk_full=" << (opts.disk_full ? "yes" : "no") << " dir=" << dir
            << '\n';
  if (!opts.disk_full)
    std::cout << "full disk: not injected (--disk-full adds it)\n";
  for (auto& ev : make_schedule(opts.seed, opts.nodes, opts.seconds * 1000,
                                opts.password, opts.disk_full))
    std::cout << "  planned " << describe(ev) << '\n';
  std::cout << std::flush;
}

/// Sets `undecided` when the checker could not decide a part.
int run_in(const run_options& opts, const std::string& dir, bool& undecided) {
  cluster_options co;
  co.nodes = opts.nodes;
  co.node_bin = opts.node_bin;
  co.dir = dir;
  co.password = opts.password;
  co.disk_full = opts.disk_full;
  cluster c{co};
  c.start_all();
  if (!wait_for_service(c)) {
    std::cout << "the cluster did not serve within 30 s; logs in " << dir
              << std::endl;
    return 3;
  }
  nemesis nem{c};
  recorder rec;
  auto phase = run_workload(c, nem, rec, opts);
  auto f = heal_and_check(c, nem, rec, workload_options{}.registers,
                          opts.disk_full);
  report(opts, c, nem, rec, phase, f);
  c.kill_all();
  // The history next to the logs of a run whose dir is kept, for a look
  // at what the checker saw (one op a line, check::describe).
  if (opts.keep_dir || f.violations() || f.history.undecided)
    std::ofstream{dir + "/history.txt"} << check::describe(rec.ops());
  undecided = f.history.undecided > 0;
  return f.violations() ? 1 : 0;
}

} // namespace

int run(const run_options& opts) {
  auto dir = make_temp_dir();
  print_plan(opts, dir);
  int rc = 3;
  bool undecided = false;
  try {
    rc = run_in(opts, dir, undecided);
  } catch (const std::exception& e) {
    std::cout << "nemesis run failed: " << e.what() << std::endl;
  }
  if (rc == 0 && !undecided && !opts.keep_dir)
    std::filesystem::remove_all(dir);
  else
    std::cout << "data dirs and node logs kept in " << dir << std::endl;
  return rc;
}

} // namespace flexsync::nemesis
