#include "scenarios/examples/console_commands.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "protocol/code_version.hpp"
#include "protocol/fail_reason.hpp"
#include "scenarios/examples/console_bench.hpp"

namespace flexsync::examples {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::istringstream in{line};
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(std::move(w));
  return words;
}

/// The text of a failed call, without newlines (answers are one line).
std::string failure(console_node& t, const std::exception& e) {
  auto text = t.describe(e);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return "error " + text;
}

/// An inc every 5 ms until one succeeds; how long after the command that
/// success came (the submission of that call is after the command).
std::string probe(console_node& t, int64_t timeout_ms) {
  // Beyond a day, the deadline would overflow the clock.
  if (timeout_ms < 0 || timeout_ms > 86'400'000)
    return "error probe needs TIMEOUT_MS from 0 to 86400000";
  struct shared {
    std::mutex mtx;
    std::condition_variable cv;
    bool done = false;
    clock_type::time_point at;
  };
  auto sh = std::make_shared<shared>();
  auto start = clock_type::now();
  auto deadline = start + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> guard{sh->mtx};
  while (!sh->done && clock_type::now() < deadline) {
    guard.unlock();
    t.counter_inc_async(
      [sh](bool ok) {
        if (!ok)
          return;
        std::lock_guard<std::mutex> g{sh->mtx};
        if (!sh->done) {
          sh->done = true;
          sh->at = clock_type::now();
          sh->cv.notify_all();
        }
      },
      std::chrono::milliseconds(timeout_ms));
    guard.lock();
    sh->cv.wait_for(guard, 5ms, [&] { return sh->done; });
  }
  if (!sh->done)
    return "error probe timed out";
  auto ms = std::chrono::duration<double, std::milli>(sh->at - start).count();
  std::ostringstream out;
  out << "ok resumed_ms=" << ms;
  return out.str();
}

const char* help_text
  = "ok commands: status | metrics | recovery | members | add-node ADDR | "
    "remove-node ADDR | add-learner ADDR | transfer [ADDR] | set-version N | "
    "inc | add N | get [--linearizable|--lease] | set K V | "
    "kv [--linearizable|--lease] K | del K | read K | tick | tick-n N | "
    "tally | drop-links | force-recover | bench pipelined "
    "SECONDS BYTES "
    "WINDOW | bench sync SECONDS BYTES | bench open-loop SECONDS BYTES RATE | "
    "bench barrier-pipelined SECONDS WINDOW "
    "[lease] | bench barrier-sync SECONDS [lease] | probe TIMEOUT_MS | quit";

/// add-node / remove-node / add-learner: waits until the change is
/// committed or refused.
std::string membership_change(console_node& t, const std::string& cmd,
                              const node_id& x) {
  auto r = t.change_membership(cmd, x);
  if (r.ok())
    return "ok";
  return "error " + std::string{to_string(r.reason)} + ": " + r.detail;
}

/// `--linearizable` (a read barrier) or `--lease` (the leader's lease when
/// it holds one).
std::optional<read_mode> read_flag(const std::string& x) {
  if (x == "--linearizable")
    return read_mode::read_index;
  if (x == "--lease")
    return read_mode::lease;
  return std::nullopt;
}

/// set-version N: waits until the version entry is committed or refused.
std::string set_version(console_node& t, const std::string& arg) {
  auto v = parse_code_version(arg);
  if (!v)
    return "error set-version needs a version number (0 to 4294967295), got '"
           + arg + "'";
  auto r = t.set_code_version(*v);
  if (r.ok())
    return "ok " + r.detail;
  return "error " + std::string{to_string(r.reason)} + ": " + r.detail;
}

