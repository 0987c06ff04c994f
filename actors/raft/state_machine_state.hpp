#pragma once

// State of the state machine actor, shared by its two source files:
// state_machine_actor.cpp (calls and applying) and state_machine_reads.cpp
// (read barriers). Private to actors/.

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/node/actor_status.hpp"
#include "actors/node/wiring.hpp"
#include "actors/objects/replicated_object.hpp"
#include "actors/objects/versioned_objects.hpp"
#include "protocol/call_tracker.hpp"
#include "protocol/deadline_queues.hpp"
#include "protocol/commands.hpp"
#include "protocol/metrics.hpp"

namespace flexsync::detail {

using time_point = caf::actor_clock::time_point;

/// Barrier ids carry this bit, so that they share the deadlines with call
/// ids.
constexpr uint64_t barrier_id_bit = uint64_t{1} << 63;

inline bool is_barrier_id(uint64_t id) {
  return (id & barrier_id_bit) != 0;
}

/// A pending call: what the resolution proof needs (tracked_call) and how
/// to answer it.
struct pending_call : tracked_call {
  pending_call() = default;
  pending_call(caf::response_promise rp, completion_ptr done)
    : rp(std::move(rp)), done(std::move(done)) {
    // nop
  }

  time_point deadline;
  caf::response_promise rp; // request mode
  completion_ptr done;      // callback mode
  /// The command as submitted (object and arguments): this replica applies
  /// its own commands from it instead of decoding the entry it became
  /// (the same bytes, made from it by this incarnation).
  uint32_t object = 0;
  caf::message args;
};

/// A read barrier (state_machine::barrier()): answered once this replica
/// applied the read index the replicator confirmed.
struct barrier_wait {
  caf::response_promise rp; // request mode
  completion_ptr done;      // callback mode
  time_point deadline;
};

struct sm_state {
  wiring_ptr w;
  /// The objects' behaviours under the enabled code version.
  versioned_objects objects;
  uint64_t client_id = 0;
  uint64_t next_request = 1;
  /// Pending calls, and what proves them never applied
  /// (protocol/call_tracker.hpp).
  call_tracker<pending_call> calls;
  /// Deadlines of calls and of read barriers (ids with barrier_id_bit).
  deadline_queues<time_point, caf::timespan> deadlines;
  uint64_t sweep_timer = 0;
  std::optional<time_point> sweep_at;
  /// The calls taken from the gate, being submitted (kept for its
  /// capacity).
  std::vector<queued_call> taken_calls;
  std::vector<command> outbox;
  /// Where a command is serialized before it is copied into its entry:
  /// kept, so that it stops allocating once it reached its size.
  std::vector<char> encode_buf;
  bool flush_scheduled = false;
  index_t last_applied;
  term_t last_applied_term;
  int64_t last_applied_time = 0;
  /// The configuration at last_applied, as its entry encodes it (snapshots
  /// carry it).
  std::string applied_config;
  raft_role role = raft_role::follower;
  term_t term;
  node_id leader;
  /// The role last reported to node_config::on_state_changed.
  raft_role reported_role = raft_role::follower;
  bool ready = false;
  std::vector<caf::response_promise> ready_waiters;
  // Read barriers (state_machine_reads.cpp).
  /// Every barrier not answered yet, by id.
  std::map<uint64_t, barrier_wait> barriers;
  /// Barriers not asked of the replicator yet, per read_mode: one request
  /// serves each batch.
  std::array<std::vector<uint64_t>, 2> barrier_batch;
  bool barrier_flush_scheduled = false;
  /// Barriers that know their read index, by index.
  std::multimap<index_t, uint64_t> barriers_at;
  uint64_t next_barrier = 1;
  /// Calls by outcome, applies (protocol/metrics.hpp).
  state_machine_metrics metrics;

  static inline const char* name = "flexsync.state_machine";
};

using sm_ptr = caf::stateful_actor<sm_state>*;

/// Whether call or read barrier `id` still waits for its answer.
inline bool is_pending(const sm_state& st, uint64_t id) {
  return is_barrier_id(id) ? st.barriers.count(id) > 0 : st.calls.contains(id);
}

/// A call or barrier was answered: lets the deadlines drop answered ones.
inline void forget_deadline(sm_state& st) {
  st.deadlines.on_answered(st.calls.size() + st.barriers.size(),
                           [&](uint64_t id) { return is_pending(st, id); });
}

/// Arms the sweep timer for the earliest deadline (state_machine_actor.cpp).
/// Runs the user's callback `f` (node_config's `what`) in the node's
/// context, so that it never overlaps an apply and a blocking call from it
/// throws would_block; an exception is logged and swallowed.
template <class F>
void run_user_callback(const node_wiring& w, const char* what, F&& f) {
  detail::node_context_guard context;
  try {
    f();
  } catch (const std::exception& e) {
    w.log.warning(std::string{"exception in "} + what + ": " + e.what());
  }
}

void arm_sweep(sm_ptr self);

/// Answers a readiness query: true once ready, else when update_ready
/// makes it so (state_machine_status.cpp).
caf::result<bool> on_ready_query(sm_ptr self);

/// What status() reports of the state machine.
state_machine_status status_of(sm_ptr self);

/// What metrics() reports of the state machine.
state_machine_metrics metrics_of(sm_ptr self);

/// Marks the node ready (and answers who waits for it) once it applied an
/// entry of its leader's term (state_machine_actor.cpp).
void update_ready(sm_ptr self);

/// Replaces every object's state with a snapshot's and skips ahead to it;
/// `at_start`: the restart's own snapshot (state_machine_snapshots.cpp).
caf::error restore(sm_ptr self, const loaded_snapshot& snap, bool at_start);

/// Installs a snapshot the log store received: true, or the error (logged)
/// (state_machine_snapshots.cpp).
caf::result<bool>
install_snapshot(sm_ptr self,
                 const std::shared_ptr<const loaded_snapshot>& snap);

/// Takes a snapshot of the objects' states after `above` (the latest one);
/// answers (pid, index, term, time, payload, configuration, code version)
/// (state_machine_snapshots.cpp).
caf::message take_snapshot(sm_ptr self, bool use_fork, index_t above);

// -- read barriers (state_machine_reads.cpp) -----------------------------------

/// The arguments of a call that is a read barrier: (read_barrier_atom,
/// read_mode as uint8_t).
bool is_read_barrier(const caf::message& args);
/// Takes a barrier; the batch is asked of the replicator at the next flush.
void start_barrier(sm_ptr self, const caf::message& args,
                   caf::timespan timeout, barrier_wait w);
/// Asks the replicator for one read index per batch.
void flush_barriers(sm_ptr self);
/// Answers barrier `id` (success when `err` is empty); nothing if it was
/// answered already.
void finish_barrier(sm_ptr self, uint64_t id, caf::error err);
/// Answers the barriers whose read index this replica applied.
void release_barriers(sm_ptr self);

} // namespace flexsync::detail
