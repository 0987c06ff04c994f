#include "scenarios/sim/lin_workload.hpp"

#include <algorithm>
#include <sstream>

#include <caf/all.hpp>

#include "actors/node/type_ids.hpp"
#include "scenarios/check/models.hpp"
#include "state_machines/battery.hpp"

namespace flexsync::sim {

// -- sim_registers ------------------------------------------------------------

caf::behavior sim_registers::make_behavior() {
  return {
    [this](write_atom, int64_t key, int64_t value) { values_[key] = value; },
    [this](read_atom, int64_t key) {
      auto i = values_.find(key);
      return i == values_.end() ? int64_t{0} : i->second;
    },
    [this](cas_atom, int64_t key, int64_t expected, int64_t desired) {
      auto& v = values_[key];
      if (v != expected)
        return false;
      v = desired;
      return true;
    },
  };
}

int64_t sim_registers::local_value(int64_t key) const {
  return state_machine::read([&] {
    auto i = values_.find(key);
    return i == values_.end() ? int64_t{0} : i->second;
  });
}

caf::error sim_registers::save(caf::serializer& sink) {
  return sink(values_);
}

caf::error sim_registers::load(caf::deserializer& source) {
  return detail::load_into(source, values_);
}

// -- recording ----------------------------------------------------------------

/// Shared with the completions, which may run after the workload's run
/// ended (a crash answers pending calls with `stopped`).
struct lin_workload::recorder {
  check::history ops;
  std::vector<bool> answered;
  bool open = true;
  cluster* c = nullptr;

