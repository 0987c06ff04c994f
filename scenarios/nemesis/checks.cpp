// The nemesis runner's checks after the heal (see checks.hpp).

#include "scenarios/nemesis/checks.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>

#include "scenarios/check/checker.hpp"
#include "scenarios/check/models.hpp"

namespace flexsync::nemesis {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds answer_bound{5000};

/// The value of `key=` in a status answer, or "?".
std::string field(const std::string& status, const std::string& key) {
  auto at = status.find(" " + key + "=");
  if (at == std::string::npos)
    return "?";
  auto from = at + key.size() + 2;
  return status.substr(from, status.find(' ', from) - from);
}

/// What a replica holds, as one comparable line: its applied index and
/// counter from `status`, then its local value of every register.
std::string replica_state(node_child& n, size_t registers) {
  auto st = n.command("status", answer_bound).value_or("no answer");
  std::string out = "applied=" + field(st, "applied")
                    + " counter=" + field(st, "counter");
  for (size_t k = 0; k < registers; ++k)
    out += " k" + std::to_string(k) + "="
           + n.command("kv k" + std::to_string(k), answer_bound)
               .value_or("no answer");
  return out;
}

} // namespace

int64_t wait_for_write(cluster& c, recorder& rec) {
  auto start = clock_type::now();
  client_op op{"add 1", counter_key, check::fetch_add(1), 1};
  for (size_t i = 0; clock_type::now() - start < heal_bound; ++i) {
    auto node = static_cast<int64_t>(i % c.size());
    if (run_op(c.at(i % c.size()), rec, node, op, answer_bound)
        == check::outcome::ok)
      return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock_type::now() - start)
        .count();
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

std::string wait_for_convergence(cluster& c, size_t registers) {
  auto start = clock_type::now();
  std::string diff;
  for (;;) {
    std::vector<std::string> states;
    for (size_t i = 0; i < c.size(); ++i)
      states.push_back(replica_state(c.at(i), registers));
    bool same = true;
    std::ostringstream out;
    for (size_t i = 0; i < states.size(); ++i) {
      same = same && states[i] == states[0];
      out << (i ? "; " : "") << 'n' << i << ": " << states[i];
    }
    if (same && states[0].find("?") == std::string::npos)
      return {};
    diff = out.str();
    if (clock_type::now() - start >= heal_bound)
      return diff;
    std::this_thread::sleep_for(100ms);
  }
}

void final_reads(cluster& c, recorder& rec, size_t registers) {
  for (size_t i = 0; i < c.size(); ++i) {
    auto client = static_cast<int64_t>(i);
    run_op(c.at(i), rec, client, {"add 0", counter_key, check::read(), 0},
           answer_bound);
    for (size_t k = 0; k < registers; ++k) {
      auto key = "k" + std::to_string(k);
      run_op(c.at(i), rec, client, {"read " + key, key, check::get(), 0},
             answer_bound);
    }
  }
}

namespace {

/// The history without info ops that cannot matter, which keeps the search
/// from trying every subset of them (2^k configurations for k pending info
/// ops, which the search needs when it must prove a violation):
///   - an info read or get: no effect on the state, any output allowed;
///   - an info put(v) whose unique v no ok op returned: in any
///     linearization no read sits between it and the next write (a read
///     there would return v), so leaving it out linearizes the rest the same.
/// Either way the history is linearizable iff the pruned one is.
check::history prune(const check::history& ops) {
  std::set<std::pair<std::string, int64_t>> seen;
  for (auto& op : ops)
    if (op.result == check::outcome::ok && op.output.value)
      seen.emplace(op.key, *op.output.value);
  check::history out;
  for (auto& op : ops) {
    auto kind = op.input.kind;
    bool info = op.result == check::outcome::info;
    if (info && (kind == check::op_kind::read || kind == check::op_kind::get))
      continue;
    if (info && kind == check::op_kind::put
        && !seen.count({op.key, op.input.arg}))
      continue;
    out.push_back(op);
  }
  return out;
}

void check_part(const check::model& m, const check::history& ops,
                history_verdict& out) {
  // A linearizable part takes about one step per op; the budget allows ten,
  // within bounds that keep memory to a few hundred MB (one cached
  // configuration per step). It also bounds each candidate of the shrink,
  // which is most of the time a failing run spends here. A part the search
  // cannot decide is reported as undecided, never as passed.
  auto pruned = prune(ops);
  check::check_options opts;
  opts.max_steps_per_partition = std::clamp<uint64_t>(
    10 * pruned.size(), 100'000, 2'000'000);
  auto result = check::check_history(m, pruned, opts);
  // Each unknown op left pending (say a fetch_add that a node stopping on
  // a full disk never applied) costs the walk a few steps at every later
  // op: a counter with a handful of them needed 10-17 steps per op (seeds
  // 4 and 15 with --disk-full, 30 s, about 10 000 ops). So an undecided
  // check is tried once more with five times the steps, at most 1 M (they
  // took 80 MB for 177 000 steps at 10 000 ops); a decided one costs
  // nothing more.
  auto undecided = [](const check::check_result& r) {
    for (auto& part : r.partitions)
      if (part.result == check::verdict::unknown)
        return true;
    return false;
  };
  if (undecided(result)) {
    opts.max_steps_per_partition = std::clamp<uint64_t>(
      50 * pruned.size(), 100'000, 1'000'000);
    result = check::check_history(m, pruned, opts);
  }
  for (auto& part : result.partitions) {
    if (part.result == check::verdict::not_linearizable)
      ++out.violations;
    else if (part.result == check::verdict::unknown)
      ++out.undecided;
  }
  if (result.result != check::verdict::linearizable)
    out.text += m.name() + ": " + result.describe(m) + "\n";
}

} // namespace

history_verdict check_history(const recorder& rec) {
  history_verdict out;
  check_part(check::counter_model{}, rec.counter_ops(), out);
  check_part(check::dict_model{}, rec.register_ops(), out);
  return out;
}

} // namespace flexsync::nemesis
