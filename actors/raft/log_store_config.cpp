// The log store's side of dynamic membership: the configurations its log
// holds (protocol/config_log.hpp) and telling the node's other actors which
// one is in effect. A configuration takes effect when its entry is in the
// log, committed or not (Raft thesis §4.1), so the log store, the one owner
// of the log, is the one source of it. Also: the log store's status and
// metrics.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/raft/log_store_state.hpp"
#include "protocol/term_owner.hpp"

namespace flexsync::detail {

namespace {

/// Bytes of entries read at once while scanning the journal at start.
constexpr size_t scan_chunk_bytes = 16 << 20;

configuration snapshot_configuration(const node_wiring& w) {
  if (w.restored && !w.restored->meta.configuration.empty())
    if (auto c = decode_configuration(w.restored->meta.configuration))
      return *c;
  // Written before configurations were stored in snapshots: the static one.
  return bootstrap_configuration(w.config);
}

} // namespace

config_log load_config_log(const node_wiring& w, storage& store) {
  auto base_index = store.snapshot_index();
  config_log out{snapshot_configuration(w), base_index};
  auto next = base_index + 1;
  while (next <= store.last_index()) {
    entry_list batch;
    store.entries(next, store.last_index(), scan_chunk_bytes, batch);
    if (batch.empty())
      break;
    out.on_append(batch);
    next = batch.back().index + 1;
  }
  return out;
}

} // namespace flexsync::detail

namespace flexsync {

void node_wiring::load_configs() {
  configs = detail::load_config_log(*this, *store);
}

} // namespace flexsync

namespace flexsync::detail {

void announce_config(log_store_ptr self) {
  auto& st = self->state;
  auto& w = *st.w;
  auto& c = st.configs.latest();
  auto index = st.configs.latest_index();
  st.quorum = c.quorum();
  if (st.rec.set_quorum(st.quorum))
    start_recovery(self);
  if (!c.is_voter(w.config.self) && !c.current.voters.empty()
      && st.was_voter)
    w.log.warning("no longer a voter: the configuration at "
                  + to_string(index) + " is " + c.to_string());
  st.was_voter = c.is_voter(w.config.self);
  if (w.observer)
    w.observer->on_config(w.config.self, c, index);
  for (auto& to : {w.self.replicator, w.self.membership})
    self->send(to, config_atom::value, c, index);
  self->send(w.self.election, config_atom::value, c, index,
             st.configs.previous().is_voter(w.config.self));
}

std::optional<vote_kind> campaign_allowed(log_store_ptr self) {
  auto& st = self->state;
  auto facts = log_facts_of(self);
  auto kind = st.rec.campaign(facts);
  if (kind || !st.rec.intact())
    return kind;
  // A voter of the configuration before the latest one, which it does not
  // know to be committed, may be the one node that holds the newest entries
  // (a leader that appended C_new without itself and lost its leadership):
  // it campaigns, counting votes under the latest configuration, or the
  // others could wait for its vote forever.
  auto& self_id = st.w->config.self;
  if (!st.configs.latest().is_voter(self_id)
      && st.configs.previous().is_voter(self_id)
      && st.configs.latest_index() > facts.commit_index)
    return vote_kind::normal;
  return std::nullopt;
}

bool votes_by_configuration(log_store_ptr self) {
  // Every node but a static read-only one grants votes by the ordinary
  // rules, whatever its own configuration says (thesis §4.2.3; etcd's
  // learners too): a candidate counts only the voters of its own
  // configuration, which may be newer (a promoted learner) or older (a
  // joint one that still needs this removed node) than this node's.
  // Safety rests on one vote per term, which holds for every node.
  return !self->state.w->config.read_only;
}

voter_state voter_state_of(log_store_ptr self, const request_vote& req) {
  auto& st = self->state;
  voter_state vs{st.store->current_term(), st.store->voted_for(),
                 st.store->last_index(), st.store->last_term(),
                 votes_by_configuration(self), st.rec.intact(),
                 st.rec.may_grant(req, log_facts_of(self))};
  // With owned terms the owner of a term follows from the names alone.
  vs.terms = st.quorum.terms();
  return vs;
}

bool from_term_owner(log_store_ptr self, term_t term, const node_id& leader) {
  auto& st = self->state;
  if (may_lead_term(st.quorum.terms(), term, leader))
    return true;
  if (st.refused_leader != std::make_pair(term, leader)) {
    st.refused_leader = {term, leader};
    st.w->log.error(leader.name + " claims to lead term " + to_string(term)
                    + ", which it does not own (owned terms): its messages "
                      "are ignored; check that every node has the same "
                      "voters and term mode");
  }
  return false;
}

bool is_member(log_store_ptr self, const node_id& x) {
  auto m = self->state.configs.latest().members();
  return std::binary_search(m.begin(), m.end(), x);
}

// -- status and metrics -------------------------------------------------------

log_store_status status_of(log_store_ptr self) {
  auto& st = self->state;
  auto& store = *st.store;
  log_store_status x;
  x.current_term = store.current_term();
  x.voted_for = store.voted_for();
  x.commit_index = store.commit_index();
  x.last_index = store.last_index();
  x.entries = store.entry_count();
  x.bytes = store.byte_size();
  x.snapshot_index = store.snapshot_index();
  x.leader_commit_seen = st.leader_commit_seen;
  x.member = st.rec.state();
  x.incarnation = st.rec.incarnation();
  x.recovery = st.rec.explain();
  x.recovering_peers = recovering_peers(self);
  return x;
}

log_store_metrics metrics_of(log_store_ptr self) {
  auto& st = self->state;
  auto& store = *st.store;
  auto m = st.metrics;
  m.current_term = store.current_term();
  m.commit_index = store.commit_index();
  m.last_index = store.last_index();
  m.snapshot_index = store.snapshot_index();
  m.log_entries = store.entry_count();
  m.log_bytes = store.byte_size();
  return m;
}

} // namespace flexsync::detail
