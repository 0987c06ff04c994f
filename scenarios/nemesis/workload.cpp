// The nemesis runner's clients and history (see workload.hpp).

#include "scenarios/nemesis/workload.hpp"

#include <random>
#include <thread>

#include "protocol/fail_reason.hpp"

namespace flexsync::nemesis {

using namespace std::chrono_literals;

// -- recorder -----------------------------------------------------------------

recorder::recorder() : start_(std::chrono::steady_clock::now()) {
  // nop
}

check::ticks recorder::now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::steady_clock::now() - start_)
    .count();
}

void recorder::add(check::operation op) {
  std::lock_guard<std::mutex> guard{mtx_};
  ops_.push_back(std::move(op));
}

check::history recorder::ops() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return ops_;
}

check::history recorder::counter_ops() const {
  check::history out;
  for (auto& op : ops())
    if (op.key == counter_key)
      out.push_back(op);
  return out;
}

check::history recorder::register_ops() const {
  check::history out;
  for (auto& op : ops())
    if (op.key != counter_key)
      out.push_back(op);
  return out;
}

// -- one op -------------------------------------------------------------------

namespace {

/// Whether an error answer proves the command was never applied: its text
/// names a fail reason (state_machine.cpp: "flexsync call failed: R ...")
/// for which proves_not_applied holds.
bool proves_not_applied(const std::string& answer) {
  const std::string marker = "flexsync call failed: ";
  auto at = answer.find(marker);
  if (at == std::string::npos)
    return false;
  auto name = answer.substr(at + marker.size());
  name = name.substr(0, name.find(' '));
  for (int r = 0; r <= static_cast<int>(last_fail_reason); ++r) {
    auto reason = static_cast<fail_reason>(r);
    if (name == to_string(reason))
      return flexsync::proves_not_applied(reason);
  }
  return false;
}

bool is_read(const client_op& op) {
  return op.input.kind == check::op_kind::read
         || op.input.kind == check::op_kind::get;
}

} // namespace

check::outcome run_op(node_child& node, recorder& rec, int64_t client,
                      const client_op& op, std::chrono::milliseconds bound) {
  check::operation rop;
  rop.client = client;
  rop.key = op.key;
  rop.input = op.input;
  rop.invoke_time = rec.now();
  bool sent = false;
  auto answer = node.command(op.line, bound, &sent);
  rop.return_time = rec.now();
  if (!sent)
    return check::outcome::fail; // never reached the node: not an op
  rop.result = check::outcome::info;
  if (answer && answer->rfind("ok", 0) == 0) {
    rop.result = check::outcome::ok;
    auto value = answer->size() > 3 ? answer->substr(3) : std::string{};
    try {
      if (!value.empty())
        rop.output = check::returns(std::stoll(value) - op.delta);
    } catch (const std::exception&) {
      rop.result = check::outcome::info; // not an answer of this command
    }
  } else if (answer && *answer == "error no such key" && is_read(op)) {
    rop.result = check::outcome::ok;
    rop.output = check::returns_nil();
  } else if (answer && proves_not_applied(*answer)) {
    rop.result = check::outcome::fail;
  }
  rec.add(rop);
  return rop.result;
}

client_op next_op(std::mt19937_64& g, int64_t client, int64_t seq,
                  const workload_options& opts) {
  auto pick = std::uniform_int_distribution<int>{0, 99}(g);
  auto reg = std::uniform_int_distribution<size_t>{0, opts.registers - 1}(g);
  client_op op;
  if (pick < 35) {
    op.delta = std::uniform_int_distribution<int64_t>{1, 5}(g);
    op.line = "add " + std::to_string(op.delta);
    op.key = counter_key;
    op.input = check::fetch_add(op.delta);
  } else if (pick < 50) {
    // Reads through the log (add 0) or through a read barrier.
    op.line = opts.plant_local_reads ? "get"
              : pick < 42            ? "add 0"
                                     : "get --linearizable";
    op.key = counter_key;
    op.input = check::read();
  } else if (pick < 75) {
    auto v = client * 1'000'000'000 + seq;
    op.key = "k" + std::to_string(reg);
    op.line = "set " + op.key + " " + std::to_string(v);
    op.input = check::put(v);
  } else {
    op.key = "k" + std::to_string(reg);
    op.line = (opts.plant_local_reads ? "kv "
               : pick < 88              ? "read "
                                        : "kv --linearizable ")
              + op.key;
    op.input = check::get();
  }
  return op;
}

void client_loop(node_child& node, recorder& rec, int64_t client,
                 const workload_options& opts, const std::atomic<bool>& stop) {
  std::mt19937_64 g{opts.seed * 1000 + static_cast<uint64_t>(client)};
  int64_t seq = 0;
  while (!stop.load()) {
    // A node that stopped itself (say on a full disk) closes its console
    // and exits with status 70, but stays unreaped until the nemesis
    // restarts it: commands would fail at once, in a tight loop.
    if (!node.running() || node.paused() || node.console_gone()) {
      // Nothing to talk to; look again soon (not a pass/fail decision).
      std::this_thread::sleep_for(10ms);
      continue;
    }
    // An unknown outcome often comes from a node that is stopping (it
    // answers "stopped" until its console closes): back off a little
    // rather than pile up more unknown ops, each of which the checker
    // must consider applied or not.
    if (run_op(node, rec, client, next_op(g, client, ++seq, opts), opts.bound)
        == check::outcome::info)
      std::this_thread::sleep_for(20ms);
  }
}

} // namespace flexsync::nemesis
