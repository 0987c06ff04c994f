#pragma once

/// @class flexsync::node
/// The public handle of one node: spawns its actors, registers the replicated
/// objects, and offers readiness, status and a clean stop. Calls go through
/// the objects themselves (state_machine::call).
///
/// @code
///   flexsync::system_config cfg;
///   caf::actor_system sys{cfg};
///   auto net = flexsync::spawn_local_network(sys);
///   my_counter c;
///   flexsync::node n{sys, {"a", {"b", "c"}}, net, {&c}};
///   n.wait_ready(5s);
/// @endcode

#include <chrono>
#include <memory>
#include <optional>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/node/logger.hpp"
#include "actors/node/manual_loop.hpp"
#include "actors/node/node_status.hpp"
#include "actors/node/observer.hpp"
#include "actors/objects/replicated_object.hpp"
#include "actors/node/wiring.hpp"
#include "protocol/config.hpp"
#include "protocol/membership.hpp"
#include "protocol/metrics.hpp"
#include "protocol/storage.hpp"

/// Fault-tolerant replicated state for C++ programs on CAF 0.17: Raft with
/// flexible quorums, following PySyncObj. Start with node, state_machine and
/// the batteries (repl_counter, repl_dict, ...).
namespace flexsync {

/// Optional parts of a node that are not configuration (node_config): storage
/// and observer overrides, logging, manual tick mode, a failure callback.
struct node_options {
  /// Replaces the storage chosen by node_config::persistence (tests).
  std::shared_ptr<storage> store;
  /// Decision hooks (tests, instrumentation); must outlive the node.
  node_observer* observer = nullptr;
  /// Log lines at or above this level go to `log_sink` (stderr by default).
  log_level level = log_level::warning;
  /// Receives each log line (level and text, no newline); empty: stderr.
  logger::sink_fn log_sink;
  /// Manual tick mode: the node runs only inside loop->tick(). The node must
  /// then be spawned on loop->system() and used from the loop's thread.
  manual_loop* loop = nullptr;
  /// Called on an actor's thread when the node stops itself because
  /// one of its actors failed (a broken invariant): `why` names the actor
  /// and the failure. A program that cannot serve without its node should
  /// exit then and be restarted from its durable state (flexsync-node
  /// exits with status 70).
  std::function<void(const std::string& why)> on_failure;
};

class node {
public:
  /// Starts a node. `objects` are replicated in this order; every node of a
  /// cluster must register the same types in the same order.
  /// @throws config_error when `cfg` is invalid.
  node(caf::actor_system& sys, node_config cfg, caf::actor transport,
       std::vector<replicated_object*> objects, node_options opts = {});

  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// This node's id (node_config::self).
  const node_id& id() const { return wiring_->config.self; }

  /// PySyncObj's name for id().
  const node_id& self_node() const { return id(); }

  /// The configuration the node runs with (validated, defaults filled in).
  const node_config& config() const { return wiring_->config; }

  /// The handles of this node's actors (election, log store, replicator,
  /// state machine, membership, snapshotter).
  const node_endpoints& endpoints() const { return wiring_->self; }

  /// True once this node has caught up with a leader (applied an entry of
  /// the leader's term); never false again. Lock-free, any thread.
  bool is_ready() const;

  /// Blocks until is_ready() or `timeout` passes; returns is_ready(). In
  /// manual mode it ticks the loop meanwhile (and returns false when time
  /// does not move).
  bool wait_ready(caf::timespan timeout);

  /// The role the election actor last announced. Lock-free, any thread; a
  /// hint: several nodes may believe they lead.
  raft_role role() const;

  /// Whether role() is leader; the same hint. Lock-free, any thread.
  bool is_leader() const { return role() == raft_role::leader; }

  /// Gathers the node's status from its actors. Threaded mode: asks them
  /// now (bounded by `timeout`). Manual mode: the status gathered at the end
  /// of the last tick, so it does not change between ticks.
  node_status status(caf::timespan timeout = std::chrono::seconds(2)) const;