  /// What the client learned about op `slot` from `err` (empty: success,
  /// with output `out`).
  void complete(size_t slot, const caf::error& err, check::op_output out) {
    if (!open || answered[slot])
      return;
    answered[slot] = true;
    auto& op = ops[slot];
    op.return_time = c->now().count();
    if (!err) {
      op.result = check::outcome::ok;
      op.output = std::move(out);
    } else if (err.category() == error_category
               && proves_not_applied(to_fail_reason(err))) {
      op.result = check::outcome::fail;
    } else {
      op.result = check::outcome::info;
    }
  }
};

namespace {

std::string register_key(int64_t k) {
  return "r" + std::to_string(k);
}

std::string counter_key(int64_t k) {
  return "c" + std::to_string(k);
}

int64_t client_of(const node_id& at) {
  return std::stoll(at.name);
}

} // namespace

lin_workload::lin_workload() : rec_(std::make_shared<recorder>()) {
  // nop
}

lin_workload::~lin_workload() {
  rec_->open = false;
}

std::function<object_list(const node_id&, uint64_t)> lin_workload::objects() {
  return [](const node_id&, uint64_t) {
    object_list xs;
    xs.push_back(std::make_unique<sim_registers>());
    for (int64_t k = 0; k < counter_keys; ++k)
      xs.push_back(std::make_unique<repl_counter>());
    return xs;
  };
}

sim_registers* lin_workload::registers_of(const node_id& at) const {
  auto& xs = cluster_->extras(at);
  return xs.empty() ? nullptr : static_cast<sim_registers*>(xs[0].get());
}

repl_counter* lin_workload::counter_of(const node_id& at, int64_t key) const {
  auto& xs = cluster_->extras(at);
  return xs.empty() ? nullptr
                    : static_cast<repl_counter*>(xs[1 + key].get());
}

size_t lin_workload::invoke(const node_id& at, std::string key,
                            check::op_input input) {
  auto& r = *rec_;
  r.c = cluster_;
  check::operation op;
  op.client = client_of(at);
  op.key = std::move(key);
  op.input = input;
  op.invoke_time = cluster_->now().count();
  op.result = check::outcome::info;
  r.ops.push_back(std::move(op));
  r.answered.push_back(false);
  return r.ops.size() - 1;
}

void lin_workload::random_call(const node_id& at, std::mt19937_64& rng,
                               caf::timespan timeout) {
  auto* regs = registers_of(at);
  if (!cluster_->up(at) || regs == nullptr)
    return;
  auto rec = rec_;
  auto x = std::uniform_int_distribution<int>{0, 99}(rng);
  if (x < 60) {
    auto k = std::uniform_int_distribution<int64_t>{0, register_keys - 1}(rng);
    auto name = register_key(k);
    if (x < 25) {
      write_register(at, *regs, k, timeout);
    } else if (x < 45 && local_reads_) {
      auto slot = invoke(at, name, check::read());
      rec->complete(slot, {}, check::returns(regs->local_value(k)));
    } else if (x < 35) {
      // A linearizable read (ReadIndex, or the leader's lease every other
      // time).
      barrier_read(at, *regs, k, std::nullopt, timeout);
    } else if (x < 45) {
      auto slot = invoke(at, name, check::read());
      regs->read(k).then(
        [rec, slot, this, k](int64_t v, const caf::error& err) {
          if (!err && rec->open)
            seen_[k] = v;
          rec->complete(slot, err, check::returns(v));
        },
        timeout);
    } else {
      auto v = next_value_++;
      auto slot = invoke(at, name, check::cas(seen_[k], v));
      regs->cas(k, seen_[k], v).then(
        [rec, slot](bool swapped, const caf::error& err) {
          rec->complete(slot, err, check::returns_flag(swapped));
        },
        timeout);
    }
    return;
  }
  auto k = std::uniform_int_distribution<int64_t>{0, counter_keys - 1}(rng);
  // add(0) is the counter's read through the log.
  int64_t d = x < 85 ? std::uniform_int_distribution<int64_t>{1, 3}(rng) : 0;
  auto slot = invoke(at, counter_key(k),
                     d == 0 ? check::read() : check::fetch_add(d));
  counter_of(at, k)->add(d).then(
    [rec, slot, d](int64_t after, const caf::error& err) {
      rec->complete(slot, err, check::returns(after - d));
    },
    timeout);
}

size_t lin_workload::write_register(const node_id& at, sim_registers& regs,
                                    int64_t k, caf::timespan timeout) {
  auto rec = rec_;
  auto v = next_value_++;
  auto slot = invoke(at, register_key(k), check::write(v));
  regs.write(k, v).then(
    [rec, slot](const caf::error& err) { rec->complete(slot, err, {}); },
    timeout);
  return slot;
}

// The barrier, then this replica; without a mode, ReadIndex or the
// leader's lease every other call.
size_t lin_workload::barrier_read(const node_id& at, sim_registers& regs,
                                  int64_t k, std::optional<read_mode> mode,
                                  caf::timespan timeout) {
  auto rec = rec_;
  auto slot = invoke(at, register_key(k), check::read());
  if (!mode)
    mode = slot % 2 == 0 ? read_mode::read_index : read_mode::lease;
  auto* r = &regs;
  regs.barrier(*mode).then(
    [rec, slot, this, r, k](const caf::error& err) {
      int64_t v = err ? 0 : r->local_value(k);
      if (!err && rec->open)
        seen_[k] = v;
      rec->complete(slot, err, check::returns(v));
    },
    timeout);
  return slot;
}

std::optional<size_t> lin_workload::write(const node_id& at, int64_t key,
                                          caf::timespan timeout) {
  auto* regs = registers_of(at);
  if (!cluster_->up(at) || regs == nullptr)
    return std::nullopt;
  return write_register(at, *regs, key, timeout);
}

std::optional<size_t> lin_workload::lease_read(const node_id& at, int64_t key,
                                               caf::timespan timeout) {
  auto* regs = registers_of(at);
  if (!cluster_->up(at) || regs == nullptr)
    return std::nullopt;
  return barrier_read(at, *regs, key, read_mode::lease, timeout);
}

bool lin_workload::succeeded(size_t slot) const {
  return rec_->answered[slot] && rec_->ops[slot].result == check::outcome::ok;
}

bool lin_workload::answered(size_t slot) const {
  return rec_->answered[slot];
}

void lin_workload::read_everything(const node_id& at, caf::timespan timeout) {
  auto* regs = registers_of(at);
  if (!cluster_->up(at) || regs == nullptr)
    return;
  auto rec = rec_;
  for (int64_t k = 0; k < register_keys; ++k) {
    auto slot = invoke(at, register_key(k), check::read());
    regs->read(k).then(
      [rec, slot](int64_t v, const caf::error& err) {
        rec->complete(slot, err, check::returns(v));
      },
      timeout);
  }
  for (int64_t k = 0; k < counter_keys; ++k) {
    auto slot = invoke(at, counter_key(k), check::read());
    counter_of(at, k)->add(0).then(
      [rec, slot](int64_t v, const caf::error& err) {
        rec->complete(slot, err, check::returns(v));
      },
      timeout);
  }
}

size_t lin_workload::calls() const {
  return rec_->ops.size();
}

bool lin_workload::answered_from(size_t first) const {
  auto& a = rec_->answered;
  return std::all_of(a.begin() + static_cast<ptrdiff_t>(first), a.end(),
                     [](bool x) { return x; });
}

// -- checking -----------------------------------------------------------------

std::string lin_workload::finish(history_stats& stats) {
  auto& r = *rec_;
  r.open = false;
  check::history registers, counters;
  for (auto& op : r.ops) {
    ++stats.ops;
    switch (op.result) {
      case check::outcome::ok: ++stats.ok; break;
      case check::outcome::fail: ++stats.fail; break;
      case check::outcome::info: ++stats.info; break;
    }
    (op.key[0] == 'r' ? registers : counters).push_back(op);
  }
  std::string report;
  auto run = [&](const check::model& m, const check::history& ops) {
    auto result = check::check_history(m, ops);
    stats.search_steps += result.steps;
    for (auto& p : result.partitions)
      if (p.result == check::verdict::unknown)
        ++stats.undecided;
    if (result.result != check::verdict::not_linearizable)
      return;
    report += "linearizability: the client history of the " + m.name()
              + "s is not linearizable";
    std::istringstream lines{result.describe(m)};
    for (std::string line; std::getline(lines, line);)
      if (!line.empty())
        report += "\n    " + line;
  };
  run(check::register_model{}, registers);
  run(check::counter_model{}, counters);
  return report;
}

} // namespace flexsync::sim
