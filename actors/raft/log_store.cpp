// The log store: the single owner of current_term, voted_for, the log and the
// commit index (DESIGN.md). Every change is one message that carries the term
// its sender believes in, checked and applied atomically here, so no other
// actor's cached term can cause an unsafe change: a node that voted in term 5
// can never afterwards accept a term-4 append, because both pass through here.
//
// Group commit: a change is written at once, but everything that depends on
// it (vote replies, append acknowledgements, leadership) waits in
// `after_sync` until one storage sync() covers every change queued before it.
// The sync is a message to self, so all messages already in the mailbox join
// the batch. In memory mode a change is durable when made: what depends on
// it runs at once, without the message to self.
//
// Invariants: current_term never decreases; at most one vote per term; the log
// is never truncated at or below the commit index; the commit index never
// decreases; nothing that depends on a change leaves before it is durable.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/raft/log_store_state.hpp"
#include "actors/node/spawn.hpp"
#include "protocol/append_rules.hpp"
#include "protocol/assert.hpp"
#include "protocol/follower_rules.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/vote_rules.hpp"

namespace flexsync::detail {

void after_sync(log_store_ptr self, std::function<void()> f) {
  auto& st = self->state;
  // Memory: every change is durable once made; nothing waits for a sync.
  if (st.store->durable_at_once() && st.after_sync.empty()) {
    f();
    return;
  }
  st.after_sync.emplace_back(std::move(f));
  if (!st.sync_scheduled) {
    st.sync_scheduled = true;
    self->send(self, sync_atom::value, false);
  }
}

recovery::log_facts log_facts_of(log_store_ptr self) {
  auto& store = *self->state.store;
  auto& st = self->state;
  st.holds_data = st.holds_data || store.snapshot_index() > index_t{0};
  if (leads_current_term(st.leader_term, store.current_term()))
    st.leader_of_term = st.w->config.self;
  return {store.current_term(), store.last_index(), store.last_term(),
          store.commit_index(), st.holds_data, st.leader_of_term};
}

} // namespace flexsync::detail