  /// Gathers the node's metrics (counters, gauges, histograms; see
  /// protocol/metrics.hpp) from its actors and transport, all asked at
  /// once under one `timeout`; a part whose actor did not answer stays
  /// empty. Manual mode: the metrics gathered at the end of the last tick,
  /// like status(). to_prometheus(node.metrics(), node.id().name) renders
  /// them.
  node_metrics metrics(caf::timespan timeout = std::chrono::seconds(2)) const;

  /// The known leader (empty when none), from status().
  node_id leader() const { return status().leader; }

  /// has_quorum (see node_status::has_quorum), from status().
  bool has_quorum() const { return status().has_quorum; }

  /// The current term, from status() (threaded mode: blocks up to 2 s).
  term_t term() const { return status().term; }

  /// PySyncObj's name for term().
  term_t current_term() const { return term(); }

  /// The highest code version this node supports (node_config::
  /// max_code_version, filled in from the objects when unset).
  uint32_t code_version() const {
    return wiring_->config.max_code_version.value_or(0);
  }

  /// The code version enabled at last_applied, from status().
  uint32_t enabled_code_version() const {
    return status().enabled_code_version;
  }

  /// Logs every status key (to_key_values()) at info level, one line each.
  void print_status() const;

  /// The highest index known committed, from status() (threaded mode:
  /// blocks up to 2 s).
  index_t commit_index() const { return status().commit_index; }

  /// The highest index applied to the objects here, from status()
  /// (threaded mode: blocks up to 2 s).
  index_t last_applied() const { return status().last_applied; }

  /// Entries held in the log (PySyncObj's raft_log_size / log_len).
  uint64_t raft_log_size() const { return status().log_entries; }

  /// The voting partners (a copy of the configuration's list).
  std::vector<node_id> other_nodes() const { return wiring_->config.partners; }

  /// The read-only nodes other than self (a copy).
  std::vector<node_id> readonly_nodes() const {
    return wiring_->config.other_learners();
  }

  /// Whether `peer` is `connected` in status() (see link_state).
  bool is_node_connected(const node_id& peer) const;

  /// True until stop().
  bool running() const { return !stopped_; }

  /// True in manual tick mode (node_options::loop set).
  bool manual() const { return loop_ != nullptr; }

  /// Takes a snapshot now (if anything was applied since the last one) and
  /// compacts the log once it is durable; returns at once.
  void force_compaction();

  /// Starts an election now, skipping pre-vote and leader stickiness (the
  /// building block of leadership transfer). With node_config::lease_reads
  /// it is an ordinary campaign (pre-vote, and followers that hear a live
  /// leader ignore it), and a node that itself heard a live leader within
  /// election_timeout_min does not campaign at all (one info line), since
  /// that leader may hold a lease: use transfer_leadership() to move a live
  /// leader.
  void campaign_now();

  /// Operator recovery after more than a minority of the voters lost their
  /// state at once (status says so: `member` and `recovery` on the nodes
  /// that lost it). Run it on the most up-to-date surviving node: it
  /// campaigns in a new term, and the nodes without their state vote for it
  /// and follow it; intact voters decide with the ordinary rules. Entries
  /// that only the lost nodes held are gone: this is the explicit step that
  /// accepts it. Returns at once.
  void force_recover();

  // -- membership (joint consensus through the log) --------------------------

  /// Adds `x` as a voter. It joins as a learner, catches up (by snapshot
  /// install when needed) and is promoted through a joint configuration
  /// once its log is within `node_config::learner_promotion_lag` entries of
  /// the leader's. Returns once the final configuration is committed.
  /// Retry-safe: a change already in effect succeeds at once. Callable on
  /// any node (forwarded to the leader). A second change while one is in
  /// flight fails with `change_in_progress`; a refused change (removing the
  /// last voter, an unsafe quorum system, ...) fails with `request_denied`
  /// and a one-line `detail`; `timeout` means the outcome is unknown (ask
  /// again: the same request is safe to repeat).
  change_result add_node(const node_id& x,
                         caf::timespan timeout = std::chrono::seconds(30));

