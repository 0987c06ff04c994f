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
#include <deque>
#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/spawn.hpp"
#include "protocol/appends.hpp"
#include "protocol/check_quorum.hpp"
#include "protocol/commands.hpp"
#include "protocol/commit_rule.hpp"
#include "protocol/progress.hpp"

namespace flexsync {

namespace {

/// Most bytes of recent entries the leader keeps in memory for followers;
/// older entries are read back from the log store.
constexpr size_t cache_cap_bytes = 64 << 20;

/// Commands submitted together, answered together.
struct proposal_batch {
  std::vector<command> commands;
  /// Lowest request id the submitting client still waits for.
  uint64_t watermark = 0;
  /// The state machine's request; invalid for commands forwarded by peers.
  caf::response_promise rp;
};

struct follower {
  progress prog;
  /// A log store read for this follower is in flight.
  bool reading = false;
  /// The last commit index sent to it.
  index_t commit_sent;
  caf::actor_clock::time_point last_reply;
};

/// Per-client deduplication of forwarded commands within one leadership.
struct dedupe_window {
  /// Request ids below it are resolved at the client; drop them.
  uint64_t floor = 0;
  std::set<uint64_t> seen;
};

struct replicator_state {
  wiring_ptr w;
  // What the election actor last announced.
  raft_role role = raft_role::follower;
  term_t term;
  node_id leader;
  // Leader side, valid while `leading`.
  bool leading = false;
  term_t lead_term;
  index_t first_index_of_term;
  index_t last_index;
  index_t durable_index;
  index_t commit;
  bool commit_dirty = false;
  std::map<node_id, follower> followers;
  std::deque<log_entry> cache;
  index_t cache_base; // index of the entry before cache.front()
  term_t cache_base_term;
  size_t cache_bytes = 0;
  uint64_t heartbeat_timer = 0;
  std::map<uint64_t, dedupe_window> dedupe;
  /// Terms this incarnation has led, and the term it started in: a forward
  /// bound to a term this node provably never led can be refused as
  /// not_leader; one bound to a term it may have led is dropped silently
  /// (an earlier copy may have been appended).
  std::set<term_t> led_terms;
  term_t start_term{UINT64_MAX};
  // Command side.
  std::vector<proposal_batch> buffered; // leader: waiting for the next flush
  bool flush_scheduled = false;
  std::vector<proposal_batch> waiting; // no leader known
  size_t waiting_count = 0;

