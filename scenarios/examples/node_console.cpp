#include "scenarios/examples/node_console.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/transport/tcp_transport.hpp"
#include "protocol/code_version.hpp"
#include "protocol/metrics.hpp"
#include "protocol/types.hpp"
#include "scenarios/examples/alloc_counter.hpp"
#include "scenarios/examples/console_bench.hpp"

namespace flexsync::examples {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// -- payload_sink --------------------------------------------------------------

caf::behavior payload_sink::make_behavior() {
  return {[this](put_atom, const std::string& payload) {
    bytes_ += static_cast<int64_t>(payload.size());
    return ++count_;
  }};
}

caf::error payload_sink::save(caf::serializer& sink) {
  return sink(count_, bytes_);
}

caf::error payload_sink::load(caf::deserializer& source) {
  int64_t count = 0;
  int64_t bytes = 0;
  if (auto err = source(count, bytes))
    return err;
  count_ = count;
  bytes_ = bytes;
  return caf::none;
}

// -- versioned_tally ------------------------------------------------------------

versioned_behavior versioned_tally::make_versioned_behavior() {
  auto total = [this] { return counts_.before + counts_.after; };
  return {
    {0, {[this, total](tick_atom) {
      ++counts_.before;
      return total();
    }}},
    {2, {[this, total](tick_atom) {
           ++counts_.after;
           return total();
         },
         [this, total](tick_n_atom, int64_t n) {
           counts_.after += n;
           return total();
         }}},
  };
}

void versioned_tally::on_code_version_changed(uint32_t old_version,
                                              uint32_t new_version) {
  if (old_version < 2 && new_version >= 2)
    counts_.switched_at = detail::current_apply()->index;
}

caf::error versioned_tally::save(caf::serializer& sink) {
  return sink(counts_.before, counts_.after, counts_.switched_at);
}

caf::error versioned_tally::load(caf::deserializer& source) {
  counts c;
  if (auto err = source(c.before, c.after, c.switched_at))
    return err;
  counts_ = c;
  return caf::none;
}

namespace {

std::vector<std::string> split(const std::string& line) {
  std::istringstream in{line};
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(std::move(w));
  return words;
}

/// The text of a failed call, without spaces (answers are key=value).
std::string failure(const std::exception& e) {
  std::string text = e.what();
  // A command no handler of the enabled code version takes (tick-n before
  // version 2) was applied as a no-op on every replica.
  if (auto* ae = dynamic_cast<const apply_error*>(&e);
      ae && ae->error().category() == error_category)
    text = std::string{to_string(to_fail_reason(ae->error()))}
           + ": unknown operation under the enabled code version, or "
             "undecodable";
  std::replace(text.begin(), text.end(), '\n', ' ');
  return "error " + text;
}

/// FNV-1a over the key-value store's items: equal on replicas that hold
/// the same items.
uint64_t kv_digest(const kv_store& kv) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& x) {
    for (unsigned char c : x)
      h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull; // separator: "ab","c" != "a","bc"
  };
  for (auto& [k, v] : kv.items()) {
    mix(k);
    mix(v);
  }
  return h;
}

std::string status_line(console_target& t) {
  auto st = t.self->status();
  auto ts = transport_status(*t.sys, t.transport);
  auto tally = t.tally->get();
  std::ostringstream out;
  out << "ok self=" << st.self.name << " role=" << to_string(st.role)
      << " term=" << to_string(st.term)
      << " leader=" << (st.leader.empty() ? "-" : st.leader.name)
      << " commit=" << to_string(st.commit_index)
      << " applied=" << to_string(st.last_applied)
      << " last=" << to_string(st.last_log_index)
      << " links=" << ts.links.size() << " rejected=" << ts.rejected
      << " readonly=" << st.connected_readonly_nodes()
      << " ready=" << (st.ready ? 1 : 0) << " member=" << to_string(st.member)
      << " counter=" << t.counter->get()
      << " kv=" << t.kv->size() << " kv_digest=" << kv_digest(*t.kv)
      << " sink=" << t.sink->count()
      << " code_version=" << st.self_code_version
      << " enabled_code_version=" << st.enabled_code_version
      << " tally_before=" << tally.before << " tally_after=" << tally.after
      << " switched_at=" << tally.switched_at;
  return out.str();
}

