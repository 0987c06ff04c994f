// The replicator. Leader side: per-follower progress (probe, then pipelined
// appends batched by count and bytes), heartbeats, the commit index computed
// from the replication quorum, check-quorum. Command side, on every node:
// client commands are appended when this node leads, forwarded to the known
// leader otherwise, or held (bounded) while no leader is known.
//
// Invariants: entries are sent to followers only after the log store has
// appended them; match indexes never decrease; the commit index never
// decreases and only counts entries of the current term (commit_rule).

#include <algorithm>

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/raft/replicator_state.hpp"
#include "actors/node/spawn.hpp"
#include "protocol/appends.hpp"
#include "protocol/assert.hpp"
#include "protocol/leader_tracker.hpp"
#include "protocol/readonly_rules.hpp"

namespace flexsync::detail {

// -- helpers ------------------------------------------------------------------

size_t count_commands(const std::vector<proposal_batch>& xs) {
  size_t n = 0;
  for (auto& x : xs)
    n += x.commands.size();
  return n;
}

void schedule_flush(replicator_ptr self) {
  auto& st = self->state;
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

void fail_batches(std::vector<proposal_batch>& xs, fail_reason why) {
  for (auto& b : xs)
    if (b.rp.pending())
      b.rp.deliver(to_error(why));
  xs.clear();
}

std::optional<term_t> term_of(const replicator_state& st, index_t i) {
  if (i == st.cache_base)
    return st.cache_base_term;
  if (i > st.cache_base && i - st.cache_base <= st.cache.size())
    return st.cache[i - st.cache_base - 1].term;
  return std::nullopt;
}

void trim_cache(replicator_state& st) {
  auto min_match = lowest_match(st.durable_index, st.followers);
  while (!st.cache.empty()
         && (st.cache.front().index <= min_match
             || st.cache_bytes > cache_cap_bytes)) {
    st.cache_base = st.cache.front().index;
    st.cache_base_term = st.cache.front().term;
    st.cache_bytes -= st.cache.front().data.size();
    st.cache.pop_front();
  }
}

void step_down(replicator_ptr self, term_t term, fail_reason why);

// -- leader: sending ------------------------------------------------------------

void send_append(replicator_ptr self, const node_id& f, follower& fo,
                 index_t prev, term_t prev_term, entry_list entries) {
  auto& st = self->state;
  auto last = entries.empty() ? prev : entries.back().index;
  fo.commit_sent = commit_to_send(st.commit, last);
  send_peer(self, *st.w, f,
            append_entries{st.lead_term, st.w->config.self, prev, prev_term,
                           std::move(entries), fo.commit_sent});
  fo.prog.on_sent(last);
}

term_t cached_term(const replicator_state& st, index_t i) {
  if (i == st.cache_base)
    return st.cache_base_term;
  if (i <= st.cache_base || i.value - st.cache_base.value > st.cache.size())
    return term_t{0};
  return st.cache[i.value - st.cache_base.value - 1].term;
}

void send_heartbeat(replicator_ptr self, const node_id& f, follower& fo) {
  auto& st = self->state;
  // What this follower verified, and the commit index with its term once
  // the follower was sent the entries up to it (protocol/leader_tracker.hpp).
  auto news = news_for(fo, st.commit, cached_term(st, st.commit));
  fo.commit_sent = news.told();
  send_peer(self, *st.w, f,
            heartbeat{st.lead_term, st.w->config.self, news.verified,
                      st.reads.current_round(), news.hint, news.hint_term,
                      fo.incarnation, st.commit});
}

/// Reads entries [from, ...] for `f` from the log store, then sends them.
void start_read(replicator_ptr self, const node_id& f, follower& fo,
                index_t from) {
  auto& st = self->state;
  fo.reading = true;
  auto to = std::min(st.written_index,
                     from + (st.w->config.max_batch_entries - 1));
  auto term = st.lead_term;
  self
    ->request(st.w->self.log_store, caf::infinite, read_atom::value, from, to,
              uint64_t{st.w->config.max_batch_bytes})
    .then(
      [=](index_t prev, term_t prev_term, entry_list& entries) {
        auto& st = self->state;
        if (!still_leading(st.leading, st.lead_term, term))
          return;
        auto i = st.followers.find(f);
        if (i == st.followers.end())
          return;
        auto& fo = i->second;
        fo.reading = false;
        if (fo.prog.next_index() == from && fo.prog.can_send())
          send_append(self, f, fo, prev, prev_term, std::move(entries));
        send_entries(self, f);
      },
      [=](caf::error&) {
        // Compacted below `from`: the follower needs the snapshot.
        auto& st = self->state;
        if (!still_leading(st.leading, st.lead_term, term))
          return;
        if (auto i = st.followers.find(f); i != st.followers.end()) {
          i->second.reading = false;
          begin_install(self, f, i->second);
        }
      });
}

/// Sends `f` whatever its progress allows: pipelined batches from the cache,
/// a read from the log store for older entries, or an empty probe.
void send_entries(replicator_ptr self, const node_id& f) {
  auto& st = self->state;
  auto& cfg = st.w->config;
  auto i = st.followers.find(f);
  if (i == st.followers.end())
    return;
  auto& fo = i->second;
  while (fo.prog.can_send() && !fo.reading && !fo.installing) {
    auto next = fo.prog.next_index();
    auto prev_term = term_of(st, next - 1);
    if (!prev_term) {
      start_read(self, f, fo, next);
      return;
    }
    if (next > st.written_index) {
      // Nothing new: a probe still goes out to locate the follower's log.
      if (fo.prog.mode() == progress::state::probe)
        send_append(self, f, fo, next - 1, *prev_term, {});
      return;
    }
    entry_list batch;
    size_t bytes = 0;
    for (auto i = next; i <= st.written_index; ++i) {
      auto& e = st.cache[i - st.cache_base - 1];
      batch.push_back(e);
      bytes += e.byte_size();
      if (batch.size() >= cfg.max_batch_entries || bytes >= cfg.max_batch_bytes)
        break;
    }
    send_append(self, f, fo, next - 1, *prev_term, std::move(batch));
  }
}

void on_match_change(replicator_ptr self) {
  auto& st = self->state;
  // Followers recovering a lost state hold entries but do not count.
  auto c = leader_commit(st.quorum, st.w->config.self, st.durable_index,
                         st.followers, st.first_index_of_term, st.commit);
  if (c > st.commit) {
    st.commit = c;
    st.commit_clock.on_commit(c, metrics_now(), st.metrics.commit_seconds);
    self->send(st.w->self.log_store, commit_atom::value, st.lead_term, c);
    answer_version_waiters(self);
    st.commit_dirty = true;
    schedule_flush(self);
    reads_on_commit(self);
  }
  trim_cache(st);
  // Membership: a change in flight, a joint configuration to leave, a
  // leader that is no voter, or followers that left may have a next step
  // now. Taken in a message of its own: callers hold follower references
  // that stepping down or pruning would invalidate.
  if (st.change_target || st.config.joint() || st.prune_followers
      || !st.config.is_voter(st.w->config.self))
    self->send(self, change_atom::value);
}

void on_written(replicator_ptr self, entry_list entries, index_t first,
                index_t last, bool durable) {
  auto& st = self->state;
  FLEXSYNC_ASSERT(last.value + 1 - first.value == entries.size(),
                  "the log store wrote " + to_string(first) + ".."
                    + to_string(last) + " for "
                    + std::to_string(entries.size()) + " entries");
  // Appends of one term are answered in order, each after the last.
  FLEXSYNC_ASSERT(first == st.written_index + 1,
                  "leader append written at " + to_string(first)
                    + " after " + to_string(st.written_index));
  auto i = first;
  for (auto& e : entries) {
    e.index = i;
    i = i + 1;
    st.cache_bytes += e.data.size();
    st.cache.push_back(std::move(e));
  }
  st.written_index = last;
  if (durable && last > st.durable_index) {
    st.durable_index = last;
    on_match_change(self);
  }
  for (auto& [id, fo] : st.followers)
    send_entries(self, id);
}

// -- leader: lifecycle --------------------------------------------------------

void stop_leading(replicator_ptr self, fail_reason why) {
  auto& st = self->state;
  if (!st.leading)
    return;
  st.leading = false;
  st.commit_clock.clear();
  st.followers.clear();
  st.cache.clear();
  st.cache_bytes = 0;
  st.dedupe.clear();
  ++st.heartbeat_timer;
  abandon_change(self);
  abandon_version_waiters(self);
  end_transfer_on_step_down(self);
  fail_reads_on_step_down(self);
  // Buffered commands were never appended: the failure is definitive.
  fail_batches(st.buffered, why == fail_reason::success
                              ? fail_reason::leader_changed
                              : why);
}

void arm_heartbeat(replicator_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, st.w->config.heartbeat_interval,
                     heartbeat_atom::value, st.heartbeat_timer);
}

void start_leading(replicator_ptr self, term_t term, index_t noop_index,
                   term_t prev_term, index_t commit, int64_t noop_time) {
  auto& st = self->state;
  stop_leading(self, fail_reason::leader_changed);
  st.leading = true;
  st.led_since = self->clock().now();
  st.workload.reset();
  st.workload_window_end =
    st.led_since + st.w->config.placement.workload_window;
  st.lead_term = term;
  st.led_terms.insert(term);
  st.first_index_of_term = noop_index;
  st.durable_index = noop_index;
  st.written_index = noop_index;
  st.last_time = noop_time;
  st.commit = commit;
  st.commit_dirty = false;
  st.cache_base = noop_index - 1;
  st.cache_base_term = prev_term;
  log_entry noop;
  noop.index = noop_index;
  noop.term = term;
  noop.time = noop_time;
  st.cache.push_back(std::move(noop));
  auto now = self->clock().now().time_since_epoch();
  // Every member of the configuration; learners (read-only nodes) get the
  // same stream with their own progress, and the commit rule and
  // check-quorum ignore them because they are no voters.
  for (auto& m : st.config.members())
    if (m != st.w->config.self) {
      follower fo{progress{noop_index - 1, st.w->config.max_inflight}};
      fo.last_reply = now;
      fo.learner = !st.quorum.is_voter(m);
      st.followers.emplace(m, std::move(fo));
    }
  ++st.heartbeat_timer;
  arm_heartbeat(self);
  reads_on_lead(self);
  for (auto& [id, fo] : st.followers)
    send_entries(self, id);
  on_match_change(self); // a single voter commits its no-op at once
  // Commands held while no leader was known go into this term.
  for (auto& b : st.waiting)
    st.buffered.push_back(std::move(b));
  st.waiting.clear();
  st.waiting_count = 0;
  schedule_flush(self);
  reads_on_role(self);
}

void step_down(replicator_ptr self, term_t term, fail_reason why) {
  auto& st = self->state;
  stop_leading(self, why);
  self->send(st.w->self.election, step_down_atom::value, term, why);
}

void on_heartbeat_timer(replicator_ptr self, uint64_t id) {
  auto& st = self->state;
  if (!st.leading || id != st.heartbeat_timer)
    return;
  auto& cfg = st.w->config;
  reads_on_heartbeat(self);
  auto stall = stall_heartbeats(cfg.election_timeout_min,
                                cfg.heartbeat_interval);
  for (auto& [id, fo] : st.followers) {
    fo.prog.on_heartbeat(stall);
    send_heartbeat(self, id, fo);
    check_install(self, fo);
    send_entries(self, id);
  }
  if (cfg.check_quorum) {
    auto now = self->clock().now().time_since_epoch();
    if (!replying_quorum(st.quorum, cfg.self, st.followers, now,
                         cfg.leader_fallback_timeout)) {
      st.w->log.info("stepping down: no replication quorum heard within "
                     "leader_fallback_timeout");
      step_down(self, st.lead_term, fail_reason::quorum_lost);
      return;
    }
  }
  // A learner's progress is not only its match index: it may have become
  // able to count (recovered its state) without acknowledging anything new.
  if (st.change_target)
    drive_change(self);
  advance_transfer(self);
  maybe_hand_over(self);
  poll_readonly_links(self);
  arm_heartbeat(self);
}

// -- leader: replies ----------------------------------------------------------

follower* take_reply(replicator_ptr self, term_t term, const node_id& from,
                     incarnation_t incarnation, std::optional<bool> counts) {
  auto& st = self->state;
  // §5.1, for members only: a read-only node outside the configuration
  // never changes a voter's term (protocol/readonly_rules.hpp).
  if (outsider_reply_deposes(is_outsider(st, from), term, st.term,
                             st.lead_term)) {
    step_down(self, term, fail_reason::leader_changed);
    return nullptr;
  }
  if (!still_leading(st.leading, st.lead_term, term))
    return nullptr;
  auto i = st.followers.find(from);
  if (i == st.followers.end())
    return nullptr;
  auto& fo = i->second;
  switch (accept_reply(fo, incarnation, counts,
                       self->clock().now().time_since_epoch(),
                       st.written_index, st.w->config.max_inflight)) {
    case reply_effect::stale:
      return nullptr; // from a previous life of the follower
    case reply_effect::restarted:
      st.w->log.info(from.name + " restarted: its replication starts over");
      break;
    default:
      break;
  }
  return &fo;
}

void on_append_reply(replicator_ptr self, const append_reply& r) {
  auto fo = take_reply(self, r.term, r.follower, r.incarnation, r.counts);
  if (!fo)
    return;
  fo->code_version = r.code_version;
  if (r.success) {
    if (fo->prog.on_success(r.index)) {
      on_match_change(self);
      // A follower that acks after the commit index moved past what it was
      // told still needs the news (it may wait to answer a caller).
      auto& st = self->state;
      if (needs_commit_news(*fo, st.commit, cached_term(st, st.commit))) {
        st.commit_dirty = true;
        schedule_flush(self);
      }
      advance_transfer(self);
    }
    send_entries(self, r.follower);
  } else if (fo->prog.on_reject(r.index, r.hint)) {
    send_entries(self, r.follower);
  }
}

} // namespace flexsync::detail

