// The state machine actor's readiness and status: when the node is ready
// (caught up with its leader's no-op), and what status and metrics report.

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/raft/state_machine_state.hpp"
#include "protocol/follower_rules.hpp"

namespace flexsync::detail {

void update_ready(sm_ptr self) {
  auto& st = self->state;
  // Ready once this node applied an entry of its leader's term: it has caught
  // up at least to that leader's no-op.
  if (st.ready
      || !caught_up_with_leader(!st.leader.empty(), st.last_applied_term,
                                st.term))
    return;
  st.ready = true;
  auto& w = *st.w;
  if (w.flags)
    w.flags->ready.store(true);
  for (auto& rp : st.ready_waiters)
    rp.deliver(true);
  st.ready_waiters.clear();
  // PySyncObj's onReady: once, in the node's context.
  if (w.config.on_ready)
    run_user_callback(w, "on_ready", w.config.on_ready);
}

/// True once ready; until then the answer waits for update_ready.
caf::result<bool> on_ready_query(sm_ptr self) {
  auto& st = self->state;
  if (st.ready)
    return true;
  auto rp = self->make_response_promise();
  st.ready_waiters.push_back(rp);
  return caf::delegated<bool>{};
}

state_machine_status status_of(sm_ptr self) {
  auto& st = self->state;
  return state_machine_status{st.last_applied, st.ready,
                              uint64_t{st.calls.size()}, st.objects.enabled()};
}

state_machine_metrics metrics_of(sm_ptr self) {
  auto& st = self->state;
  auto m = st.metrics;
  m.last_applied = st.last_applied;
  m.ready = st.ready;
  m.pending_calls = st.calls.size();
  return m;
}

} // namespace flexsync::detail