/// "ok lines=N" and the N lines of the node's Prometheus text.
std::string metrics_text(console_target& t) {
  auto text = to_prometheus(t.self->metrics(), t.self->id().name);
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  auto lines = text.empty() ? 0 : std::count(text.begin(), text.end(), '\n') + 1;
  return "ok lines=" + std::to_string(lines) + (lines > 0 ? "\n" + text : "");
}

/// An inc every 5 ms until one succeeds; how long after the command that
/// success came (the submission of that call is after the command).
std::string probe(console_target& t, int64_t timeout_ms) {
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
    t.counter->inc().then(
      [sh](int64_t, const caf::error& err) {
        if (err)
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
/// committed or refused (membership changes take longer than a call: the
/// deadline is six call timeouts).
std::string membership_change(console_target& t, const std::string& cmd,
                              const node_id& x) {
  auto deadline = 6 * t.call_timeout;
  auto r = cmd == "add-node"      ? t.self->add_node(x, deadline)
           : cmd == "remove-node" ? t.self->remove_node(x, deadline)
                                  : t.self->add_learner(x, deadline);
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
std::string set_version(console_target& t, const std::string& arg) {
  auto v = parse_code_version(arg);
  if (!v)
    return "error set-version needs a version number (0 to 4294967295), got '"
           + arg + "'";
  auto r = t.self->set_code_version(*v, 6 * t.call_timeout);
  if (r.ok())
    return "ok " + r.detail;
  return "error " + std::string{to_string(r.reason)} + ": " + r.detail;
}

/// members | add-node ADDR | remove-node ADDR | add-learner ADDR |
/// transfer [ADDR] | set-version N; nothing for other commands.
std::optional<std::string> cluster_command(console_target& t,
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
    auto r = t.self->transfer_leadership(target, 2 * t.call_timeout);
    return r.ok() ? "ok " + r.detail
                  : "error " + std::string{to_string(r.reason)} + ": "
                      + r.detail;
  }
  if (cmd == "set-version" && n == 2)
    return set_version(t, w[1]);
  if (cmd == "members" && n == 1) {
    auto st = t.self->status();
    return "ok " + st.configuration + " (index " + to_string(st.config_index)
           + ")";
  }
  return std::nullopt;
}

/// tick | tick-n N | tally (the versioned tally); nothing for other
/// commands.
std::optional<std::string> tally_command(console_target& t,
                                         const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if (cmd == "tick" && n == 1)
    return "ok " + std::to_string(t.tally->tick().get(t.call_timeout));
  if (cmd == "tick-n" && n == 2)
    return "ok "
           + std::to_string(
             t.tally->tick_n(std::stoll(w[1])).get(t.call_timeout));
  if (cmd == "tally" && n == 1) {
    auto x = t.tally->get();
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

std::string run_load(console_target& t, const std::vector<std::string>& w) {
  if (w.size() == 5 && w[1] == "pipelined") {
    std::string payload(std::stoul(w[3]), 'x');
    return bench_pipelined(
      std::stod(w[2]), std::max<size_t>(1, std::stoul(w[4])),
      [&](std::function<void(bool)> done) {
        t.sink->put(payload).then(
          [done](int64_t, const caf::error& err) { done(!err); });
      });
  }
  if (w.size() == 5 && w[1] == "open-loop") {
    std::string payload(std::stoul(w[3]), 'x');
    return bench_open_loop(
      std::stod(w[2]), std::stod(w[4]), max_open_loop_in_flight,
      [&](std::function<void(bool)> done) {
        t.sink->put(payload).then(
          [done](int64_t, const caf::error& err) { done(!err); });
      });
  }
  if (w.size() == 4 && w[1] == "sync") {
    std::string payload(std::stoul(w[3]), 'x');
    return bench_sync(std::stod(w[2]), [&] {
      t.sink->put(payload).get(t.call_timeout);
    });
  }
  // Linearizable reads: read barriers (a last word `lease`: lease
  // barriers), then the local replica.
  auto mode = w.back() == "lease" ? read_mode::lease : read_mode::read_index;
  auto n = w.size() - (mode == read_mode::lease ? 1 : 0);
  if (n == 4 && w[1] == "barrier-pipelined")
    return bench_pipelined(
      std::stod(w[2]), std::max<size_t>(1, std::stoul(w[3])),
      [&](std::function<void(bool)> done) {
        t.kv->barrier(mode).then(
          [done](const caf::error& err) { done(!err); });
      });
  if (n == 3 && w[1] == "barrier-sync")
    return bench_sync(std::stod(w[2]), [&] {
      t.kv->barrier(mode).get(t.call_timeout);
      (void) t.kv->get("k");
    });
  return "error usage: bench pipelined SECONDS BYTES WINDOW | bench sync "
         "SECONDS BYTES | bench open-loop SECONDS BYTES RATE | bench "
         "barrier-pipelined SECONDS WINDOW [lease] | bench barrier-sync "
         "SECONDS [lease]";
}

/// A bench command's answer, with the heap allocations of this whole
/// process during the run per operation completed in it (the node's
/// actors and the client alike; alloc_counter.hpp).
std::string run_bench(console_target& t, const std::vector<std::string>& w) {
  auto before = allocations();
  auto answer = run_load(t, w);
  auto spent = allocations() - before;
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

/// inc | add N | get [--linearizable|--lease] (the counter); nothing for
/// other commands.
std::optional<std::string> counter_command(console_target& t,
                                           const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if (cmd == "inc" && n == 1)
    return "ok " + std::to_string(t.counter->inc().get(t.call_timeout));
  if (cmd == "add" && n == 2)
    return "ok "
           + std::to_string(t.counter->add(std::stoll(w[1])).get(t.call_timeout));
  if (cmd == "get" && n == 1)
    return "ok " + std::to_string(t.counter->get());
  if (cmd == "get" && n == 2 && read_flag(w[1])) {
    t.counter->barrier(*read_flag(w[1])).get(t.call_timeout);
    return "ok " + std::to_string(t.counter->get());
  }
  return std::nullopt;
}

/// set K V | kv [--linearizable|--lease] K | read K | del K (the key-value
/// store); nothing for other commands.
std::optional<std::string> kv_command(console_target& t,
                                      const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if (cmd == "set" && n == 3) {
    t.kv->set(w[1], w[2]).get(t.call_timeout);
    return "ok";
  }
  if (cmd == "kv" && n == 2) {
    auto v = t.kv->get(w[1]);
    return v ? "ok " + *v : "error no such key";
  }
  if (cmd == "kv" && n == 3 && (read_flag(w[1]) || read_flag(w[2]))) {
    auto flag = read_flag(w[1]) ? 1 : 2;
    t.kv->barrier(*read_flag(w[flag])).get(t.call_timeout);
    auto v = t.kv->get(w[3 - flag]);
    return v ? "ok " + *v : "error no such key";
  }
  if (cmd == "read" && n == 2) {
    // The applied add(0) is a barrier: the local state now holds at
    // least every entry committed before this call was made.
    t.counter->add(0).get(t.call_timeout);
    auto v = t.kv->get(w[1]);
    return v ? "ok " + *v : "error no such key";
  }
  if (cmd == "del" && n == 2) {
    auto v = t.kv->pop(w[1]).get(t.call_timeout);
    return v ? "ok " + *v : "error no such key";
  }
  return std::nullopt;
}

/// drop-links | recovery | force-recover; nothing for other commands.
std::optional<std::string> node_command(console_target& t,
                                        const std::vector<std::string>& w) {
  auto& cmd = w[0];
  auto n = w.size();
  if (cmd == "drop-links" && n == 1) {
    drop_links(t.transport);
    return "ok";
  }
  if (cmd == "recovery" && n == 1) {
    auto st = t.self->status();
    return "ok " + (st.recovery.empty() ? std::string{"intact"} : st.recovery);
  }
  if (cmd == "force-recover" && n == 1) {
    t.self->force_recover();
    return "ok";
  }
  return std::nullopt;
}

} // namespace

std::string run_command(console_target& t, const std::string& line) {
  auto w = split(line);
  if (w.empty())
    return "error empty command (try help)";
  auto& cmd = w[0];
  auto n = w.size();
  try {
    if (cmd == "status" && n == 1)
      return status_line(t);
    if (cmd == "metrics" && n == 1)
      return metrics_text(t);
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
    return failure(e);
  }
  return "error unknown command or wrong arguments (try help)";
}

} // namespace flexsync::examples
