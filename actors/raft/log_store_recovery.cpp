// The log store's side of rejoining after a lost state
// (protocol/recovery.hpp holds the rules): probing the voters, answering
// their probes, adopting the term floor, campaigns of a node without its
// state (bootstrap, operator recovery), and rejoining once caught up. Every
// change of term, vote or promise is made here, in the one actor that owns
// them, and is durable before anything depending on it is sent.

#include <caf/all.hpp>

#include "actors/raft/log_store_state.hpp"
#include "protocol/assert.hpp"
#include "protocol/follower_rules.hpp"
#include "protocol/term_owner.hpp"

namespace flexsync::detail {

namespace {

/// How long a probe marks its sender as recovering in status.
constexpr auto probed_window = std::chrono::seconds(3);

/// How often a node that stays without its state says so.
constexpr auto recovery_line_interval = std::chrono::seconds(5);

caf::timespan probe_interval(const node_wiring& w) {
  return w.config.election_timeout_min;
}

void send_probes(log_store_ptr self) {
  auto& st = self->state;
  auto& w = *st.w;
  auto probe = st.rec.next_probe();
  for (auto& v : st.quorum.voters())
    if (v != w.config.self)
      send_peer(self, w, v, probe);
}

void record_promise(log_store_ptr self, const promise& p);

void announce_state(log_store_ptr self) {
  auto& w = *self->state.w;
  if (w.observer)
    w.observer->on_member_state(w.config.self, self->state.rec.state());
}

} // namespace

void start_recovery(log_store_ptr self) {
  auto& st = self->state;
  auto& w = *st.w;
  announce_state(self);
  if (!st.rec.probing())
    return;
  w.log.warning(std::string{"started without its Raft state ("}
                + (w.log_journal ? "empty or recovering data directory"
                                 : "memory mode")
                + "): a new incarnation; it votes and counts in no quorum "
                  "until it has caught up from a current leader");
  st.next_recovery_line = self->clock().now() + recovery_line_interval;
  send_probes(self);
  self->delayed_send(self, probe_interval(w), probe_atom::value);
}

void on_probe_tick(log_store_ptr self) {
  auto& st = self->state;
  if (!st.rec.probing())
    return;
  auto now = self->clock().now();
  if (now >= st.next_recovery_line) {
    st.w->log.warning("still without its state: " + st.rec.explain());
    st.next_recovery_line = now + recovery_line_interval;
  }
  send_probes(self);
  self->delayed_send(self, probe_interval(*st.w), probe_atom::value);
}

void on_recovery_probe(log_store_ptr self, const recovery_probe& p) {
  auto& st = self->state;
  // Voters and learners probe (a joining node recovers before it votes).
  if (!is_member(self, p.from))
    return;
  st.probed_by[p.from] = self->clock().now();
  auto report = st.rec.on_probe(p, log_facts_of(self));
  send_peer(self, *st.w, p.from, std::move(report));
}

void on_recovery_report(log_store_ptr self, const recovery_report& r) {
  auto& st = self->state;
  auto& w = *st.w;
  auto was_stale = st.rec.stale();
  auto effect = st.rec.on_report(r);
  if (effect.stale_self && !was_stale)
    w.log.error(st.rec.explain());
  // All voters reported that a new cluster may form: start at once.
  auto possible = st.rec.campaign(log_facts_of(self)) == vote_kind::bootstrap;
  if (possible && !st.bootstrap_possible)
    self->send(w.self.election, campaign_now_atom::value);
  st.bootstrap_possible = possible;
  if (effect.promise_moved)
    record_promise(self, *st.rec.promised());
  if (effect.promise_ended) {
    w.marker->save(std::nullopt);
    w.log.info("enough voters hold their state: it catches up with any "
               "current leader");
    announce_state(self);
  }
  if (!effect.floor) {
    if (effect.promise_ended)
      maybe_rejoin(self);
    return;
  }
  // Adopted as voted: the old incarnation may have voted in that term.
  auto floor = *effect.floor;
  auto& store = *st.store;
  if (adopts_term_floor(floor, store.current_term(),
                        store.voted_for().has_value())) {
    store.save_term_and_vote(floor, w.config.self);
    st.leader_term = term_t{0};
  }
  w.log.info("term floor " + to_string(floor)
             + " from the intact voters; catching up before it votes again");
  // It may hold the commit it needs already (a quiet cluster sends none).
  maybe_rejoin(self);
}

namespace {

/// Durable before anything depending on it leaves (a restart keeps it).
void record_promise(log_store_ptr self, const promise& p) {
  auto& w = *self->state.w;
  w.marker->save(p);
  w.log.info("follows " + p.candidate.name + " from term " + to_string(p.term)
             + " on, until it holds a committed entry of the term it follows "
               "it in");
  announce_state(self);
}

} // namespace

void make_promise(log_store_ptr self, promise p) {
  auto& st = self->state;
  auto again = st.rec.promised() && *st.rec.promised() == p;
  st.rec.on_promise(p);
  if (!again)
    record_promise(self, p);
}

void on_lead_recovery(log_store_ptr self, term_t term) {
  if (auto p = self->state.rec.on_lead(term))
    record_promise(self, *p);
}

caf::result<log_position> on_campaign(log_store_ptr self, vote_kind kind) {
  auto& st = self->state;
  auto& w = *st.w;
  auto& store = *st.store;
  auto facts = log_facts_of(self);
  term_t term;
  if (kind == vote_kind::normal) {
    if (campaign_allowed(self) != vote_kind::normal)
      return to_error(fail_reason::request_denied);
    term = decide_campaign(store.current_term(), w.config.self,
                           st.quorum.terms())
             .term;
  } else {
    if (kind == vote_kind::bootstrap
        && st.rec.campaign(facts) != vote_kind::bootstrap)
      return to_error(fail_reason::request_denied);
    if (!st.quorum.is_voter(w.config.self))
      return to_error(fail_reason::request_denied);
    term = st.rec.special_term(facts);
  }
  // Owned terms: a node never campaigns in a term it does not own.
  FLEXSYNC_ASSERT(may_campaign_in(st.quorum.terms(), term, w.config.self),
                  w.config.self.name + " campaigns in term " + to_string(term)
                    + ", which it does not own");
  // §5.2: a campaign increments the term and votes for itself, durably,
  // before any vote request leaves the node.
  store.save_term_and_vote(term, w.config.self);
  st.leader_term = term_t{0};
  st.rec.on_campaign(kind, term);
  if (kind == vote_kind::bootstrap)
    w.log.info("every voter reports an empty log: forming a new cluster in "
               "term "
               + to_string(term));
  else if (kind == vote_kind::recover)
    w.log.warning("recovering the cluster from this node on request, in term "
                  + to_string(term));
  auto rp = self->make_response_promise<log_position>();
  after_sync(self, [self, rp, term, kind]() mutable {
    auto& store = *self->state.store;
    rp.deliver(log_position{term, store.last_index(), store.last_term(), kind,
                            self->state.rec.incarnation()});
  });
  return rp;
}

void maybe_rejoin(log_store_ptr self) {
  auto& st = self->state;
  if (st.rec.intact())
    return;
  auto& store = *st.store;
  auto commit = store.commit_index();
  if (commit < store.snapshot_index() || commit > store.last_index())
    return;
  if (!st.rec.on_commit(log_facts_of(self), store.term_at(commit)))
    return;
  // Term, vote and log are durable before the record of "recovering" goes:
  // a crash in between restarts it recovering again, never the other way.
  store.sync();
  st.w->marker->clear();
  st.w->log.info("caught up (commit index " + to_string(commit) + ", term "
                 + to_string(store.current_term())
                 + "): it votes and counts again");
  announce_state(self);
}

std::vector<node_id> recovering_peers(log_store_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  std::vector<node_id> result;
  for (auto& [id, at] : st.probed_by)
    if (now - at <= probed_window)
      result.push_back(id);
  return result;
}

} // namespace flexsync::detail
