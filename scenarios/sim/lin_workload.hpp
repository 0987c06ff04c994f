#pragma once

// The simulator's client history (issue 15): clients on random nodes call
// registers (write, read, compare-and-set) and counters (add, read) through
// the log, the way a user's program calls its objects, and every call is
// recorded with its virtual invoke and completion times and what the client
// learned. The history is then checked for linearizability from the
// outside (scenarios/check), independently of the Raft checkers inside.
//
// Outcomes follow the node's own promises: success is ok; a reason that
// proves the command was never applied (fail_reason.hpp:
// proves_not_applied) is fail, so a node that says "not applied" about a
// command that was applied is caught; timeout, stopped, quorum_lost and a
// call still pending at the end are info (may or may not have happened).
// Reads go through the log, or are linearizable reads (a ReadIndex
// barrier, then the node's own replica); local reads may be stale by design
// and are not checked.
//
// Every node replicates, after the harness's objects, one sim_registers and
// one repl_counter per counter key; a restarted node gets new ones.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "protocol/read_mode.hpp"
#include "scenarios/check/checker.hpp"
#include "scenarios/sim/history_stats.hpp"
#include "scenarios/sim/cluster.hpp"
#include "state_machines/repl_counter.hpp"
#include "state_machines/state_machine.hpp"

namespace flexsync::sim {

/// Integer registers, initially 0, whose every operation is a command.
class sim_registers : public state_machine {
public:
  using write_atom = caf::atom_constant<caf::atom("write")>;
  using read_atom = caf::atom_constant<caf::atom("read")>;
  using cas_atom = caf::atom_constant<caf::atom("cas")>;

  replicated_call<void> write(int64_t key, int64_t value) {
    return call<void>(write_atom::value, key, value);
  }
  replicated_call<int64_t> read(int64_t key) {
    return call<int64_t>(read_atom::value, key);
  }
  /// Sets `key` to `desired` if it holds `expected`; yields whether it did.
  replicated_call<bool> cas(int64_t key, int64_t expected, int64_t desired) {
    return call<bool>(cas_atom::value, key, expected, desired);
  }
  /// The value as of this replica's last applied entry (may be stale).
  int64_t local_value(int64_t key) const;

  caf::behavior make_behavior() override;
  caf::error save(caf::serializer& sink) override;
  caf::error load(caf::deserializer& source) override;

private:
  std::map<int64_t, int64_t> values_;
};

class lin_workload {
public:
  static constexpr int64_t register_keys = 4;
  static constexpr int64_t counter_keys = 2;

  lin_workload();
  ~lin_workload();

  lin_workload(const lin_workload&) = delete;
  lin_workload& operator=(const lin_workload&) = delete;

  /// For cluster_options::extra_objects; the workload must outlive the
  /// cluster.
  std::function<object_list(const node_id&, uint64_t)> objects();

  /// The cluster the objects live in; before the first call.
  void attach(cluster& c) { cluster_ = &c; }

  /// Planted flaw (run_params::local_reads): register reads answer at once
  /// from the node's own replica, recorded as if linearizable.
  void set_local_reads(bool on) { local_reads_ = on; }

  /// Calls one random operation on `at` (nothing if it is down), with
  /// deadline `timeout`.
  void random_call(const node_id& at, std::mt19937_64& rng,
                   caf::timespan timeout);

  /// A write of a fresh value to register `key` (0 to register_keys - 1)
  /// on `at`; returns its slot, nothing if `at` is down.
  std::optional<size_t> write(const node_id& at, int64_t key,
                              caf::timespan timeout);
  /// A lease read (read_mode::lease barrier, then `at`'s replica) of
  /// register `key` on `at`; returns its slot, nothing if `at` is down.
  std::optional<size_t> lease_read(const node_id& at, int64_t key,
                                   caf::timespan timeout);
  /// Whether call `slot` was answered, and answered with success.
  bool answered(size_t slot) const;
  bool succeeded(size_t slot) const;

  /// Reads every key through `at`; the final reads pin down what the info
  /// writes did.
  void read_everything(const node_id& at, caf::timespan timeout);

  /// Calls invoked so far; the slot the next one gets.
  size_t calls() const;
  /// Whether every call from slot `first` on was answered.
  bool answered_from(size_t first) const;

  /// Stops recording (answers after this are ignored) and checks the
  /// history. Returns the violations' report, empty when linearizable.
  std::string finish(history_stats& stats);

private:
  struct recorder;

  /// Records the invocation of `input` on `key` by `at`; returns its slot.
  size_t invoke(const node_id& at, std::string key, check::op_input input);
  sim_registers* registers_of(const node_id& at) const;
  size_t write_register(const node_id& at, sim_registers& regs, int64_t k,
                        caf::timespan timeout);
  size_t barrier_read(const node_id& at, sim_registers& regs, int64_t k,
                      std::optional<read_mode> mode, caf::timespan timeout);
  repl_counter* counter_of(const node_id& at, int64_t key) const;

  cluster* cluster_ = nullptr;
  std::shared_ptr<recorder> rec_;
  /// Next value to write: every write is unique, so a read names its write.
  int64_t next_value_ = 1;
  /// The last value seen per register key, cas's likely expectation.
  std::map<int64_t, int64_t> seen_;
  bool local_reads_ = false;
};

} // namespace flexsync::sim