/// members | add-node ADDR | remove-node ADDR | add-learner ADDR |
/// transfer [ADDR] | set-version N; nothing for other commands.
std::optional<std::string> cluster_command(console_node& t,
                                           const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if ((cmd == "add-node" || cmd == "remove-node" || cmd == "add-learner")
      && n == 2)
    return membership_change(t, cmd, node_id{w[1]});
  if (cmd == "transfer" && (n == 1 || n == 2)) {
    std::optional<node_id> target;
    if (n == 2)
      target = node_id{w[1]};
    auto r = t.transfer(target);
    return r.ok() ? "ok " + r.detail
                  : "error " + std::string{to_string(r.reason)} + ": "
                      + r.detail;
  }
  if (cmd == "set-version" && n == 2)
    return set_version(t, w[1]);
  if (cmd == "members" && n == 1)
    return "ok " + t.members();
  return std::nullopt;
}

/// tick | tick-n N | tally (the versioned tally); nothing for other
/// commands.
std::optional<std::string> tally_command(console_node& t,
                                         const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if (cmd == "tick" && n == 1)
    return "ok " + std::to_string(t.tally_tick());
  if (cmd == "tick-n" && n == 2)
    return "ok " + std::to_string(t.tally_tick_n(std::stoll(w[1])));
  if (cmd == "tally" && n == 1) {
    auto x = t.tally();
    return "ok before=" + std::to_string(x.before)
           + " after=" + std::to_string(x.after)
           + " switched_at=" + std::to_string(x.switched_at);
  }
  return std::nullopt;
}

/// "key=value" from an answer line, or "".
std::string field_of(const std::string& answer, const std::string& key) {
  std::istringstream in{answer};
  for (std::string kv; in >> kv;)
    if (kv.rfind(key + "=", 0) == 0)
      return kv.substr(key.size() + 1);
  return {};
}

/// Open-loop arrivals beyond this many outstanding calls are dropped
/// (counted): the offered rate is past what the cluster sustains.
constexpr size_t max_open_loop_in_flight = 100000;

/// A bench call's payload of BYTES: at most 64 MiB (flexsync-node's
/// default --max-frame-size; a larger command cannot travel anyway), so a
/// typo cannot make the node allocate gigabytes.
std::string payload_of(const std::string& bytes) {
  constexpr unsigned long max_payload = 64 << 20;
  auto n = std::stoul(bytes);
  if (n > max_payload)
    throw std::invalid_argument("BYTES must be at most 67108864");
  return std::string(n, 'x');
}

std::string run_load(console_node& t, const std::vector<std::string>& w) {
  if (w.size() == 5 && w[1] == "pipelined") {
    auto payload = payload_of(w[3]);
    return bench_pipelined(
      std::stod(w[2]), std::max<size_t>(1, std::stoul(w[4])),
      [&](std::function<void(bool)> done) {
        t.sink_put_async(payload, std::move(done));
      });
  }
  if (w.size() == 5 && w[1] == "open-loop") {
    auto payload = payload_of(w[3]);
    return bench_open_loop(
      std::stod(w[2]), std::stod(w[4]), max_open_loop_in_flight,
      [&](std::function<void(bool)> done) {
        t.sink_put_async(payload, std::move(done));
      });
  }
  if (w.size() == 4 && w[1] == "sync") {
    auto payload = payload_of(w[3]);
    return bench_sync(std::stod(w[2]), [&] { t.sink_put(payload); });
  }
  // Linearizable reads: read barriers (a last word `lease`: lease
  // barriers), then the local replica.
  auto mode = w.back() == "lease" ? read_mode::lease : read_mode::read_index;
  auto n = w.size() - (mode == read_mode::lease ? 1 : 0);
  if (n == 4 && w[1] == "barrier-pipelined")
    return bench_pipelined(
      std::stod(w[2]), std::max<size_t>(1, std::stoul(w[3])),
      [&](std::function<void(bool)> done) {
        t.kv_barrier_async(mode, std::move(done));
      });
  if (n == 3 && w[1] == "barrier-sync")
    return bench_sync(std::stod(w[2]), [&] {
      t.kv_barrier(mode);
      (void) t.kv_get("k");
    });
  return "error usage: bench pipelined SECONDS BYTES WINDOW | bench sync "
         "SECONDS BYTES | bench open-loop SECONDS BYTES RATE | bench "
         "barrier-pipelined SECONDS WINDOW [lease] | bench barrier-sync "
         "SECONDS [lease]";
}

