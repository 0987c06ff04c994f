// The state machine's side of a snapshot: the objects' states, written by
// a forked child or handed to the snapshotter (snapshotter.cpp).

#include <caf/all.hpp>

#include "actors/objects/state_snapshot.hpp"
#include "actors/raft/state_machine_state.hpp"
#include "protocol/membership.hpp"

namespace flexsync {

/// Answers (pid, index, term, time, payload): a child writing the snapshot
/// (pid > 0, empty payload), or the payload for the snapshotter to write;
/// nothing taken (pid 0, index last_applied) when nothing was applied
/// after `above`, the latest snapshot: a second writer of one index would
/// race the first for its file.
caf::message detail::take_snapshot(sm_ptr self, bool use_fork, index_t above) {
  auto& st = self->state;
  auto& w = *st.w;
  if (st.last_applied <= above)
    return caf::make_message(int32_t{0}, st.last_applied, st.last_applied_term,
                             st.last_applied_time, std::string{},
                             st.applied_config, st.objects.enabled());
  snapshot_meta meta;
  meta.last_index = st.last_applied;
  meta.last_term = st.last_applied_term;
  meta.last_time = st.last_applied_time;
  meta.configuration = st.applied_config;
  meta.code_version = st.objects.enabled();
  if (auto c = decode_configuration(st.applied_config))
    meta.voters = c->quorum().voters();
  auto taken = snapshot_objects(meta, use_fork, w.config.persistence.data_dir,
                                w.machines, w.log);
  return caf::make_message(taken.pid, meta.last_index, meta.last_term,
                           meta.last_time, std::move(taken.payload),
                           st.applied_config, meta.code_version);
}

} // namespace flexsync
