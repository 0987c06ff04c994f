#pragma once

// The lock-safety simulator: the simulated cluster of scenarios/sim (the real
// node actors on virtual time, a seeded interleaving, simulated disks, the
// faulty network and the Raft checkers) with a repl_lock_manager on every
// node besides the harness's own register.
//
// Every node is also a client: it tries to acquire a few lock names at random
// times, holds what it gets for a random while (its keep-alive refreshing),
// then releases. A crash kills the node and its client together; the
// restarted node gets a new client (a new owner).
//
// The lock checker runs after every step: no two live clients may believe
// (is_acquired) they hold one lock at the same instant. Clients read the
// virtual clock; each node's leader clock (entry times) may be skewed by a
// fixed amount per node to exercise the safety margin.

#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/sim/cluster.hpp"
#include "state_machines/repl_lock_manager.hpp"

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

  lock_sim(const lock_sim&) = delete;
  lock_sim& operator=(const lock_sim&) = delete;

  /// Virtual time since the start.
  caf::timespan now() const { return cluster_.now(); }

  /// Runs every event up to now + d, checking after each step.
  void run_for(caf::timespan d) { cluster_.run_for(d); }

  /// Runs until `pred` holds or `max` passes; returns whether it held.
  bool run_until(const std::function<bool()>& pred, caf::timespan max) {
    return cluster_.run_until(pred, max);
  }

  /// The fault phase: client load with partitions, isolated holders,
  /// crashes and restarts, for `d` of virtual time.
  void chaos(caf::timespan d);

  /// Heals the network, restarts every node and lets the clients finish.
  void heal();

  /// After heal(): each lock name is acquired by some client within
  /// `bound`, and every live replica holds the same table.
  bool liveness(caf::timespan bound);

  /// The lock checker's findings (two believers at once); the Raft
  /// checkers' are in report().
  const std::vector<std::string>& violations() const { return violations_; }
  /// No checker, the lock checker included, found anything.
  bool ok() const { return cluster_.check().ok(); }
  std::string report() const;

  /// Grants observed (by callbacks); handovers of a lock from one owner to
  /// another while the first was alive; takeovers, the handovers where the
  /// first owner never released (the lock expired under it: cut off).
  size_t grants() const { return grants_; }
  size_t handovers() const { return handovers_; }
  size_t takeovers() const { return takeovers_; }

 private:
  struct pending_release {
    caf::timespan at;
    node_id node;
    /// The client that was granted the lock: a restarted node's new client
    /// does not release it.
    std::string owner;
    std::string name;
  };

  /// The harness as this simulator uses it: lock managers on every node,
  /// the lock checker after every step.
  sim::cluster_options harness_options();
  /// The lock manager of `id`'s running incarnation; null while it is down.
  repl_lock_manager* locks(const node_id& id) const;
  void check_locks();
  /// Notes who believes they hold `name` now; returns the believers.
  std::vector<std::string> believers(const std::string& name);
  void count_handover(const std::string& name, const std::string& believer);
  void trace(const std::string& line) const { cluster_.trace(line); }
  size_t between(size_t lo, size_t hi);
  double uniform();
  const node_id& pick_node();
  void try_acquire(const node_id& id, const std::string& name);
  void release_due();
  void random_fault();
  bool acquired_somewhere(const std::string& name, caf::timespan bound);

  lock_sim_options opts_;
  /// The clients' and faults' choices; the cluster has its own.
  std::mt19937_64 rng_;
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
  /// Last: it goes first, while what its callbacks reach still exists.
  sim::cluster cluster_;
};

} // namespace flexsync::testing
