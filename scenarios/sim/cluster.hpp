#pragma once

// A simulated cluster: every node's real actors in one actor system on CAF's
// test_coordinator (virtual time), a seeded choice of which ready actor runs
// next, the simulated network between nodes, crash/restart, clients, and the
// checkers run after every step. One 64-bit seed reproduces a run exactly.
//
// Storage: by default every node has its own simulated disk (memory_disk)
// holding its journal and snapshots. A crash loses what was not fsync'd, may
// tear the last unsynced write, and a restart goes through the real recovery
// code (open_persistence): snapshot, journal scan, replay. With
// `disk = false` a node runs in memory mode, as `flexsync-node
// --storage=memory` does: a crash loses everything, and the node restarts
// empty (term 0, no vote, no log, no snapshot). Either way the restarted
// node gets new actors, a new client identity and a fresh state machine.
//
// Clocks: all nodes read one virtual clock, but each may run at a rate of
// its own (cluster::clock_rate, cluster_options::clock_rates): the node
// gets its configured durations divided by its rate, which is the same as
// its clock running at that rate (sim/clock_rate.hpp). skew_clock offsets
// the wall clock that stamps entry times.

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/node/logger.hpp"
#include "actors/objects/replicated_object.hpp"
#include "actors/node/wiring.hpp"
#include "protocol/config.hpp"
#include "scenarios/sim/battery_model.hpp"
#include "scenarios/sim/checker.hpp"
#include "scenarios/sim/sim_network.hpp"
#include "snapshot/disk/memory_disk.hpp"

namespace caf::scheduler {
class test_coordinator;
} // namespace caf::scheduler

namespace flexsync::sim {

/// Replicated objects a node owns.
using object_list = std::vector<std::unique_ptr<replicated_object>>;

struct cluster_options {
  size_t nodes = 3;
  /// Nodes after the first `nodes` that start down and, once restarted,
  /// join the running cluster (node_config::join) until a membership
  /// change makes them members.
  size_t spares = 0;
  std::optional<quorum_spec> quorum;
  /// node_config::terms; term_mode::unchecked validates the quorum system as
  /// owned terms would and campaigns with shared terms (unsafe: only to
  /// show that the safety checker catches two leaders in one term).
  term_mode terms = term_mode::shared;
  uint64_t seed = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  /// node_config::lease_reads (needs check_quorum).
  bool lease_reads = false;
  /// node_config::placement: priorities, zones, a preferred zone.
  placement_policy placement;
  size_t max_batch_entries = 4096;
  caf::timespan heartbeat_interval = std::chrono::milliseconds(50);
  caf::timespan election_timeout_min = std::chrono::milliseconds(160);
  caf::timespan election_timeout_max = std::chrono::milliseconds(320);
  /// The rate of each node's clock, by position in ids() (node 1 first);
  /// missing entries are 1 (see cluster::clock_rate).
  std::vector<double> clock_rates;
  /// Node log lines at or above this level are printed to stderr.
  log_level level = log_level::error;
  /// Simulated disks with crash semantics (see above); false: memory.
  bool disk = true;
  /// Whether a crash may tear the last unsynced write of each file.
  bool tear = true;
  /// Compaction and snapshot install: thresholds, chunk size, intervals.
  /// Snapshots on a simulated disk are written inline (no fork()).
  persistence_options persistence = default_sim_persistence();
  /// Every node also replicates the batteries of battery_model.hpp,
  /// checked against a sequential model (battery_checker).
  bool batteries = false;
  /// Memory mode: a crash that would leave more nodes without their state
  /// (down, or restarted and not yet caught up) than the quorum system
  /// tolerates is skipped. flexsync promises no data loss only within that
  /// bound; beyond it the cluster stops and waits for an operator.
  bool bound_losses = false;
  /// Deadline of a call that names none, on every node.
  caf::timespan default_call_timeout = node_config{}.default_call_timeout;
  /// A harness user's own objects, which every node replicates after the
  /// harness's (sim_register, batteries). Asked for at each start of a node,
  /// with its id and incarnation (1 at the first start): a restarted node
  /// gets new objects, as a restarted process would. Their calls go through
  /// the node; a crash fails the calls still coming with `stopped` and
  /// destroys the objects. See cluster::extras().
  std::function<object_list(const node_id&, uint64_t incarnation)>
      extra_objects;
  /// Runs after every step, after the harness's own checks: a user's own
  /// checker reports through check().violation(), which ends the run.
  std::function<void()> after_step;
  /// Runs before every step with the node whose actor the step resumes
  /// (empty for the network and the clients) and the actor's name, e.g.
  /// "flexsync.replicator": what counts messages per actor.
  std::function<void(const node_id&, const char* actor)> before_step;

