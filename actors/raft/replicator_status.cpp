// What the replicator reports: its part of node::status() and of
// node::metrics().

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"

namespace flexsync::detail {

/// The leader's view of its followers for node::status(): ids, learner
/// flags, whether each replied within leader_fallback_timeout, match and next
/// indexes, and whether those replies make a replication quorum. Empty
/// vectors and false on a node that does not lead.
replicator_status progress_report(replicator_ptr self) {
  auto& st = self->state;
  replicator_status out;
  out.leading = st.leading;
  auto now = self->clock().now().time_since_epoch();
  auto window = st.w->config.leader_fallback_timeout;
  for (auto& [id, fo] : st.followers)
    out.followers.push_back(follower_report{id, fo.learner,
                                            now - fo.last_reply <= window,
                                            fo.prog.match_index(),
                                            fo.prog.next_index(),
                                            fo.code_version});
  out.has_quorum = st.leading
                   && replying_quorum(st.quorum, st.w->config.self,
                                      st.followers, now, window);
  return out;
}

replicator_metrics metrics_of(replicator_ptr self) {
  auto& st = self->state;
  auto m = st.metrics;
  m.leading = st.leading;
  m.snapshot_sends_active = 0;
  for (auto& [id, fo] : st.followers)
    if (fo.installing)
      ++m.snapshot_sends_active;
  return m;
}

} // namespace flexsync::detail