/// A bench command's answer, with the heap allocations of this whole
/// process during the run per operation completed in it (the node's
/// actors and the client alike; alloc_counter.hpp).
std::string run_bench(console_node& t, const std::vector<std::string>& w) {
  auto before = t.allocations();
  auto answer = run_load(t, w);
  auto spent = t.allocations() - before;
  if (answer.rfind("ok ", 0) != 0)
    return answer;
  auto ops = field_of(answer, "ops");
  if (ops.empty())
    ops = field_of(answer, "calls");
  if (!ops.empty() && std::stod(ops) > 0) {
    std::ostringstream out;
    out << answer << " allocs_per_op="
        << static_cast<double>(spent) / std::stod(ops);
    return out.str();
  }
  return answer;
}

/// The counter's commands: inc, add N, get [linearizable|lease].
std::optional<std::string> counter_command(console_node& t,
                                           const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if (cmd == "inc" && n == 1)
    return "ok " + std::to_string(t.counter_inc());
  if (cmd == "add" && n == 2)
    return "ok " + std::to_string(t.counter_add(std::stoll(w[1])));
  if (cmd == "get" && n == 1)
    return "ok " + std::to_string(t.counter_get());
  if (cmd == "get" && n == 2 && read_flag(w[1])) {
    t.counter_barrier(*read_flag(w[1]));
    return "ok " + std::to_string(t.counter_get());
  }
  return std::nullopt;
}

/// The key-value store's commands: set, kv, read, del.
std::optional<std::string> kv_command(console_node& t,
                                      const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  auto answer = [](const std::optional<std::string>& v) {
    return v ? "ok " + *v : std::string{"error no such key"};
  };
  if (cmd == "set" && n == 3) {
    t.kv_set(w[1], w[2]);
    return "ok";
  }
  if (cmd == "kv" && n == 2)
    return answer(t.kv_get(w[1]));
  if (cmd == "kv" && n == 3 && (read_flag(w[1]) || read_flag(w[2]))) {
    auto flag = read_flag(w[1]) ? 1 : 2;
    t.kv_barrier(*read_flag(w[flag]));
    return answer(t.kv_get(w[3 - flag]));
  }
  if (cmd == "read" && n == 2) {
    // The applied add(0) is a barrier: the local state now holds at
    // least every entry committed before this call was made.
    t.counter_add(0);
    return answer(t.kv_get(w[1]));
  }
  if (cmd == "del" && n == 2)
    return answer(t.kv_pop(w[1]));
  return std::nullopt;
}

/// The node's own commands: drop-links, recovery, force-recover.
std::optional<std::string> node_command(console_node& t,
                                        const std::vector<std::string>& w) {
  auto& cmd = w[0];
  if (w.size() != 1)
    return std::nullopt;
  if (cmd == "drop-links") {
    t.drop_links();
    return "ok";
  }
  if (cmd == "recovery") {
    auto r = t.recovery();
    return "ok " + (r.empty() ? std::string{"intact"} : r);
  }
  if (cmd == "force-recover") {
    t.force_recover();
    return "ok";
  }
  return std::nullopt;
}

} // namespace

std::string run_console_command(console_node& t, const std::string& line) {
  auto w = split(line);
  if (w.empty())
    return "error empty command (try help)";
  auto& cmd = w[0];
  auto n = w.size();
  try {
    if (cmd == "status" && n == 1)
      return t.status_line();
    if (cmd == "metrics" && n == 1)
      return t.metrics_text();
    // Each group answers its own commands only; the order is the one the
    // checks always had.
    for (auto group : {counter_command, kv_command, node_command,
                       cluster_command, tally_command})
      if (auto answer = group(t, w))
        return *answer;
    if (cmd == "bench")
      return run_bench(t, w);
    if (cmd == "probe" && n == 2)
      return probe(t, std::stoll(w[1]));
    if (cmd == "help")
      return help_text;
    if (cmd == "quit")
      return "ok bye";
  } catch (const std::exception& e) {
    return failure(t, e);
  }
  return "error unknown command or wrong arguments (try help)";
}

} // namespace flexsync::examples
