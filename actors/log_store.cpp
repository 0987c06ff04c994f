// The log store: the single owner of current_term, voted_for, the log and the
// commit index (DESIGN.md). Every change is one message that carries the term
// its sender believes in, checked and applied atomically here, so no other
// actor's cached term can cause an unsafe change: a node that voted in term 5
// can never afterwards accept a term-4 append, because both pass through here.
//
// Invariants: current_term never decreases; at most one vote per term; the log
// is never truncated at or below the commit index; the commit index never
// decreases; nothing that depends on a change is sent before the storage call
// making it durable has returned.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/spawn.hpp"
#include "protocol/append_rules.hpp"
#include "protocol/vote_rules.hpp"

namespace flexsync {

namespace {

/// Most bytes of committed entries pushed to the state machine per message.
constexpr size_t apply_chunk_bytes = 1 << 20;

struct log_store_state {
  wiring_ptr w;
  storage* store = nullptr;
  /// The term in which this node is leader, or 0.
  term_t leader_term;
  /// Last index handed to the state machine.
  index_t pushed;

  static inline const char* name = "flexsync.log_store";
};

using log_store_ptr = caf::stateful_actor<log_store_state>*;

[[noreturn]] void fail_stop(log_store_ptr self, const std::string& what) {
  self->state.w->log.error("safety invariant violated: " + what);
  throw std::logic_error(what);
}

void adopt_term(log_store_ptr self, term_t term) {
  auto& st = self->state;
  if (term <= st.store->current_term())
    return;
  st.store->save_term_and_vote(term, std::nullopt);
  st.leader_term = term_t{0};
}

void push_committed(log_store_ptr self) {
  auto& st = self->state;
  auto commit = st.store->commit_index();
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
  index = std::min(index, st.store->last_index());
  if (index <= st.store->commit_index())
    return;
  st.store->save_commit_index(index);
  if (st.w->observer)
    st.w->observer->on_commit(st.w->config.self, index, counted_in);
  push_committed(self);
}

vote_reply on_request_vote(log_store_ptr self, const request_vote& req) {
  auto& st = self->state;
  voter_state vs{st.store->current_term(), st.store->voted_for(),
                 st.store->last_index(), st.store->last_term(),
                 st.w->quorum.is_voter(st.w->config.self)};
  auto d = decide_vote(vs, req);
  if (d.persist) {
    if (d.term > vs.current_term)
      st.leader_term = term_t{0};
    st.store->save_term_and_vote(d.term, d.voted_for);
  }
  // A granted pre-vote echoes the requested term so the candidate can tally
  // it; every other reply carries our term, so a pre-candidate whose term
  // fell behind (and so can never win a pre-vote here) catches up.
  auto term = req.pre_vote && d.granted ? req.term : d.term;
  return vote_reply{term, st.w->config.self, d.granted, req.pre_vote};
}

void on_append_entries(log_store_ptr self, append_entries& req) {
  auto& st = self->state;
  auto& w = *st.w;
  if (req.term == st.leader_term)
    fail_stop(self, "two leaders in term " + to_string(req.term) + ": "
                      + w.config.self.name + " and " + req.leader.name);
  auto d = decide_append(w.config.self, st.store->current_term(), *st.store,
                         st.store->commit_index(), req);
  if (d.term_changed)
    adopt_term(self, d.term);
  if (d.from_current_leader) {
    if (d.truncate_from > index_t{0})
      st.store->truncate_suffix(d.truncate_from);
    if (d.first_new < req.entries.size()) {
      entry_list fresh(std::make_move_iterator(req.entries.begin() + d.first_new),
                       std::make_move_iterator(req.entries.end()));
      st.store->append(std::move(fresh));
    }
    self->send(w.self.election, leader_seen_atom::value, d.term, req.leader);
    raise_commit(self, d.commit_index);
  }
  d.reply.last_log_index = st.store->last_index();
  send_peer(self, w, req.leader, std::move(d.reply));
}

void on_heartbeat(log_store_ptr self, const heartbeat& hb) {
  auto& st = self->state;
  auto& w = *st.w;
  if (hb.term == st.leader_term)
    fail_stop(self, "two leaders in term " + to_string(hb.term) + ": "
                      + w.config.self.name + " and " + hb.leader.name);
  if (hb.term >= st.store->current_term()) {
    adopt_term(self, hb.term);
    self->send(w.self.election, leader_seen_atom::value, hb.term, hb.leader);
    // The leader sends min(commit, our match index): verified entries only.
    raise_commit(self, hb.leader_commit);
  }
  send_peer(self, w, hb.leader,
            heartbeat_reply{st.store->current_term(), w.config.self,
                            st.store->last_index()});
}

caf::result<index_t, term_t, index_t, int64_t> on_lead(log_store_ptr self,
                                                       term_t term) {
  auto& st = self->state;
  auto& self_id = st.w->config.self;
  if (st.store->current_term() != term || st.store->voted_for() != self_id)
    return to_error(fail_reason::leader_changed);
  st.leader_term = term;
  auto prev_term = st.store->last_term();
  // §5.4.2 / §8: a new leader appends a no-op of its term; committing it
  // commits every earlier entry and tells the leader its commit index.
  log_entry noop;
  noop.index = st.store->last_index() + 1;
  noop.term = term;
  noop.kind = entry_kind::noop;
  int64_t previous = 0;
  if (st.store->last_index() > st.store->snapshot_index()) {
    entry_list last;
    st.store->entries(st.store->last_index(), st.store->last_index(), 1, last);
    previous = last.front().time;
  }
  noop.time = entry_time(*st.w, previous);
  auto noop_index = noop.index;
  auto noop_time = noop.time;
  st.store->append(entry_list{std::move(noop)});
  return {noop_index, prev_term, st.store->commit_index(), noop_time};
}

caf::result<index_t> on_leader_append(log_store_ptr self, term_t term,
                                      entry_list& entries) {
  auto& st = self->state;
  if (term != st.leader_term || term != st.store->current_term())
    return to_error(fail_reason::leader_changed);
  if (entries.empty())
    return st.store->last_index();
  if (entries.front().index != st.store->last_index() + 1)
    fail_stop(self, "leader append at " + to_string(entries.front().index)
                      + " after " + to_string(st.store->last_index()));
  auto last = entries.back().index;
  st.store->append(std::move(entries));
  return last;
}

caf::result<index_t, term_t, entry_list>
on_read(log_store_ptr self, index_t from, index_t to, uint64_t max_bytes) {
  auto& st = self->state;
  auto& store = *st.store;
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
    [=](const request_vote& req) { return on_request_vote(self, req); },
    [=](append_entries& req) { on_append_entries(self, req); },
    [=](const heartbeat& hb) { on_heartbeat(self, hb); },
    [=](campaign_atom) -> caf::result<term_t, index_t, term_t> {
      // §5.2: a campaign increments the term and votes for itself, durably,
      // before any vote request leaves the node.
      auto& st = self->state;
      auto term = st.store->current_term() + 1;
      st.store->save_term_and_vote(term, st.w->config.self);
      st.leader_term = term_t{0};
      return {term, st.store->last_index(), st.store->last_term()};
    },
    [=](log_state_atom) -> caf::result<term_t, index_t, term_t> {
      auto& store = *self->state.store;
      return {store.current_term(), store.last_index(), store.last_term()};
    },
    [=](observe_atom, term_t term) {
      adopt_term(self, term);
      return self->state.store->current_term();
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
      if (term == st.leader_term && term == st.store->current_term())
        raise_commit(self, index, term);
    },
    [=](status_atom) {
      auto& store = *self->state.store;
      auto vote = store.voted_for().value_or(node_id{});
      return caf::make_message(store.current_term(), vote,
                               store.commit_index(), store.last_index(),
                               uint64_t{store.entry_count()},
                               uint64_t{store.byte_size()});
    },
  };
}

} // namespace

caf::actor spawn_log_store(caf::actor_system& sys) {
  return sys.spawn([](log_store_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        st.store = w->store.get();
        // Replay: entries committed before a restart are applied without
        // waiting for peers.
        push_committed(self);
        self->become(running(self));
      },
    };
  });
}

} // namespace flexsync
