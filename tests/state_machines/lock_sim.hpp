#pragma once

// A simulated cluster whose nodes replicate repl_lock_manager, for the
// lock-safety checker: the real node actors on CAF's test_coordinator
// (virtual time, seeded interleaving), the simulator's faulty network and
// Raft checkers (scenarios/sim), and one lock client per node.
//
// scenarios/sim/cluster replicates its own sim_register only, so this
// harness assembles the same parts around lock managers. Every node is
// also a client: it tries to acquire a few lock names at random times,
// holds what it gets for a random while (its keep-alive refreshing), then
// releases. A crash kills the node and its client together; the restarted
// node gets a new client (a new owner).
//
// The lock checker runs after every step: no two live clients may believe
// (is_acquired) they hold one lock at the same instant. Clients read the
// virtual clock; each node's leader clock (entry times) may be skewed by a
// fixed amount per node to exercise the safety margin.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/node/wiring.hpp"
#include "scenarios/sim/checker.hpp"
#include "scenarios/sim/sim_network.hpp"
#include "state_machines/repl_lock_manager.hpp"

namespace caf::scheduler {
class test_coordinator;
} // namespace caf::scheduler

namespace flexsync::testing {

struct lock_sim_options {
  uint64_t seed = 1;
  size_t nodes = 3;
  caf::timespan auto_unlock_time = std::chrono::seconds(1);
  /// Each node's leader clock is off by a fixed amount in [-skew, +skew].
  caf::timespan max_clock_skew{0};
  std::vector<std::string> lock_names{"x", "y"};
  /// Print client events and faults to stderr (replaying a failing seed).
  bool verbose = false;
};

class lock_sim {
public:
  explicit lock_sim(lock_sim_options opts);
  ~lock_sim();

  lock_sim(const lock_sim&) = delete;
  lock_sim& operator=(const lock_sim&) = delete;

  /// Virtual time since the start.
  caf::timespan now() const;

  /// Runs every event up to now + d, checking after each step.
  void run_for(caf::timespan d);

  /// Runs until `pred` holds or `max` passes; returns whether it held.
  bool run_until(const std::function<bool()>& pred, caf::timespan max);

  /// The fault phase: client load with partitions, isolated holders,
  /// crashes and restarts, for `d` of virtual time.
  void chaos(caf::timespan d);

  /// Heals the network, restarts every node and lets the clients finish.
  void heal();

  /// After heal(): each lock name is acquired by some client within
  /// `bound`, and every live replica holds the same table.
  bool liveness(caf::timespan bound);

  const std::vector<std::string>& violations() const { return violations_; }
  bool ok() const { return violations_.empty() && checker_.ok(); }
  std::string report() const;

  /// Grants observed (by callbacks); handovers of a lock from one owner to
  /// another while the first was alive; takeovers, the handovers where the
  /// first owner never released (the lock expired under it: cut off).
  size_t grants() const { return grants_; }
  size_t handovers() const { return handovers_; }
  size_t takeovers() const { return takeovers_; }

private:
  struct member {
    node_config cfg;
    std::shared_ptr<sim::checked_storage> store;
    std::unique_ptr<repl_lock_manager> locks;
    node_endpoints endpoints;
    std::shared_ptr<call_gate> gate;
    int64_t skew = 0;
    uint64_t incarnation = 0;
    bool up = false;
  };

  struct pending_release {
    caf::timespan at;
    node_id node;
    uint64_t incarnation;
    std::string name;
  };

  void start(member& m);
  void crash(const node_id& id);
  void step();
  void check_locks();
  void trace(const std::string& line) const;
  void try_acquire(const node_id& id, const std::string& name);
  void release_due();
  void random_fault();
  member& at(const node_id& id) { return members_.at(id); }

  lock_sim_options opts_;
  std::mt19937_64 rng_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  caf::actor_clock::time_point start_;
  std::shared_ptr<sim::sim_network> net_policy_;
  caf::actor net_;
  std::vector<node_id> ids_;
  std::map<node_id, member> members_;
  sim::checker checker_;
  std::vector<pending_release> releases_;
  /// Per lock name: the owner that last believed it held it.
  std::map<std::string, std::string> last_believer_;
  /// Per (lock name, owner): whether it believed after the last step.
  std::map<std::pair<std::string, std::string>, bool> believed_;
  /// (lock name, owner) pairs whose owner submitted a release.
  std::set<std::pair<std::string, std::string>> released_;
  std::vector<std::string> violations_;
  size_t grants_ = 0;
  size_t handovers_ = 0;
  size_t takeovers_ = 0;
  uint64_t steps_ = 0;
};

} // namespace flexsync::testing