  static persistence_options default_sim_persistence();
};

/// The replicated object of simulated nodes: an append-only list of strings.
class sim_register : public replicated_object {
 public:
  using put_atom = caf::atom_constant<caf::atom("put")>;

  caf::behavior make_behavior() override;
  caf::error save(caf::serializer& sink) override;
  caf::error load(caf::deserializer& source) override;

  std::vector<std::string> values;
};

/// The outcome of one client call.
struct call_outcome {
  std::string label;
  node_id node;
  bool done = false;
  fail_reason reason = fail_reason::success;
  /// On success: the register's size after the command (its position).
  uint64_t position = 0;
  /// Virtual times (since the cluster started) at which the call was
  /// submitted and at which its outcome came (equal when it failed at once).
  caf::timespan invoked{0};
  caf::timespan completed{0};
};

class cluster {
 public:
  /// @throws config_error when the options describe an unsafe cluster.
  explicit cluster(cluster_options opts);
  ~cluster();

  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  // -- time ------------------------------------------------------------------

  /// Virtual time since the cluster started.
  caf::timespan now() const;

  /// Runs every event up to now + d, checking after each step.
  void run_for(caf::timespan d);

  /// Runs until `pred` holds (checked after every step) or `max` passes.
  /// Returns whether `pred` held.
  bool run_until(const std::function<bool()>& pred, caf::timespan max);

  // -- nodes -----------------------------------------------------------------

  const std::vector<node_id>& ids() const { return ids_; }
  bool up(const node_id& id) const;
  /// The node's actors stopped on their own: the error line that said why.
  std::optional<std::string> failure(const node_id& id) const;
  std::vector<node_id> live() const;
  /// The live nodes that are members of the leader's configuration (of
  /// their own when there is no leader, all when none was announced).
  std::vector<node_id> members() const;
  void crash(const node_id& id);
  /// Crashes `id` after `steps` more simulation steps: in the middle of
  /// whatever it is doing (between a write and its fsync, say), not only at
  /// quiet moments between runs.
  void crash_after(const node_id& id, uint64_t steps);
  /// Crashes `id` at the first step after which its disk holds writes not
  /// yet fsync'd (the window a power loss hits), or after `steps` steps.
  void crash_when_dirty(const node_id& id, uint64_t steps);
  /// Forgets every crash still due.
  void cancel_crashes() { due_crashes_.clear(); }
  void restart(const node_id& id);
  /// Makes `id` start an election now (no pre-vote, no stickiness).
  void campaign(const node_id& id);
  /// The operator's recovery from `id` (node::force_recover()).
  void force_recover(const node_id& id);
  /// Makes every write to `id`'s disk fail (a full or broken disk), or
  /// work again.
  void fail_disk(const node_id& id, bool fail);
  /// Makes `id` take a snapshot and compact its log now.
  void compact(const node_id& id);
  /// Makes `id`'s leader clock, which gives entries their times, run `by`
  /// ahead of virtual time (behind if negative), across restarts: the error
  /// between servers' clocks that time-based objects must tolerate.
  void skew_clock(const node_id& id, caf::timespan by) { node(id).skew = by; }
  /// Makes `id`'s clock run at `rate` (> 0) from its next start on, across
  /// restarts: it measures a real duration d as rate·d. The simulator has
  /// one virtual clock, so the node gets every duration of its node_config
  /// divided by `rate` instead (sim/clock_rate.hpp says why that is the
  /// same), and its wall clock (entry times) runs at `rate` too.
  /// cluster_options::clock_rates sets it before the first start.
  void clock_rate(const node_id& id, double rate);
  double clock_rate(const node_id& id) const { return node(id).rate; }
  /// The highest code version `id` supports from its next start on (a
  /// rolling upgrade: set it, crash the node, restart it).
  void set_max_code_version(const node_id& id, uint32_t v) {
    node(id).cfg.max_code_version = v;
  }
  /// The objects extra_objects gave `id`'s running incarnation, in their
  /// order; empty while the node is down.
  const object_list& extras(const node_id& id) const { return node(id).extras; }

  /// The leader of the highest term among live nodes, if any.
  std::optional<node_id> leader() const;
  /// True when the leader of the highest term can reach a replication
  /// quorum (both ways) and every live node it can reach follows it in its
  /// term and has applied an entry of that term.
  bool settled() const;

  const std::vector<std::string>& values(const node_id& id) const;

  // -- network ---------------------------------------------------------------

  sim_network& net() { return *net_policy_; }
  /// Blocks every link between different groups (both directions).
  void partition(const std::vector<std::vector<node_id>>& groups);
  /// Delivers up to `n` held messages of a link now; returns their
  /// descriptions.
  std::vector<std::string> release(const node_id& from, const node_id& to,
                                   size_t n);
  void heal() { net_policy_->heal(); }

