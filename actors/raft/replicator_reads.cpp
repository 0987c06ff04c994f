// The replicator's read side (linearizable reads by ReadIndex,
// protocol/read_index.hpp), on every node. The state machine actor asks for
// a read index and waits until it applied it. The leader answers once a
// round of heartbeats confirms it still led when the read arrived; a
// follower asks the leader (read_index_request) and relays its answer; with
// no leader known the read waits for one (bounded by its deadline).

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"
#include "protocol/planted_bugs.hpp"

namespace flexsync::detail {

namespace {

using clock_point = caf::actor_clock::time_point;

/// Reads whose caller gave up are forgotten (their promises answer no one).
template <class Map>
void drop_expired(Map& xs, clock_point now) {
  for (auto i = xs.begin(); i != xs.end();)
    i = i->second.deadline <= now ? xs.erase(i) : std::next(i);
}

void answer(replicator_ptr self, replicator_state::read_waiter& w,
            std::optional<index_t> index) {
  auto& st = self->state;
  if (!w.follower.empty()) {
    send_peer(self, *st.w, w.follower,
              read_index_reply{w.follower_id, st.w->config.self,
                               index.value_or(index_t{0}),
                               index.has_value()});
    return;
  }
  if (index)
    w.rp.deliver(*index);
  else
    w.rp.deliver(to_error(fail_reason::leader_changed));
}

sim_time now_of(replicator_ptr self) {
  return self->clock().now().time_since_epoch();
}

/// The leader takes a read: it answers from its lease when asked to and it
/// holds one, else it gets the commit index (or waits for the first commit
/// of the term) and joins the next round.
void lead_read(replicator_ptr self, replicator_state::read_waiter w,
               bool lease) {
  auto& st = self->state;
  if (lease && !st.lease_given_up && st.commit >= st.first_index_of_term
      && st.reads.lease_valid(now_of(self))) {
    st.metrics.reads_lease.add();
    answer(self, w, st.commit);
    return;
  }
  auto ticket = st.next_read_ticket++;
  st.read_waiters.emplace(ticket, std::move(w));
  st.reads.add(ticket, st.commit, st.commit >= st.first_index_of_term);
  schedule_read_round(self);
}

/// A follower asks the leader it knows.
void ask_leader(replicator_ptr self, caf::response_promise rp,
                clock_point deadline, bool lease) {
  auto& st = self->state;
  auto id = st.next_read_ticket++;
  st.asked_reads.emplace(id, replicator_state::asked_read{std::move(rp),
                                                          st.leader, deadline,
                                                          lease});
  st.metrics.reads_forwarded.add();
  send_peer(self, *st.w, st.leader,
            read_index_request{st.term, st.w->config.self, id, lease});
}

} // namespace

void on_read_index(replicator_ptr self, caf::response_promise rp,
                   caf::timespan timeout, read_mode mode) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto lease = mode == read_mode::lease;
  if (st.leading) {
    lead_read(self, replicator_state::read_waiter{std::move(rp), {}, 0},
              lease);
  } else if (!st.leader.empty() && st.leader != st.w->config.self) {
    drop_expired(st.asked_reads, now);
    ask_leader(self, std::move(rp), now + timeout, lease);
  } else {
    drop_expired(st.reads_without_leader, now);
    auto id = st.next_read_ticket++;
    st.reads_without_leader.emplace(
      id, replicator_state::asked_read{std::move(rp), {}, now + timeout,
                                       lease});
  }
}

void on_read_index_request(replicator_ptr self, const read_index_request& r) {
  auto& st = self->state;
  replicator_state::read_waiter w{{}, r.from, r.id};
  if (!st.leading) {
    answer(self, w, std::nullopt);
    return;
  }
  lead_read(self, std::move(w), r.lease);
}

void on_read_index_reply(replicator_ptr self, const read_index_reply& r) {
  auto& st = self->state;
  auto i = st.asked_reads.find(r.id);
  // Only the leader it was asked of answers it.
  if (i == st.asked_reads.end() || i->second.leader != r.from)
    return;
  if (r.ok)
    i->second.rp.deliver(r.index);
  else
    i->second.rp.deliver(to_error(fail_reason::leader_changed));
  st.asked_reads.erase(i);
}

