#pragma once

// Batteries in the simulator (flexsync-sim --batteries): every node
// replicates a counter, a dict, a list, a set and a bounded queue next to
// the simulator's register, clients call random operations on them during
// the fault phase, and battery_checker compares every replica's batteries
// with a sequential model applied in log order.
//
// The model is written independently of the batteries, over plain standard
// containers, from the semantics in FEATURES.md (Python's rules for
// positions, a bounded queue refusing puts, pop of an absent key, ...). It
// advances with the log: the first node to apply index i feeds entry i to
// it. Each replica is compared whenever it applies an entry (its state then
// must equal the model's after the entry before) and whenever it restores
// a snapshot (the model's at the snapshot's index), by a hash of the
// batteries' snapshot bytes, which have the standard containers' format.

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/node/observer.hpp"
#include "state_machines/repl_counter.hpp"
#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_list.hpp"
#include "state_machines/repl_queue.hpp"
#include "state_machines/repl_set.hpp"

namespace flexsync::sim {

class checker;

/// Capacity of the simulated bounded queue.
constexpr size_t sim_queue_capacity = 4;

/// One node's batteries. Object indexes on the node: 1 to 5 in this order
/// (0 is the simulator's register).
struct sim_batteries {
  repl_counter counter;
  repl_dict<std::string, std::string> dict;
  repl_list<int64_t> list;
  repl_set<std::string> set;
  repl_queue<int64_t> queue{sim_queue_capacity};

  std::vector<replicated_object*> objects();

  /// Hash of each battery's snapshot bytes, in object order.
  std::vector<uint64_t> digest();

  /// Submits one random operation on a random battery (fire and forget:
  /// the checker judges the state, not the replies).
  void random_call(std::mt19937_64& rng);
};

/// The sequential model: what the batteries must hold after a log prefix.
class battery_model {
public:
  /// Applies the command `args` addressed to object `object` (1 to 5;
  /// other objects are not batteries). Returns false for a command the
  /// model does not know, which it leaves without effect.
  bool apply(uint32_t object, const caf::message& args);

  /// Hashes of the state in the batteries' snapshot format (see
  /// sim_batteries::digest).
  std::vector<uint64_t> digest();

private:
  bool apply_counter(caf::atom_value op, const caf::message& args);
  bool apply_dict(caf::atom_value op, const std::vector<char>& buf);
  bool apply_list(caf::atom_value op, const std::vector<char>& buf);
  bool apply_set(caf::atom_value op, const std::vector<char>& buf);
  bool apply_queue(caf::atom_value op, const std::vector<char>& buf);

  int64_t counter_ = 0;
  std::map<std::string, std::string> dict_;
  std::vector<int64_t> list_;
  std::set<std::string> set_;
  std::deque<int64_t> queue_;
};

class battery_checker : public node_observer {
public:
  /// Reports violations to `report`; decodes entries with `sys`.
  battery_checker(caf::actor_system& sys, checker& report);

  /// A node (re)started with fresh batteries; a crashed node is detached.
  void attach(const node_id& id, sim_batteries* batteries);
  void detach(const node_id& id);

  void on_apply(const node_id& self, const log_entry& entry) override;
  void on_restore(const node_id& self, index_t index) override;

  /// Compares every attached node's batteries with the model at the index
  /// it applied last (the end of a run).
  void end_check(const std::map<node_id, index_t>& applied);

  /// Battery commands the model applied.
  uint64_t commands() const { return commands_; }

private:
  void compare(const node_id& self, index_t index);

  caf::actor_system& sys_;
  checker& report_;
  battery_model model_;
  /// digests_[i]: the model's digest after index i.
  std::vector<std::vector<uint64_t>> digests_;
  std::map<node_id, sim_batteries*> nodes_;
  /// Nodes found different (reported once per incarnation).
  std::set<node_id> diverged_;
  uint64_t commands_ = 0;
};

} // namespace flexsync::sim
