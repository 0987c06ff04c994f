#pragma once

// The public handle of one node: spawns its actors, registers the replicated
// objects, and offers readiness, status and a clean stop. Calls go through
// the objects themselves (state_machine::call).
//
//   flexsync::system_config cfg;
//   caf::actor_system sys{cfg};
//   auto net = flexsync::spawn_local_network(sys);
//   my_counter c;
//   flexsync::node n{sys, {"a", {"b", "c"}}, net, {&c}};
//   n.wait_ready(5s);

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/logger.hpp"
#include "actors/observer.hpp"
#include "actors/replicated_object.hpp"
#include "actors/wiring.hpp"
#include "protocol/config.hpp"
#include "protocol/storage.hpp"

namespace flexsync {

struct node_options {
  /// Replaces the storage chosen by node_config::persistence (tests).
  std::shared_ptr<storage> store;
  /// Decision hooks (tests, instrumentation); must outlive the node.
  node_observer* observer = nullptr;
  /// Log lines at or above this level go to `log_sink` (stderr by default).
  log_level level = log_level::warning;
  logger::sink_fn log_sink;
};

/// A snapshot of a node's state, gathered from its actors.
struct node_status {
  node_id self;
  raft_role role = raft_role::follower;
  term_t term;
  /// Empty when no leader is known.
  node_id leader;
  index_t commit_index;
  index_t last_applied;
  index_t last_log_index;
  /// Last index covered by the latest snapshot (0 without one).
  index_t snapshot_index;
  uint64_t log_entries = 0;
  uint64_t log_bytes = 0;
  bool ready = false;
  uint64_t pending_calls = 0;
  std::vector<node_id> voters;
  std::string quorum;
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

  const node_id& id() const { return wiring_->config.self; }

  const node_endpoints& endpoints() const { return wiring_->self; }

  /// Blocks until this node has caught up with a leader (applied an entry of
  /// the leader's term) or `timeout` passes. Returns whether it is ready.
  bool wait_ready(caf::timespan timeout);

  /// Gathers the node's status from its actors.
  node_status status(caf::timespan timeout = std::chrono::seconds(2)) const;

  /// Takes a snapshot now (if anything was applied since the last one) and
  /// compacts the log once it is durable; returns at once.
  void force_compaction();

  /// Starts an election now, skipping pre-vote and leader stickiness (the
  /// building block of leadership transfer).
  void campaign_now();

  /// Stops the node: pending calls fail with `stopped`; returns once every
  /// actor of the node has ended. Idempotent.
  void stop();

private:
  caf::actor_system& sys_;
  std::shared_ptr<node_wiring> wiring_;
  std::shared_ptr<call_gate> gate_;
  bool stopped_ = false;
};

} // namespace flexsync
