// The replicator's command side, on every node: client commands are
// appended when this node leads, forwarded to the known leader otherwise, or
// held (bounded) while no leader is known. A leader drops duplicated forwards
// and refuses, as not_leader, only forwards bound to a term it provably never
// led.

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"

namespace flexsync::detail {

// -- commands -------------------------------------------------------------------

void forward(replicator_ptr self, std::vector<command> commands,
             uint64_t watermark) {
  auto& st = self->state;
  st.metrics.proposals_forwarded.add(commands.size());
  send_peer(self, *st.w, st.leader,
            forward_command{st.term, st.w->config.self, watermark,
                            std::move(commands)});
}

void on_propose(replicator_ptr self, uint64_t watermark,
                std::vector<command>& commands) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto& cfg = st.w->config;
  auto n = commands.size();
  if (st.leading) {
    if (count_commands(st.buffered) + n > cfg.commands_queue_size) {
      rp.deliver(to_error(fail_reason::queue_full));
      return;
    }
    count_workload(self, cfg.self, n);
    st.buffered.push_back({std::move(commands), watermark, rp});
    schedule_flush(self);
  } else if (!st.leader.empty() && st.leader != cfg.self) {
    forward(self, std::move(commands), watermark);
    rp.deliver(st.term, false);
  } else if (!cfg.commands_wait_leader) {
    rp.deliver(to_error(fail_reason::no_leader));
  } else if (st.waiting_count + n > cfg.commands_queue_size) {
    rp.deliver(to_error(fail_reason::queue_full));
  } else {
    st.waiting_count += n;
    st.waiting.push_back({std::move(commands), watermark, rp});
  }
}

void on_forward_command(replicator_ptr self, forward_command& fc) {
  auto& st = self->state;
  auto reject = [&](fail_reason why, const std::vector<command>& xs) {
    if (xs.empty())
      return;
    forward_reply reply{st.term, why, st.leader, xs.front().client_id, {}};
    for (auto& c : xs)
      reply.request_ids.push_back(c.request_id);
    send_peer(self, *st.w, fc.origin, std::move(reply));
  };
  // protocol/forward_rules.hpp: append only when leading exactly the term
  // the sender bound the commands to; keep only commands not appended yet.
  switch (admit_forward(st.leading, st.lead_term, fc.term, st.start_term,
                        st.led_terms)) {
    case forward_admission::refuse:
      reject(fail_reason::not_leader, fc.commands);
      return;
    case forward_admission::drop:
      return;
    default:
      break;
  }
  auto fresh = st.dedupe.take_fresh(fc.watermark, fc.commands);
  if (count_commands(st.buffered) + fresh.size()
      > st.w->config.commands_queue_size) {
    st.dedupe.forget(fresh);
    reject(fail_reason::queue_full, fresh);
    return;
  }
  if (!fresh.empty()) {
    count_workload(self, fc.origin, fresh.size());
    st.buffered.push_back({std::move(fresh), 0, caf::response_promise{}});
    schedule_flush(self);
  }
}

void append_buffered(replicator_ptr self) {
  auto& st = self->state;
  entry_list entries;
  std::vector<caf::response_promise> rps;
  for (auto& b : st.buffered) {
    for (auto& c : b.commands) {
      log_entry e;
      e.term = st.lead_term;
      e.kind = entry_kind::command;
      e.client_id = c.client_id;
      e.request_id = c.request_id;
      e.time = st.last_time = entry_time(*st.w, st.last_time);
      e.data = std::move(c.data);
      entries.push_back(std::move(e));
    }
    if (b.rp.pending())
      rps.push_back(std::move(b.rp));
  }
  st.buffered.clear();
  auto term = st.lead_term;
  auto taken = metrics_now();
  st.metrics.proposals_appended.add(entries.size());
  // The log store numbers the entries; the answer says which they got.
  auto mine = std::make_shared<entry_list>(entries);
  self
    ->request(st.w->self.log_store, caf::infinite, append_atom::value, term,
              std::move(entries))
    .then(
      [=](index_t first, index_t last, bool durable) mutable {
        for (auto& rp : rps)
          rp.deliver(term, true);
        auto& st = self->state;
        if (still_leading(st.leading, st.lead_term, term)) {
          if (first <= last)
            st.commit_clock.push(last, taken, last.value + 1 - first.value);
          on_written(self, std::move(*mine), first, last, durable);
        }
      },
      [=](caf::error&) mutable {
        for (auto& rp : rps)
          rp.deliver(to_error(fail_reason::leader_changed));
      });
}

void on_flush(replicator_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (!st.leading)
    return;
  // A leadership transfer holds new proposals (replicator_transfer.cpp).
  if (!st.buffered.empty() && !st.transfer)
    append_buffered(self);
  if (st.commit_dirty) {
    // Tell followers about the new commit index now instead of at the next
    // heartbeat, so commands submitted on followers apply promptly.
    st.commit_dirty = false;
    auto commit_term = cached_term(st, st.commit);
    for (auto& [id, fo] : st.followers)
      if (needs_commit_news(fo, st.commit, commit_term))
        send_heartbeat(self, id, fo);
  }
}

void on_role(replicator_ptr self, raft_role role, term_t term,
             const node_id& leader, fail_reason why) {
  auto& st = self->state;
  st.role = role;
  st.term = term;
  st.leader = leader;
  if (st.leading
      && !still_leading(role == raft_role::leader, st.lead_term, term))
    stop_leading(self, why);
  if (!leader.empty() && leader != st.w->config.self) {
    for (auto& b : st.waiting) {
      forward(self, std::move(b.commands), b.watermark);
      b.rp.deliver(term, false);
    }
    st.waiting.clear();
    st.waiting_count = 0;
  }
  reads_on_role(self);
}

// -- the leader's own entries -----------------------------------------------

void append_own_entry(replicator_ptr self, entry_kind kind, std::string data,
                      std::function<void(index_t)> written) {
  auto& st = self->state;
  log_entry e;
  e.term = st.lead_term;
  e.kind = kind;
  e.time = entry_time(*st.w, st.last_time);
  st.last_time = e.time;
  e.data = std::move(data);
  auto term = st.lead_term;
  auto mine = std::make_shared<entry_list>(entry_list{e});
  self
    ->request(st.w->self.log_store, caf::infinite, append_atom::value, term,
              entry_list{std::move(e)})
    .then(
      [=](index_t first, index_t last, bool durable) mutable {
        auto& st = self->state;
        if (!still_leading(st.leading, st.lead_term, term))
          return;
        on_written(self, std::move(*mine), first, last, durable);
        if (written && still_leading(st.leading, st.lead_term, term))
          written(last);
      },
      [](caf::error&) {
        // No longer leading that term: stop_leading answered the waiters.
      });
}

} // namespace flexsync::detail
