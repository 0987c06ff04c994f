#pragma once

// Hooks into a node's decisions, for tests, the simulator's checkers and
// instrumentation. CAF-free. Hooks run on the actor that made the decision:
// in threaded mode an observer shared by several nodes must be thread-safe.

#include "protocol/fail_reason.hpp"
#include "protocol/log_entry.hpp"
#include "protocol/recovery.hpp"
#include "protocol/membership.hpp"
#include "protocol/types.hpp"

namespace flexsync {

class node_observer {
public:
  virtual ~node_observer() = default;

  /// The election actor changed role, term or known leader.
  virtual void on_role_change(const node_id& self, raft_role role, term_t term,
                              const node_id& leader) {
    (void) self, (void) role, (void) term, (void) leader;
  }

  /// The log store moved the commit index to `index`. `counted_in` is the
  /// leader's term when this node, as leader, committed by counting replicas;
  /// term 0 when it learned the commit index from its leader.
  virtual void on_commit(const node_id& self, index_t index,
                         term_t counted_in) {
    (void) self, (void) index, (void) counted_in;
  }

  /// The state machine actor applied `entry` (every kind, in index order).
  virtual void on_apply(const node_id& self, const log_entry& entry) {
    (void) self, (void) entry;
  }

  /// The state machine actor restored a snapshot holding every entry up to
  /// `index` (at start, or installed from the leader); it applies from
  /// index + 1 on.
  virtual void on_restore(const node_id& self, index_t index) {
    (void) self, (void) index;
  }

  /// The log store granted its vote in `term` to `candidate`, now (the vote
  /// is durable).
  virtual void on_vote_sent(const node_id& self, term_t term,
                            const node_id& candidate) {
    (void) self, (void) term, (void) candidate;
  }

  /// The log store acknowledged its log up to `index` to a leader, now (the
  /// entries are durable).
  virtual void on_ack_sent(const node_id& self, index_t index) {
    (void) self, (void) index;
  }

  /// The configuration in effect changed to `config`, held by the entry at
  /// `index` (0: the static one or one from a snapshot); also at start.
  virtual void on_config(const node_id& self, const configuration& config,
                         index_t index) {
    (void) self, (void) config, (void) index;
  }

  /// The log store announced where the node stands with its state: at
  /// start, on a promise, and when it rejoins (protocol/recovery.hpp).
  virtual void on_member_state(const node_id& self, member_state state) {
    (void) self, (void) state;
  }

  /// A submitted call on this node completed with `reason`.
  virtual void on_call_done(const node_id& self, uint64_t client_id,
                            uint64_t request_id, fail_reason reason) {
    (void) self, (void) client_id, (void) request_id, (void) reason;
  }
};

} // namespace flexsync