  static inline const char* name = "flexsync.replicator";
};

using replicator_ptr = caf::stateful_actor<replicator_state>*;

void send_entries(replicator_ptr self, const node_id& f);

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
  auto min_match = st.durable_index;
  for (auto& [id, f] : st.followers)
    min_match = std::min(min_match, f.prog.match_index());
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
  fo.commit_sent = std::min(st.commit, last);
  send_peer(self, *st.w, f,
            append_entries{st.lead_term, st.w->config.self, prev, prev_term,
                           std::move(entries), fo.commit_sent});
  fo.prog.on_sent(last);
}

void send_heartbeat(replicator_ptr self, const node_id& f, follower& fo) {
  auto& st = self->state;
  // Only what this follower verified counts as committed on it.
  fo.commit_sent = std::min(st.commit, fo.prog.match_index());
  send_peer(self, *st.w, f,
            heartbeat{st.lead_term, st.w->config.self, fo.commit_sent});
}

/// Reads entries [from, ...] for `f` from the log store, then sends them.
void start_read(replicator_ptr self, const node_id& f, follower& fo,
                index_t from) {
  auto& st = self->state;
  fo.reading = true;
  auto to = std::min(st.durable_index,
                     from + (st.w->config.max_batch_entries - 1));
  auto term = st.lead_term;
  self
    ->request(st.w->self.log_store, caf::infinite, read_atom::value, from, to,
              uint64_t{st.w->config.max_batch_bytes})
    .then(
      [=](index_t prev, term_t prev_term, entry_list& entries) {
        auto& st = self->state;
        if (!st.leading || st.lead_term != term)
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
        // Compacted below `from`: snapshot install is the next issue's job.
        auto& st = self->state;
        st.w->log.warning("cannot read entries from " + to_string(from)
                          + " for " + f.name);
        if (auto i = st.followers.find(f); i != st.followers.end())
          i->second.reading = false;
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
  while (fo.prog.can_send() && !fo.reading) {
    auto next = fo.prog.next_index();
    auto prev_term = term_of(st, next - 1);
    if (!prev_term) {
      start_read(self, f, fo, next);
      return;
    }
    if (next > st.durable_index) {
      // Nothing new: a probe still goes out to locate the follower's log.
      if (fo.prog.mode() == progress::state::probe)
        send_append(self, f, fo, next - 1, *prev_term, {});
      return;
    }
    entry_list batch;
    size_t bytes = 0;
    for (auto i = next; i <= st.durable_index; ++i) {
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
  std::map<node_id, index_t> match{{st.w->config.self, st.durable_index}};
  for (auto& [id, fo] : st.followers)
    match.emplace(id, fo.prog.match_index());
  auto c = advance_commit(st.w->quorum, match, st.first_index_of_term,
                          st.commit);
  if (c > st.commit) {
    st.commit = c;
    self->send(st.w->self.log_store, commit_atom::value, st.lead_term, c);
    st.commit_dirty = true;
    schedule_flush(self);
  }
  trim_cache(st);
}

// -- leader: lifecycle --------------------------------------------------------

void stop_leading(replicator_ptr self, fail_reason why) {
  auto& st = self->state;
  if (!st.leading)
    return;
  st.leading = false;
  st.followers.clear();
  st.cache.clear();
  st.cache_bytes = 0;
  st.dedupe.clear();
  ++st.heartbeat_timer;
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
                   term_t prev_term, index_t commit) {
  auto& st = self->state;
  stop_leading(self, fail_reason::leader_changed);
  st.leading = true;
  st.lead_term = term;
  st.led_terms.insert(term);
  st.first_index_of_term = noop_index;
  st.last_index = noop_index;
  st.durable_index = noop_index;
  st.commit = commit;
  st.commit_dirty = false;
  st.cache_base = noop_index - 1;
  st.cache_base_term = prev_term;
  log_entry noop;
  noop.index = noop_index;
  noop.term = term;
  st.cache.push_back(std::move(noop));
  auto now = self->clock().now();
  for (auto& v : st.w->quorum.voters())
    if (v != st.w->config.self)
      st.followers.emplace(v, follower{progress{noop_index - 1,
                                                st.w->config.max_inflight},
                                       false, index_t{0}, now});
  ++st.heartbeat_timer;
  arm_heartbeat(self);
  for (auto& [id, fo] : st.followers)
    send_entries(self, id);
  on_match_change(self); // a single voter commits its no-op at once
  // Commands held while no leader was known go into this term.
  for (auto& b : st.waiting)
    st.buffered.push_back(std::move(b));
  st.waiting.clear();
  st.waiting_count = 0;
  schedule_flush(self);
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
  for (auto& [id, fo] : st.followers) {
    fo.prog.on_heartbeat();
    send_heartbeat(self, id, fo);
    send_entries(self, id);
  }
  if (cfg.check_quorum) {
    std::map<node_id, sim_time> replies;
    for (auto& [id, fo] : st.followers)
      replies.emplace(id, fo.last_reply.time_since_epoch());
    auto now = self->clock().now().time_since_epoch();
    if (!has_active_quorum(st.w->quorum, cfg.self, replies, now,
                           cfg.leader_fallback_timeout)) {
      st.w->log.info("stepping down: no replication quorum heard within "
                     "leader_fallback_timeout");
      step_down(self, st.lead_term, fail_reason::quorum_lost);
      return;
    }
  }
  arm_heartbeat(self);
}

// -- leader: replies ----------------------------------------------------------

/// Common checks of a follower reply; returns the follower to update or null.
follower* accept_reply(replicator_ptr self, term_t term, const node_id& from) {
  auto& st = self->state;
  if (term > st.term && term > st.lead_term) {
    step_down(self, term, fail_reason::leader_changed);
    return nullptr;
  }
  if (!st.leading || term != st.lead_term)
    return nullptr;
  auto i = st.followers.find(from);
  if (i == st.followers.end())
    return nullptr;
  i->second.last_reply = self->clock().now();
  return &i->second;
}

void on_append_reply(replicator_ptr self, const append_reply& r) {
  auto fo = accept_reply(self, r.term, r.follower);
  if (!fo)
    return;
  if (r.success) {
    if (fo->prog.on_success(r.index))
      on_match_change(self);
    send_entries(self, r.follower);
  } else if (fo->prog.on_reject(r.index, r.hint)) {
    send_entries(self, r.follower);
  }
}

// -- commands -------------------------------------------------------------------

void forward(replicator_ptr self, std::vector<command> commands,
             uint64_t watermark) {
  auto& st = self->state;
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
  // The sender bound these commands to fc.term: append only when leading
  // exactly that term.
  if (!st.leading || fc.term != st.lead_term) {
    if (fc.term > st.start_term && st.led_terms.count(fc.term) == 0)
      reject(fail_reason::not_leader, fc.commands);
    return;
  }
  std::vector<command> fresh;
  for (auto& c : fc.commands) {
    auto& d = st.dedupe[c.client_id];
    if (fc.watermark > d.floor) {
      d.floor = fc.watermark;
      d.seen.erase(d.seen.begin(), d.seen.lower_bound(d.floor));
    }
    // A duplicated or late forward must not append a command twice.
    if (c.request_id >= d.floor && d.seen.insert(c.request_id).second)
      fresh.push_back(std::move(c));
  }
  if (count_commands(st.buffered) + fresh.size()
      > st.w->config.commands_queue_size) {
    for (auto& c : fresh)
      st.dedupe[c.client_id].seen.erase(c.request_id);
    reject(fail_reason::queue_full, fresh);
    return;
  }
  if (!fresh.empty()) {
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
      e.index = ++st.last_index;
      e.term = st.lead_term;
      e.kind = entry_kind::command;
      e.client_id = c.client_id;
      e.request_id = c.request_id;
      e.data = std::move(c.data);
      st.cache_bytes += e.data.size();
      st.cache.push_back(e);
      entries.push_back(std::move(e));
    }
    if (b.rp.pending())
      rps.push_back(std::move(b.rp));
  }
  st.buffered.clear();
  auto term = st.lead_term;
  self
    ->request(st.w->self.log_store, caf::infinite, append_atom::value, term,
              std::move(entries))
    .then(
      [=](index_t last) mutable {
        for (auto& rp : rps)
          rp.deliver(term, true);
        auto& st = self->state;
        if (!st.leading || st.lead_term != term)
          return;
        st.durable_index = std::max(st.durable_index, last);
        on_match_change(self);
        for (auto& [id, fo] : st.followers)
          send_entries(self, id);
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
  if (!st.buffered.empty())
    append_buffered(self);
  if (st.commit_dirty) {
    // Tell followers about the new commit index now instead of at the next
    // heartbeat, so commands submitted on followers apply promptly.
    st.commit_dirty = false;
    for (auto& [id, fo] : st.followers)
      if (std::min(st.commit, fo.prog.match_index()) > fo.commit_sent)
        send_heartbeat(self, id, fo);
  }
}

void on_role(replicator_ptr self, raft_role role, term_t term,
             const node_id& leader, fail_reason why) {
  auto& st = self->state;
  st.role = role;
  st.term = term;
  st.leader = leader;
  if (st.leading && (role != raft_role::leader || term != st.lead_term))
    stop_leading(self, why);
  if (!leader.empty() && leader != st.w->config.self) {
    for (auto& b : st.waiting) {
      forward(self, std::move(b.commands), b.watermark);
      b.rp.deliver(term, false);
    }
    st.waiting.clear();
    st.waiting_count = 0;
  }
}

caf::behavior running(replicator_ptr self) {
  return {
    [=](role_atom, raft_role role, term_t term, const node_id& leader,
        fail_reason why) { on_role(self, role, term, leader, why); },
    [=](lead_atom, term_t term, index_t noop_index, term_t prev_term,
        index_t commit) {
      start_leading(self, term, noop_index, prev_term, commit);
    },
    [=](propose_atom, uint64_t watermark, std::vector<command>& commands) {
      on_propose(self, watermark, commands);
    },
    [=](forward_command& fc) { on_forward_command(self, fc); },
    [=](const append_reply& r) { on_append_reply(self, r); },
    [=](const heartbeat_reply& r) {
      if (accept_reply(self, r.term, r.follower)
          && r.last_log_index < self->state.durable_index)
        send_entries(self, r.follower);
    },
    [=](heartbeat_atom, uint64_t id) { on_heartbeat_timer(self, id); },
    [=](flush_atom) { on_flush(self); },
  };
}

} // namespace

caf::actor spawn_replicator(caf::actor_system& sys) {
  return sys.spawn([](replicator_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        self->state.w = w;
        self->become(running(self));
        self->request(w->self.log_store, caf::infinite, log_state_atom::value)
          .then([=](term_t current, index_t, term_t) {
            // Before this reply no forward is refused: start_term is still
            // the highest possible value.
            self->state.start_term = current;
          });
      },
    };
  });
}

} // namespace flexsync
