// The replicator's snapshot install (§7): a follower whose next entry the
// leader's log no longer holds is sent the latest snapshot, one chunk in
// flight at a time, continuing from the offset each reply reports (so a
// lost chunk or a new snapshot only restarts what is needed). Replication to
// the other followers goes on meanwhile.
//
// The stream is one coroutine per follower (actors/objects/coro.hpp): read a
// chunk from the snapshotter, send it, wait for the answer, repeat. It runs
// inside the replicator actor, suspended between messages.

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"

namespace flexsync::detail {

namespace {

/// Heartbeats without an answer after which a chunk is sent again.
constexpr int chunk_resend_heartbeats = 2;

/// The follower `f` if this node still leads in `term` and streams to it.
follower* streaming_to(replicator_ptr self, const node_id& f, term_t term) {
  auto& st = self->state;
  auto i = st.followers.find(f);
  if (!still_leading(st.leading, st.lead_term, term)
      || i == st.followers.end() || !i->second.installing)
    return nullptr;
  return &i->second;
}

/// Streams the latest snapshot to `f` until it is installed, this node stops
/// leading in `term`, or the snapshotter has none to give.
task<void> stream_snapshot(replicator_ptr self, node_id f, term_t term) {
  auto& w = *self->state.w;
  auto chunk_bytes = uint64_t{w.config.persistence.snapshot_chunk_bytes};
  index_t index{0};
  uint64_t offset = 0;
  for (;;) {
    auto chunk = co_await ask<index_t, term_t, uint64_t, std::string>(
      w.self.snapshotter, caf::infinite, chunk_atom::value, offset,
      chunk_bytes);
    auto fo = streaming_to(self, f, term);
    if (!fo)
      co_return;
    if (!chunk) {
      // Replication resumes with the next read, which will find the log
      // compacted again and start another install.
      w.log.warning("no snapshot to send to " + f.name + ": "
                    + self->system().render(chunk.error()));
      fo->installing = false;
      co_return;
    }
    auto& [chunk_index, last_term, total, data] = *chunk;
    if (chunk_index != index) {
      // A newer snapshot: stream that one, from its start.
      index = chunk_index;
      if (offset != 0) {
        offset = 0;
        continue;
      }
    }
    send_peer(self, w, f,
              install_snapshot{term, w.config.self, index, last_term, offset,
                               total, std::move(data)});
    fo->chunk_age = 0;
    // Wait for the answer that moves the stream on. An answer that does not
    // (a duplicate, a late answer to an earlier chunk, or a follower that
    // lost what it had) is acted on only when no better one came within
    // the resend timeout: acting on each would multiply the chunks in
    // flight with every duplicated message.
    std::optional<uint64_t> fallback;
    for (;;) {
      auto answer = co_await fo->install_answer;
      fo = streaming_to(self, f, term);
      if (!fo)
        co_return;
      if (!answer) {
        // Timeout: resend, from where the follower last said it is.
        offset = fallback.value_or(offset);
        break;
      }
      if (answer->installed && answer->last_index >= index) {
        fo->installing = false;
        fo->prog.on_snapshot_installed(answer->last_index);
        w.log.info(f.name + " installed snapshot "
                   + to_string(answer->last_index));
        send_entries(self, f);
        co_return;
      }
      if (answer->last_index == index && answer->received > offset) {
        offset = answer->received;
        break;
      }
      fallback = answer->last_index == index ? answer->received : 0;
    }
  }
}

} // namespace

void begin_install(replicator_ptr self, const node_id& f, follower& fo) {
  if (fo.installing)
    return;
  self->state.w->log.info("sending a snapshot to " + f.name);
  fo.installing = true;
  self->state.metrics.snapshot_sends_started.add();
  // Runs until its first co_await. From then on whatever it waits on owns
  // it: the snapshotter's pending reply, or the follower's install_answer
  // slot (erasing the follower destroys it).
  [[maybe_unused]] auto stream = stream_snapshot(self, f, self->state.lead_term);
}

void on_install_reply(replicator_ptr self, const install_reply& r) {
  auto fo = take_reply(self, r.term, r.follower, r.incarnation);
  if (!fo || !fo->installing)
    return;
  // Not waiting: a duplicate or late answer; the stream asks again anyway.
  fo->install_answer.deliver(r);
}

void check_install(replicator_ptr, follower& fo) {
  if (fo.install_answer.waiting() && ++fo.chunk_age >= chunk_resend_heartbeats)
    fo.install_answer.deliver(std::nullopt);
}

} // namespace flexsync::detail