  // -- clients ---------------------------------------------------------------

  /// Submits put(value) on `at`; returns the slot of its outcome.
  size_t propose(const node_id& at, std::string value, caf::timespan timeout);
  /// A linearizable read on `at`: a read barrier, then the register's size
  /// (the outcome's position).
  size_t read(const node_id& at, caf::timespan timeout, bool lease = false);
  /// With batteries: submits a random battery operation on `at`, if up.
  void battery_call(const node_id& at, std::mt19937_64& rng);
  const std::vector<call_outcome>& outcomes() const { return outcomes_; }

  // -- membership ------------------------------------------------------------

  /// The outcome of one membership request.
  struct change_outcome {
    std::string label;
    bool done = false;
    change_result result;
  };

  /// Asks `at`'s membership manager to carry out `req` (one attempt, no
  /// retry); returns the slot of its outcome.
  size_t change(const node_id& at, change_request req, caf::timespan timeout,
                std::string label);
  const std::vector<change_outcome>& changes() const { return changes_; }

  // -- checks ----------------------------------------------------------------

  checker& check() { return checker_; }
  const checker& check() const { return checker_; }
  /// With batteries: the battery model's checker; null otherwise.
  battery_checker* battery_check() { return batteries_.get(); }
  /// Runs the end-of-run checks over the live nodes.
  void end_check();
  uint64_t steps() const { return steps_; }

  /// Prints `line` with the virtual time when the log level is info or more.
  void trace(const std::string& line) const;

 private:
  /// Spawns client_, which submits calls and fills their outcomes
  /// (cluster_clients.cpp).
  void start_client();
  size_t submit(const node_id& at, std::string label, caf::message args,
                caf::timespan timeout);

  struct sim_node {
    node_config cfg;
    /// The node's disk (disk mode); null in memory mode.
    std::shared_ptr<memory_disk> disk;
    /// Starts so far: the incarnation of the current one.
    uint64_t starts = 0;
    std::shared_ptr<checked_storage> store;
    std::unique_ptr<sim_register> object;
    /// With batteries: this incarnation's.
    std::unique_ptr<sim_batteries> batteries;
    /// The gate of calls to its objects but the register (bind_calls).
    std::shared_ptr<call_gate> gate;
    /// This incarnation's cluster_options::extra_objects.
    object_list extras;
    /// How far its leader clock runs ahead of virtual time (skew_clock).
    caf::timespan skew{0};
    /// The rate of its clock (clock_rate).
    double rate = 1.0;
    node_endpoints endpoints;
    bool up = false;
    /// The node stopped on its own (a storage failure), with its last
    /// error line.
    bool failed = false;
    std::string last_error;
  };

  void start(sim_node& n);
  // The steps of start(): the durable state that recovery finds, the
  // objects the node replicates, its log, calls to its objects, and
  // noticing that it stopped on its own.
  void recover(sim_node& n, node_wiring& w);
  void add_objects(sim_node& n, node_wiring& w);
  logger node_log(sim_node& n);
  void bind_calls(sim_node& n, const node_wiring& w);
  void watch_end(sim_node& n);
  /// Memory mode: how many voters may be without their state at once
  /// (tolerated_losses: min(Q1 - 1, n - Q1, n - Q2) for counting systems),
  /// and how many are now.
  size_t max_losses() const;
  size_t losses() const;
  void step_job();
  /// The node owning `job` (empty if none) and the job's actor name.
  std::pair<node_id, const char*> owner_of(caf::resumable* job) const;
  sim_node& node(const node_id& id);
  const sim_node& node(const node_id& id) const;

  cluster_options opts_;
  std::mt19937_64 rng_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  caf::actor_clock::time_point start_;
  std::shared_ptr<sim_network> net_policy_;
  caf::actor net_;
  caf::actor client_;
  std::vector<node_id> ids_;
  std::map<node_id, sim_node> nodes_;
  quorum_system quorum_;
  caf::actor admin_;
  std::vector<change_outcome> changes_;
  checker checker_;
  std::unique_ptr<battery_checker> batteries_;
  /// What the nodes' observer hooks reach: checker_, then batteries_.
  std::unique_ptr<node_observer> observers_;
  std::vector<call_outcome> outcomes_;
  uint64_t steps_ = 0;
  /// The cluster this one replaced as the thread's running cluster.
  cluster* outer_ = nullptr;
  /// Crashes due at a step count.
  struct due_crash {
    uint64_t at;
    node_id id;
    bool when_dirty;
  };
  std::vector<due_crash> due_crashes_;
};

} // namespace flexsync::sim