  /// Removes `x` (voter or learner). Removing the leader hands leadership
  /// to an up-to-date voter once the new configuration is committed.
  change_result remove_node(const node_id& x,
                            caf::timespan timeout = std::chrono::seconds(30));

  /// Adds `x` as a learner (read-only member): it receives the log, never
  /// votes and counts in no quorum.
  change_result add_learner(const node_id& x,
                            caf::timespan timeout = std::chrono::seconds(30));

  /// Makes `target` the configuration: any number of voters replaced at once
  /// (through C_old,new, then C_new), learners, and the quorum system.
  change_result change_membership(membership target,
                                  caf::timespan timeout
                                  = std::chrono::seconds(30));

  /// Hands leadership to `target`, or to the best voter when none is named
  /// (a live voter holding its state, with the longest log; ties go to the
  /// smallest name). The leader holds new proposals, brings the target's
  /// log up to its own, tells it to campaign at once (timeout-now) and
  /// steps down when it is elected; proposals held meanwhile go to the new
  /// leader. Returns once this node knows a leader other than the one that
  /// handed over (or the target itself). Callable on any node (forwarded
  /// to the leader); asking for the node that leads already succeeds at
  /// once. The leader gives up after node_config::transfer_timeout (or
  /// `timeout` if shorter) and resumes: `timeout`. A target that is not a
  /// voter, not live or recovering its state: `request_denied` with a line
  /// saying why; a membership change or another transfer under way:
  /// `change_in_progress`.
  change_result transfer_leadership(std::optional<node_id> target
                                    = std::nullopt,
                                    caf::timespan timeout
                                    = std::chrono::seconds(10));

  // -- code versions (zero-downtime deploys) ----------------------------------

  /// Enables code version `version` on the whole cluster (PySyncObj's
  /// set_version): the leader appends a version entry, and every replica
  /// switches to the version's behaviours when it applies that entry, so
  /// all switch at the same index. Returns once the entry is committed.
  /// Accepted only when every voter answered the leader recently saying it
  /// supports `version` (node_config::max_code_version); otherwise
  /// `request_denied` naming the voters that lack it or did not answer.
  /// Lower than the enabled version: `request_denied` (downgrades are not
  /// supported). Retry-safe: the enabled version itself succeeds at once.
  /// Callable on any node (forwarded to the leader); `change_in_progress`
  /// during a leadership transfer; `timeout`: the outcome is unknown (ask
  /// again).
  change_result set_code_version(uint32_t version,
                                 caf::timespan timeout
                                 = std::chrono::seconds(30));

  /// The configuration this node holds (the latest in its log).
  membership configuration(caf::timespan timeout
                           = std::chrono::seconds(2)) const;

  /// Stops the node: every pending call fails with `stopped`, so do
  /// wait_ready() waiters; returns once every actor of the node has ended,
  /// and no callback runs afterwards. Idempotent; the destructor calls it.
  void stop();

  /// PySyncObj's name for stop().
  void destroy() { stop(); }

private:
  change_result request_change(change_request req, caf::timespan timeout);
  /// Waits until this node knows a leader other than `old` (and, when not
  /// empty, `target`), until `deadline`.
  change_result await_new_leader(const node_id& old, const node_id& target,
                                 std::chrono::steady_clock::time_point deadline);
  node_status gather(caf::timespan timeout) const;
  node_metrics gather_metrics(caf::timespan timeout) const;
  uint64_t uptime_seconds() const;

  caf::actor_system& sys_;
  manual_loop* loop_ = nullptr;
  manual_loop::hook_id refresh_hook_ = 0;
  node_status cached_;
  node_metrics cached_metrics_;
  std::chrono::steady_clock::time_point started_;
  caf::timespan loop_started_{0};
  std::shared_ptr<node_wiring> wiring_;
  std::shared_ptr<call_gate> gate_;
  std::shared_ptr<node_flags> flags_;
  bool stopped_ = false;
};

} // namespace flexsync
