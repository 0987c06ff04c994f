// The replicator's snapshot install (§7): a follower whose next entry the
// leader's log no longer holds is sent the latest snapshot, one chunk in
// flight at a time, continuing from the offset each reply reports (so a
// lost chunk or a new snapshot only restarts what is needed). Replication to
// the other followers goes on meanwhile.

#include <caf/all.hpp>

#include "actors/replicator_state.hpp"

namespace flexsync::detail {

void begin_install(replicator_ptr self, const node_id& f, follower& fo) {
  if (fo.installing)
    return;
  self->state.w->log.info("sending a snapshot to " + f.name);
  fo.installing = true;
  fo.snapshot_index = index_t{0};
  fo.snapshot_offset = 0;
  fo.chunk_in_flight = false;
  send_chunk(self, f, fo);
}

void send_chunk(replicator_ptr self, const node_id& f, follower& fo) {
  if (fo.chunk_in_flight)
    return;
  fo.chunk_in_flight = true;
  fo.chunk_age = 0;
  auto& st = self->state;
  auto term = st.lead_term;
  auto offset = fo.snapshot_offset;
  self
    ->request(st.w->self.snapshotter, caf::infinite, chunk_atom::value, offset,
              uint64_t{st.w->config.persistence.snapshot_chunk_bytes})
    .then(
      [=](index_t index, term_t last_term, uint64_t total, std::string& data) {
        auto& st = self->state;
        auto i = st.followers.find(f);
        if (!st.leading || st.lead_term != term || i == st.followers.end()
            || !i->second.installing)
          return;
        auto& fo = i->second;
        if (index != fo.snapshot_index) {
          // A newer snapshot: stream that one, from its start.
          fo.snapshot_index = index;
          fo.snapshot_offset = 0;
          if (offset != 0) {
            fo.chunk_in_flight = false;
            send_chunk(self, f, fo);
            return;
          }
        }
        send_peer(self, *st.w, f,
                  install_snapshot{term, st.w->config.self, index, last_term,
                                   offset, total, std::move(data)});
      },
      [=](caf::error& err) {
        auto& st = self->state;
        st.w->log.warning("no snapshot to send to " + f.name + ": "
                          + self->system().render(err));
        if (auto i = st.followers.find(f); i != st.followers.end())
          i->second.chunk_in_flight = false;
      });
}

void on_install_reply(replicator_ptr self, const install_reply& r) {
  auto fo = accept_reply(self, r.term, r.follower);
  if (!fo || !fo->installing)
    return;
  fo->chunk_in_flight = false;
  if (r.installed && r.last_index >= fo->snapshot_index) {
    fo->installing = false;
    fo->prog.on_snapshot_installed(r.last_index);
    self->state.w->log.info(r.follower.name + " installed snapshot "
                            + to_string(r.last_index));
    send_entries(self, r.follower);
    return;
  }
  fo->snapshot_offset = r.last_index == fo->snapshot_index ? r.received : 0;
  send_chunk(self, r.follower, *fo);
}

void check_install(replicator_ptr self, const node_id& f, follower& fo) {
  if (!fo.installing)
    return;
  if (fo.chunk_in_flight && ++fo.chunk_age < 2)
    return;
  fo.chunk_in_flight = false;
  send_chunk(self, f, fo);
}

} // namespace flexsync::detail