void schedule_read_round(replicator_ptr self) {
  auto& st = self->state;
  if (st.read_round_scheduled || !st.reads.round_wanted())
    return;
  // After the messages already queued, so that one round serves them all.
  st.read_round_scheduled = true;
  self->send(self, read_round_atom::value, st.lead_term);
}

void on_read_round(replicator_ptr self, term_t term) {
  auto& st = self->state;
  st.read_round_scheduled = false;
  if (!still_leading(st.leading, st.lead_term, term)
      || !st.reads.round_wanted())
    return;
  st.reads.start_round(now_of(self));
  st.metrics.read_rounds.add();
  for (auto& [id, fo] : st.followers)
    send_heartbeat(self, id, fo);
  release_reads(self); // a lone voter confirms at once
}

void on_read_ack(replicator_ptr self, const node_id& from, uint64_t round) {
  auto& st = self->state;
  if (round == 0 || (st.reads.size() == 0 && !st.reads.leases()))
    return;
  st.reads.on_ack(from, round);
  release_reads(self);
}

void release_reads(replicator_ptr self) {
  auto& st = self->state;
  node_set counting;
  for (auto& [id, fo] : st.followers)
    if (fo.counts)
      counting.insert(id);
  for (auto& r : st.reads.confirmed(st.quorum, st.w->config.self, counting)) {
    auto i = st.read_waiters.find(r.ticket);
    if (i == st.read_waiters.end())
      continue;
    st.metrics.reads_confirmed.add();
    answer(self, i->second, r.index);
    st.read_waiters.erase(i);
  }
}

void reads_on_commit(replicator_ptr self) {
  auto& st = self->state;
  if (st.commit < st.first_index_of_term)
    return;
  st.reads.on_term_commit(st.commit);
  schedule_read_round(self);
}

void fail_reads_on_step_down(replicator_ptr self) {
  auto& st = self->state;
  for (auto ticket : st.reads.clear()) {
    auto i = st.read_waiters.find(ticket);
    if (i == st.read_waiters.end())
      continue;
    answer(self, i->second, std::nullopt);
  }
  st.read_waiters.clear();
}

void reads_on_role(replicator_ptr self) {
  auto& st = self->state;
  auto& self_id = st.w->config.self;
  // Reads asked of a leader this node no longer follows are lost with it.
  for (auto i = st.asked_reads.begin(); i != st.asked_reads.end();) {
    if (i->second.leader == st.leader)
      ++i;
    else {
      i->second.rp.deliver(to_error(fail_reason::leader_changed));
      i = st.asked_reads.erase(i);
    }
  }
  if (st.reads_without_leader.empty()
      || (!st.leading && (st.leader.empty() || st.leader == self_id)))
    return;
  auto now = self->clock().now();
  auto held = std::move(st.reads_without_leader);
  st.reads_without_leader.clear();
  for (auto& [id, r] : held) {
    if (r.deadline <= now)
      continue;
    if (st.leading)
      lead_read(self, replicator_state::read_waiter{std::move(r.rp), {}, 0},
                r.lease);
    else
      ask_leader(self, std::move(r.rp), r.deadline, r.lease);
  }
}

void reads_on_lead(replicator_ptr self) {
  auto& st = self->state;
  auto& cfg = st.w->config;
  st.lease_given_up = false;
  auto margin = planted(planted_bug::lease_drift) ? sim_time{0}
                                                 : cfg.clock_drift_bound;
  st.reads.set_lease(cfg.lease_reads
                       ? sim_time{cfg.election_timeout_min - margin}
                       : sim_time{0});
}

void give_up_lease(replicator_ptr self) {
  auto& st = self->state;
  st.lease_given_up = true;
  st.reads.end_lease();
}

void reads_on_heartbeat(replicator_ptr self) {
  auto& st = self->state;
  if (st.reads.leases() && !st.lease_given_up)
    st.reads.start_round(now_of(self));
}

} // namespace flexsync::detail