namespace flexsync {

namespace {

using namespace detail;

caf::behavior running(replicator_ptr self) {
  return {
    [=](role_atom, raft_role role, term_t term, const node_id& leader,
        fail_reason why) { on_role(self, role, term, leader, why); },
    [=](lead_atom, term_t term, index_t noop_index, term_t prev_term,
        index_t commit, int64_t noop_time) {
      start_leading(self, term, noop_index, prev_term, commit, noop_time);
    },
    [=](propose_atom, uint64_t watermark, std::vector<command>& commands) {
      on_propose(self, watermark, commands);
    },
    [=](forward_command& fc) { on_forward_command(self, fc); },
    [=](const append_reply& r) { on_append_reply(self, r); },
    [=](const heartbeat_reply& r) {
      auto fo = take_reply(self, r.term, r.follower, r.incarnation, r.counts);
      if (!fo)
        return;
      fo->code_version = r.code_version;
      on_read_ack(self, r.follower, r.read_round);
      if (r.last_log_index < self->state.written_index)
        send_entries(self, r.follower);
    },
    [=](read_index_atom, caf::timespan timeout, uint8_t mode) {
      auto rp = self->make_response_promise();
      on_read_index(self, rp, timeout, static_cast<read_mode>(mode));
      return rp;
    },
    [=](const read_index_request& r) { on_read_index_request(self, r); },
    [=](const read_index_reply& r) { on_read_index_reply(self, r); },
    [=](read_round_atom, term_t term) { on_read_round(self, term); },
    [=](heartbeat_atom, uint64_t id) { on_heartbeat_timer(self, id); },
    [=](const install_reply& r) { on_install_reply(self, r); },
    [=](config_atom, const configuration& c, index_t index) {
      on_config(self, c, index);
    },
    [=](change_atom, uint64_t timer) { on_change_deadline(self, timer); },
    [=](transfer_atom, uint64_t timer) { on_transfer_deadline(self, timer); },
    [=](change_atom) {
      auto& st = self->state;
      if (st.leading && st.prune_followers && st.commit >= st.config_index)
        sync_followers(self);
      drive_change(self);
    },
    [=](change_atom, const change_request& req) {
      auto rp = self->make_response_promise();
      on_change_request(self, req, rp);
      return rp;
    },
    [=](durable_atom, term_t term, index_t last) {
      auto& st = self->state;
      if (!still_leading(st.leading, st.lead_term, term)
          || last <= st.durable_index)
        return;
      st.durable_index = last;
      on_match_change(self);
    },
    [=](flush_atom) { on_flush(self); },
    [=](status_atom) { return progress_report(self); },
    [=](metrics_atom) { return metrics_of(self); },
  };
}

} // namespace

caf::actor spawn_replicator(caf::actor_system& sys) {
  return sys.spawn([](replicator_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        join_node(self, w);
        st.config = w->configs.latest();
        st.config_index = w->configs.latest_index();
        st.quorum = st.config.quorum();
        self->become(running(self));
        self->request(w->self.log_store, caf::infinite, log_state_atom::value)
          .then([=](const log_position& pos) {
            // Before this reply no forward is refused: start_term is still
            // the highest possible value.
            self->state.start_term = pos.current_term;
          });
      },
    };
  });
}

} // namespace flexsync