namespace flexsync {

namespace {

using namespace detail;

/// Most bytes of committed entries pushed to the state machine per message.
constexpr size_t apply_chunk_bytes = 1 << 20;

[[noreturn]] void fail_stop(log_store_ptr self, const std::string& what) {
  self->state.w->log.error("safety invariant violated: " + what);
  throw std::logic_error(what);
}

void on_sync(log_store_ptr self, bool timer) {
  auto& st = self->state;
  if (timer)
    st.periodic_armed = false;
  else
    st.sync_scheduled = false;
  auto t0 = metrics_now();
  st.store->sync();
  st.metrics.fsync_seconds.observe_ns(metrics_now() - t0);
  auto effects = std::move(st.after_sync);
  st.after_sync.clear();
  for (auto& f : effects)
    f();
  // `periodic` fsyncs lazily: make sure a late sync covers the last writes.
  auto& p = st.w->config.persistence;
  if (p.fsync == fsync_policy::periodic && !st.periodic_armed) {
    st.periodic_armed = true;
    self->delayed_send(self, p.fsync_period, sync_atom::value, true);
  }
}

/// Appends to the storage, counted and timed for the metrics.
void append_entries_to_log(log_store_ptr self, entry_list entries) {
  auto& st = self->state;
  uint64_t bytes = 0;
  for (auto& e : entries)
    bytes += e.data.size();
  st.metrics.entries_appended.add(entries.size());
  st.metrics.bytes_appended.add(bytes);
  auto t0 = metrics_now();
  st.store->append(std::move(entries));
  st.metrics.append_seconds.observe_ns(metrics_now() - t0);
}

void adopt_term(log_store_ptr self, term_t term) {
  auto& st = self->state;
  if (!is_newer_term(term, st.store->current_term()))
    return;
  st.store->save_term_and_vote(term, std::nullopt);
  st.leader_term = term_t{0};
  st.leader_of_term = node_id{};
}

void push_committed(log_store_ptr self) {
  auto& st = self->state;
  auto commit = st.store->commit_index();
  st.pushed = std::max(st.pushed, st.store->snapshot_index());
  while (st.pushed < commit) {
    entry_list batch;
    st.store->entries(st.pushed + 1, commit, apply_chunk_bytes, batch);
    st.pushed = batch.back().index;
    self->send(st.w->self.state_machine, apply_atom::value, std::move(batch));
  }
}

/// Raises the commit index; `counted_in` is the leader's term when this node
/// counted replicas as leader, term 0 for a follower.
void raise_commit(log_store_ptr self, index_t index,
                  term_t counted_in = term_t{0}) {
  auto& st = self->state;
  auto old = st.store->commit_index();
  index = follower_commit(old, index, st.store->last_index());
  if (index == old)
    return;
  st.store->save_commit_index(index);
  if (st.w->observer)
    st.w->observer->on_commit(st.w->config.self, index, counted_in);
  push_committed(self);
  maybe_rejoin(self);
}

void on_request_vote(log_store_ptr self, const request_vote& req,
                     caf::response_promise rp) {
  auto& st = self->state;
  auto vs = voter_state_of(self, req);
  auto d = decide_vote(vs, req);
  if (d.unowned_term)
    st.w->log.warning("refuses a vote request of " + req.candidate.name
                      + " for term " + to_string(req.term)
                      + ": terms are owned and it does not own that term");
  if (d.persist) {
    if (is_newer_term(d.term, vs.current_term))
      st.leader_term = term_t{0};
    st.store->save_term_and_vote(d.term, d.voted_for);
  }
  if (d.granted)
    st.metrics.votes_granted.add();
  if (d.promise)
    make_promise(self, promise{req.candidate, req.incarnation, d.term});
  // A granted pre-vote echoes the requested term so the candidate can tally
  // it; every other reply carries our term, so a pre-candidate whose term
  // fell behind (and so can never win a pre-vote here) catches up.
  auto term = req.pre_vote && d.granted ? req.term : d.term;
  vote_reply reply{term, st.w->config.self, d.granted, req.pre_vote,
                   st.rec.incarnation(), st.rec.known()};
  after_sync(self, [self, rp, reply, candidate = req.candidate]() mutable {
    auto& w = *self->state.w;
    if (w.observer && reply.granted && !reply.pre_vote)
      w.observer->on_vote_sent(w.config.self, reply.term, candidate);
    rp.deliver(std::move(reply));
  });
}

void check_single_leader(log_store_ptr self, term_t term,
                         const node_id& leader) {
  if (two_leaders(term, self->state.leader_term))
    fail_stop(self, "two leaders in term " + to_string(term) + ": "
                      + self->state.w->config.self.name + " and "
                      + leader.name);
}

void on_append_entries(log_store_ptr self, append_entries& req) {
  auto& st = self->state;
  auto& w = *st.w;
  check_single_leader(self, req.term, req.leader);
  if (!from_term_owner(self, req.term, req.leader))
    return;
  if (!st.rec.accepts(req.leader, req.term))
    return; // promised to another candidate (recovery.hpp)
  auto d = decide_append(w.config.self, st.store->current_term(), *st.store,
                         st.store->commit_index(), req);
  if (d.term_changed)
    adopt_term(self, d.term);
  if (d.from_current_leader) {
    FLEXSYNC_ASSERT(d.truncate_from == index_t{0} || st.leader_term != d.term,
                    w.config.self.name + " would truncate its own log at "
                      + to_string(d.truncate_from) + " while leading term "
                      + to_string(d.term));
    bool reconfigured = false;
    if (d.truncate_from > index_t{0}) {
      st.store->truncate_suffix(d.truncate_from);
      st.metrics.truncations.add();
      reconfigured = st.configs.on_truncate(d.truncate_from);
    }
    if (d.first_new < req.entries.size()) {
      entry_list fresh(std::make_move_iterator(req.entries.begin() + d.first_new),
                       std::make_move_iterator(req.entries.end()));
      st.holds_data = st.holds_data
                      || std::any_of(fresh.begin(), fresh.end(),
                                     [](const log_entry& e) {
                                       return e.kind != entry_kind::noop;
                                     });
      reconfigured = st.configs.on_append(fresh) || reconfigured;
      append_entries_to_log(self, std::move(fresh));
    }
    if (reconfigured)
      announce_config(self);
    self->send(w.self.election, leader_seen_atom::value, d.term, req.leader);
    st.leader_of_term = req.leader;
    st.leader_commit_seen = std::max(st.leader_commit_seen, req.leader_commit);
    raise_commit(self, d.commit_index);
  }
  d.reply.last_log_index = st.store->last_index();
  d.reply.incarnation = st.rec.incarnation();
  d.reply.counts = st.rec.counts_for(req.leader, d.term);
  d.reply.code_version = w.config.max_code_version.value_or(0);
  after_sync(self, [self, to = req.leader, reply = std::move(d.reply)] {
    auto& w = *self->state.w;
    if (w.observer && reply.success)
      w.observer->on_ack_sent(w.config.self, reply.index);
    send_peer(self, w, to, reply);
  });
}

void on_heartbeat(log_store_ptr self, const heartbeat& hb) {
  auto& st = self->state;
  auto& w = *st.w;
  check_single_leader(self, hb.term, hb.leader);
  if (!from_term_owner(self, hb.term, hb.leader))
    return;
  if (!st.rec.accepts(hb.leader, hb.term))
    return; // promised to another candidate (recovery.hpp)
  if (decide_leader_contact(st.store->current_term(), hb.term)
        .from_current_leader) {
    adopt_term(self, hb.term);
    self->send(w.self.election, leader_seen_atom::value, hb.term, hb.leader);
    st.leader_of_term = hb.leader;
    // Verified entries (min(commit, our match index)), and the leader's
    // commit index itself when we hold its entry (protocol/follower_rules).
    auto& store = *st.store;
    auto commit = heartbeat_commit(store.commit_index(), hb.leader_commit,
                                   hb.commit_hint, hb.commit_hint_term,
                                   store.term_at(hb.commit_hint),
                                   store.last_index());
    st.leader_commit_seen = std::max({st.leader_commit_seen, hb.leader_commit,
                                      commit});
    st.rec.on_leader_commit(hb.term, hb.known_incarnation, hb.commit_index);
    raise_commit(self, commit);
    maybe_rejoin(self);
  }
  auto term = st.store->current_term();
  heartbeat_reply reply{term, w.config.self, st.store->last_index(),
                        st.rec.incarnation(),
                        st.rec.counts_for(hb.leader, term), hb.read_round,
                        w.config.max_code_version.value_or(0)};
  after_sync(self, [self, to = hb.leader, reply] {
    send_peer(self, *self->state.w, to, reply);
  });
}

void on_install_chunk(log_store_ptr self, install_snapshot& chunk) {
  auto& st = self->state;
  auto& w = *st.w;
  check_single_leader(self, chunk.term, chunk.leader);
  if (!from_term_owner(self, chunk.term, chunk.leader))
    return;
  if (!st.rec.accepts(chunk.leader, chunk.term))
    return; // promised to another candidate (recovery.hpp)
  if (!decide_leader_contact(st.store->current_term(), chunk.term)
         .from_current_leader) {
    send_peer(self, w, chunk.leader,
              install_reply{st.store->current_term(), w.config.self,
                            chunk.last_index, 0, false,
                            st.rec.incarnation()});
    return;
  }
  adopt_term(self, chunk.term);
  self->send(w.self.election, leader_seen_atom::value, chunk.term,
             chunk.leader);
  // The snapshotter writes the chunk and answers the leader.
  after_sync(self, [self, chunk = std::move(chunk)]() mutable {
    self->send(self->state.w->self.snapshotter, std::move(chunk));
  });
}

/// A snapshot (taken here, or received and verified) covers `index`.
void on_snapshot_durable(log_store_ptr self, index_t index, term_t term,
                         int64_t time, index_t keep_from,
                         const std::optional<configuration>& installed) {
  auto& st = self->state;
  if (index > st.store->snapshot_index()) {
    st.store->install_snapshot(index, term, time);
    if (!installed)
      st.configs.on_compact(index);
    else if (st.configs.on_install(index, *installed, st.store->last_index()))
      announce_config(self);
    if (st.w->observer)
      st.w->observer->on_commit(st.w->config.self, st.store->commit_index(),
                                term_t{0});
  }
  // Segments below the previous snapshot go; the previous snapshot and the
  // journal after it stay usable if the newest snapshot is ever corrupt.
  if (st.w->log_journal)
    st.w->log_journal->drop_segments_through(keep_from);
  push_committed(self);
  maybe_rejoin(self);
}

caf::result<index_t, term_t, index_t, int64_t>
on_lead(log_store_ptr self, term_t term) {
  auto& st = self->state;
  auto& self_id = st.w->config.self;
  if (!may_lead(term, st.store->current_term(), st.store->voted_for(),
                self_id))
    return to_error(fail_reason::leader_changed);
  on_lead_recovery(self, term);
  st.leader_term = term;
  auto prev_term = st.store->last_term();
  // §5.4.2 / §8: a new leader appends a no-op of its term; committing it
  // commits every earlier entry and tells the leader its commit index.
  log_entry noop;
  noop.index = st.store->last_index() + 1;
  noop.term = term;
  noop.kind = entry_kind::noop;
  noop.time = entry_time(*st.w, st.store->last_time());
  auto noop_index = noop.index;
  auto noop_time = noop.time;
  append_entries_to_log(self, entry_list{std::move(noop)});
  auto rp = self->make_response_promise();
  after_sync(self, [self, rp, noop_index, prev_term, noop_time]() mutable {
    rp.deliver(noop_index, prev_term, self->state.store->commit_index(),
               noop_time);
  });
  return caf::delegated<index_t, term_t, index_t, int64_t>{};
}

caf::result<index_t, index_t, bool>
on_leader_append(log_store_ptr self, term_t term, entry_list& entries) {
  auto& st = self->state;
  if (!own_leadership(term, st.leader_term, st.store->current_term()))
    return to_error(fail_reason::leader_changed);
  auto first = st.store->last_index() + 1;
  if (entries.empty())
    return {first, first - 1, true};
  // The log store numbers the leader's entries: it alone knows last_index.
  auto next = first;
  for (auto& e : entries) {
    FLEXSYNC_ASSERT(e.term == term, "leader append of a term-"
                                      + to_string(e.term) + " entry in term "
                                      + to_string(term));
    e.index = next;
    next = next + 1;
  }
  auto last = entries.back().index;
  st.holds_data = true; // client commands
  // A configuration is in effect once in the log (thesis §4.1).
  auto reconfigured = st.configs.on_append(entries);
  append_entries_to_log(self, std::move(entries));
  if (reconfigured)
    announce_config(self);
  if (st.store->durable_at_once())
    return {first, last, true};
  // The leader replicates what it has written while its own fsync runs
  // (Raft thesis §10.2.1): followers make the entries durable themselves
  // before they acknowledge, and the leader counts itself toward a commit
  // only once the durable message below arrives. Answering only after the
  // fsync would put the leader's fsync and the followers' in series.
  after_sync(self, [self, term, last] {
    self->send(self->state.w->self.replicator, durable_atom::value, term,
               last);
  });
  return {first, last, false};
}

caf::result<index_t, term_t, entry_list>
on_read(log_store_ptr self, index_t from, index_t to, uint64_t max_bytes) {
  auto& st = self->state;
  auto& store = *st.store;
  // Below the snapshot boundary the leader must send the snapshot instead.
  if (from <= store.snapshot_index() || from > store.last_index() + 1)
    return to_error(fail_reason::bad_command);
  entry_list out;
  to = std::min(to, store.last_index());
  if (from <= to)
    store.entries(from, to, max_bytes, out);
  return {from - 1, store.term_at(from - 1), std::move(out)};
}

caf::behavior running(log_store_ptr self) {
  return {
    [=](const request_vote& req) {
      auto rp = self->make_response_promise();
      on_request_vote(self, req, rp);
      return rp;
    },
    [=](append_entries& req) { on_append_entries(self, req); },
    [=](const heartbeat& hb) { on_heartbeat(self, hb); },
    [=](install_snapshot& chunk) { on_install_chunk(self, chunk); },
    [=](sync_atom, bool timer) { on_sync(self, timer); },
    [=](campaign_atom, vote_kind kind) { return on_campaign(self, kind); },
    [=](log_state_atom) {
      auto& st = self->state;
      auto& store = *st.store;
      return log_position{store.current_term(), store.last_index(),
                          store.last_term(),
                          campaign_allowed(self),
                          st.rec.incarnation()};
    },
    [=](const recovery_probe& p) { on_recovery_probe(self, p); },
    [=](const recovery_report& r) { on_recovery_report(self, r); },
    [=](probe_atom) { on_probe_tick(self); },
    [=](observe_atom, term_t term) {
      adopt_term(self, term);
      auto rp = self->make_response_promise();
      after_sync(self, [self, rp]() mutable {
        rp.deliver(self->state.store->current_term());
      });
      return rp;
    },
    [=](lead_atom, term_t term) { return on_lead(self, term); },
    [=](append_atom, term_t term, entry_list& entries) {
      return on_leader_append(self, term, entries);
    },
    [=](read_atom, index_t from, index_t to, uint64_t max_bytes) {
      return on_read(self, from, to, max_bytes);
    },
    [=](commit_atom, term_t term, index_t index) {
      auto& st = self->state;
      if (own_leadership(term, st.leader_term, st.store->current_term()))
        raise_commit(self, index, term);
    },
    [=](compact_atom, index_t index, term_t term, int64_t time,
        index_t keep_from) {
      on_snapshot_durable(self, index, term, time, keep_from, std::nullopt);
    },
    [=](install_atom, index_t index, term_t term, int64_t time,
        index_t keep_from, const std::string& config) {
      auto c = decode_configuration(config);
      if (!c) // written before snapshots carried it: the static one
        c = bootstrap_configuration(self->state.w->config);
      on_snapshot_durable(self, index, term, time, keep_from, c);
      auto rp = self->make_response_promise();
      after_sync(self, [rp]() mutable { rp.deliver(true); });
      return rp;
    },
    [=](status_atom) { return status_of(self); },
    [=](metrics_atom) { return metrics_of(self); },
  };
}

} // namespace

caf::actor spawn_log_store(caf::actor_system& sys) {
  return sys.spawn([](log_store_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        join_node(self, w);
        st.store = w->store.get();
        // A restarted disk node may hold anything; memory starts empty.
        st.holds_data = st.store->last_index() > index_t{0};
        st.configs = w->configs;
        st.quorum = st.configs.latest().quorum();
        st.was_voter = st.configs.latest().is_voter(w->config.self);
        if (w->observer)
          w->observer->on_config(w->config.self, st.configs.latest(),
                                 st.configs.latest_index());
        st.rec = recovery{w->config.self, w->incarnation, st.quorum, w->fresh,
                          w->log_journal != nullptr, w->promised,
                          w->config.join};
        // Replay: entries committed before a restart are applied without
        // waiting for peers (the state machine restored the snapshot).
        push_committed(self);
        self->become(running(self));
        start_recovery(self);
      },
    };
  });
}

} // namespace flexsync
