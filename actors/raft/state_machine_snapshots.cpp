// The state machine's side of a snapshot: the objects' states, written by
// a forked child or handed to the snapshotter (snapshotter.cpp), and
// restored from one at a restart or an install.

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

/// Replaces every object's state with a snapshot's and skips ahead to it,
/// taking the snapshot's code version (refused, changing nothing, when this
/// node does not support it). `at_start`: the restart's own snapshot.
caf::error detail::restore(sm_ptr self, const loaded_snapshot& snap,
                           bool at_start) {
  auto& st = self->state;
  if (snap.meta.last_index <= st.last_applied)
    return caf::none; // already past it
  if (auto why = st.objects.adopt(snap.meta.code_version, st.w->log,
                                  !at_start))
    return caf::make_error(caf::sec::runtime_error, *why);
  if (auto err = load_objects(st.w->machines, snap.payload))
    return err;
  st.last_applied = snap.meta.last_index;
  st.last_applied_term = snap.meta.last_term;
  st.last_applied_time = snap.meta.last_time;
  st.applied_config = snap.meta.configuration.empty()
                        ? encode_configuration(
                          bootstrap_configuration(st.w->config))
                        : snap.meta.configuration;
  if (st.w->observer)
    st.w->observer->on_restore(st.w->config.self, st.last_applied);
  st.calls.on_snapshot_restored();
  release_barriers(self);
  update_ready(self);
  return caf::none;
}

caf::result<bool>
detail::install_snapshot(sm_ptr self,
                         const std::shared_ptr<const loaded_snapshot>& snap) {
  if (auto err = restore(self, *snap, false)) {
    self->state.w->log.error("cannot install snapshot "
                             + to_string(snap->meta.last_index) + ": "
                             + self->system().render(err));
    return err;
  }
  return true;
}

} // namespace flexsync
