// The state machine actor's read barriers (state_machine::barrier()): a
// barrier asks the replicator for a read index (protocol/read_index.hpp)
// and completes once this replica applied it. Barriers taken together go
// as one request, so a burst of reads costs one read index.

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/raft/state_machine_state.hpp"
#include "protocol/read_index.hpp"

namespace flexsync::detail {

bool is_read_barrier(const caf::message& args) {
  return args.match_elements<read_barrier_atom, uint8_t>();
}

void start_barrier(sm_ptr self, const caf::message& args,
                   caf::timespan timeout, barrier_wait w) {
  auto& st = self->state;
  auto id = barrier_id_bit | st.next_barrier++;
  w.deadline = self->clock().now() + timeout;
  st.deadlines.add(timeout, w.deadline, id);
  st.barriers.emplace(id, std::move(w));
  arm_sweep(self);
  auto mode = args.get_as<uint8_t>(1) == 0 ? 0 : 1;
  st.barrier_batch[mode].push_back(id);
  if (!st.barrier_flush_scheduled) {
    st.barrier_flush_scheduled = true;
    self->send(self, barrier_atom::value);
  }
}

void flush_barriers(sm_ptr self) {
  auto& st = self->state;
  st.barrier_flush_scheduled = false;
  auto now = self->clock().now();
  for (uint8_t mode = 0; mode < 2; ++mode) {
    auto ids = std::move(st.barrier_batch[mode]);
    st.barrier_batch[mode].clear();
    // The batch waits as long as its most patient barrier.
    auto until = now;
    for (auto id : ids)
      if (auto i = st.barriers.find(id); i != st.barriers.end())
        until = std::max(until, i->second.deadline);
    if (until == now)
      continue; // every barrier of the batch is answered already
    auto timeout = until - now;
    self
      ->request(st.w->self.replicator, timeout, read_index_atom::value,
                timeout, mode)
      .then(
        [=](index_t index) {
          auto& st = self->state;
          for (auto id : ids) {
            if (st.barriers.count(id) == 0)
              continue;
            if (index <= st.last_applied)
              finish_barrier(self, id, caf::none);
            else
              st.barriers_at.emplace(index, id);
          }
        },
        [=](caf::error& err) {
          for (auto id : ids)
            finish_barrier(self, id, to_error(to_fail_reason(err)));
        });
  }
}

void finish_barrier(sm_ptr self, uint64_t id, caf::error err) {
  auto& st = self->state;
  auto i = st.barriers.find(id);
  if (i == st.barriers.end())
    return;
  auto w = std::move(i->second);
  st.barriers.erase(i);
  forget_deadline(st);
  if (w.rp.pending()) {
    if (err)
      w.rp.deliver(std::move(err));
    else
      w.rp.deliver(result_atom::value, caf::message{});
  } else if (w.done) {
    caf::message none;
    detail::node_context_guard guard;
    try {
      (*w.done)(none, err);
    } catch (std::exception& e) {
      st.w->log.warning(std::string{"exception in barrier completion: "}
                        + e.what());
    }
  }
}

void release_barriers(sm_ptr self) {
  auto& st = self->state;
  while (!st.barriers_at.empty()
         && st.barriers_at.begin()->first <= st.last_applied) {
    auto id = st.barriers_at.begin()->second;
    st.barriers_at.erase(st.barriers_at.begin());
    finish_barrier(self, id, caf::none);
  }
}

} // namespace flexsync::detail
