// The election actor: election timers (randomized from the node's seeded
// generator), pre-vote, campaigns, vote tallies against the election quorum,
// leader stickiness, and the node's role. It caches the term for its own
// decisions but never treats it as truth: every term or vote change is a
// request to the log store, which checks it atomically.
//
// Invariants: a role change happens only in become_follower / become_candidate
// / become_leader; only the log store's replies raise the cached term.

#include <optional>
#include <random>

#include <caf/all.hpp>

#include "actors/raft/election_state.hpp"
#include "protocol/assert.hpp"
#include "protocol/follower_rules.hpp"
#include "protocol/term_owner.hpp"
#include "protocol/transfer.hpp"
#include "protocol/vote_rules.hpp"

namespace flexsync {

namespace {

using namespace election_detail;


/// Whether this node may campaign: a voter of the configuration in effect,
/// or of the one before (the log store decides whether that still counts).
bool is_voter(election_ptr self) {
  auto& st = self->state;
  return st.quorum.is_voter(st.w->config.self) || st.voted_before;
}

caf::timespan random_timeout(election_ptr self) {
  auto& cfg = self->state.w->config;
  std::uniform_int_distribution<int64_t> dist{cfg.election_timeout_min.count(),
                                              cfg.election_timeout_max.count()};
  return caf::timespan{dist(self->state.rng)};
}

void arm_timer(election_ptr self, caf::timespan delay) {
  auto& st = self->state;
  st.deadline = self->clock().now() + delay;
  self->delayed_send(self, delay, election_timeout_atom::value, ++st.timer_id);
}

} // namespace

void election_detail::reset_timer(election_ptr self) {
  arm_timer(self, random_timeout(self));
}

namespace {

/// Moves the deadline without sending a new timer message when the armed one
/// fires earlier (the common case for heartbeats).
void extend_timer(election_ptr self) {
  auto& st = self->state;
  auto due = self->clock().now() + random_timeout(self);
  if (due > st.deadline)
    st.deadline = due;
}

/// Publishes the role for node::role() (lock-free reads). The
/// on_state_changed callback runs on the state machine actor, which gets
/// every role change from broadcast_role, so that no callback ever runs
/// concurrently with an apply.
void publish_role(election_ptr self) {
  auto& st = self->state;
  if (st.w->flags)
    st.w->flags->role.store(static_cast<uint8_t>(st.role));
}

void broadcast_role(election_ptr self, fail_reason why) {
  auto& st = self->state;
  auto& w = *st.w;
  publish_role(self);
  if (!st.leader.empty() && st.leader != st.last_known_leader) {
    st.last_known_leader = st.leader;
    st.metrics.leader_changes.add();
  }
  if (w.observer)
    w.observer->on_role_change(w.config.self, st.role, st.term, st.leader);
  w.log.info(std::string{"role "} + to_string(st.role) + " term "
             + to_string(st.term) + " leader "
             + (st.leader.empty() ? "none" : st.leader.name));
  self->send(w.self.replicator, role_atom::value, st.role, st.term, st.leader,
             why);
  self->send(w.self.state_machine, role_atom::value, st.role, st.term,
             st.leader, why);
}

} // namespace

void election_detail::become_follower(election_ptr self, term_t term,
                                      node_id leader, fail_reason why) {
  auto& st = self->state;
  auto changed = !already_follows(st.role, st.term, st.leader, term, leader);
  auto was_leader = st.role == raft_role::leader;
  FLEXSYNC_ASSERT(term >= st.term, st.w->config.self.name + " follows in term "
                                     + to_string(term) + " after term "
                                     + to_string(st.term));
  st.role = raft_role::follower;
  st.term = term;
  st.leader = std::move(leader);
  st.tally.reset();
  st.claiming = false;
  if (was_leader)
    reset_timer(self);
  if (changed)
    broadcast_role(self, why);
}

namespace {

/// Sends a vote request of the current tally to every other voter.
void solicit_votes(election_ptr self, const log_position& pos, bool transfer,
                   vote_kind kind) {
  auto& st = self->state;
  auto& w = *st.w;
  request_vote req{st.tally->term(), w.config.self, pos.last_index,
                   pos.last_term, st.tally->pre_vote(), transfer, kind,
                   pos.incarnation};
  for (auto& v : st.quorum.voters())
    if (v != w.config.self)
      send_peer(self, w, v, req);
}

void become_leader(election_ptr self);
bool act_on_tally(election_ptr self);

/// Campaigns in a new term: ordinary (§5.2), or the bootstrap or recovery
/// campaign of a node without its state (protocol/recovery.hpp), which
/// needs every voter (bootstrap) or an election quorum (recover).
void become_candidate(election_ptr self, bool transfer, vote_kind kind) {
  auto& w = *self->state.w;
  self->request(w.self.log_store, caf::infinite, campaign_atom::value, kind)
    .then(
      [=](const log_position& pos) {
        auto& st = self->state;
        // The log store answers once the vote for itself is durable. Until
        // then it goes on serving peers, so this node may already follow a
        // leader of that term (or a newer one): the campaign is overtaken.
        // Its vote stays recorded; nothing else happened.
        if (campaign_overtaken(pos.current_term, st.term)) {
          st.w->log.info("campaign for term " + to_string(pos.current_term)
                         + " overtaken: already in term "
                         + to_string(st.term));
          return;
        }
        st.role = raft_role::candidate;
        st.term = pos.current_term;
        st.leader = node_id{};
        st.claiming = false;
        st.tally.emplace(st.quorum, pos.current_term, false,
                         kind == vote_kind::bootstrap);
        st.tally->record_self(st.w->config.self, pos.incarnation);
        st.metrics.elections_started.add();
        broadcast_role(self, fail_reason::success);
        reset_timer(self);
        if (!act_on_tally(self))
          solicit_votes(self, pos, transfer, kind);
      },
      [](caf::error&) {
        // Not allowed (any more): the node recovers a lost state.
      });
}

/// Pre-vote (thesis §9.6): ask whether a campaign could win before raising the
/// term, so a node returning from a partition cannot disrupt the cluster.
void start_pre_vote(election_ptr self, const log_position& pos) {
  auto& st = self->state;
  if (!st.leader.empty()) {
    // The leader went silent: forget it while looking for a new one.
    st.leader = node_id{};
    broadcast_role(self, fail_reason::success);
  }
  // The term the campaign would use (an owned one with owned terms).
  auto term = campaign_term(st.quorum.terms(), st.w->config.self,
                            pos.current_term);
  st.tally.emplace(st.quorum, term, true);
  st.metrics.pre_votes_started.add();
  st.tally->record_self(st.w->config.self, pos.incarnation);
  if (!act_on_tally(self))
    solicit_votes(self, pos, false, vote_kind::normal);
}

/// Acts on a decided tally: a won pre-vote starts the campaign, a won
/// campaign claims leadership, a lost one waits for the next timeout. Returns
/// false while the tally is still pending.
bool act_on_tally(election_ptr self) {
  auto& st = self->state;
  switch (st.tally->outcome()) {
    case election_outcome::won:
      if (st.tally->pre_vote()) {
        st.tally.reset(); // later pre-vote replies must not campaign twice
        become_candidate(self, false, vote_kind::normal);
      } else
        become_leader(self);
      return true;
    case election_outcome::lost:
      return true;
    default:
      return false;
  }
}

void become_leader(election_ptr self) {
  auto& st = self->state;
  if (st.claiming)
    return;
  st.claiming = true;
  auto term = st.term;
  auto& w = *st.w;
  self->request(w.self.log_store, caf::infinite, lead_atom::value, term)
    .then(
      [=](index_t noop_index, term_t prev_term, index_t commit,
          int64_t noop_time) {
        auto& st = self->state;
        if (!still_campaigning(st.role == raft_role::candidate, st.term, term))
          return;
        st.claiming = false;
        st.role = raft_role::leader;
        st.leader = st.w->config.self;
        st.tally.reset();
        ++st.timer_id; // a leader has no election timer
        st.metrics.elections_won.add();
        self->send(st.w->self.replicator, lead_atom::value, term, noop_index,
                   prev_term, commit, noop_time);
        broadcast_role(self, fail_reason::success);
      },
      [=](caf::error&) {
        // The log store moved to a newer term meanwhile.
        self->state.claiming = false;
      });
}

/// The election timer fired (or a campaign was asked for): campaign in the
/// way the log store allows now.
void start_election(election_ptr self, bool transfer) {
  auto& st = self->state;
  if (!is_voter(self) || st.role == raft_role::leader)
    return;
  reset_timer(self);
  auto timer = st.timer_id;
  self->request(st.w->self.log_store, caf::infinite, log_state_atom::value)
    .then([=](const log_position& pos) {
      auto& st = self->state;
      if (st.timer_id != timer || st.role == raft_role::leader)
        return; // a leader showed up meanwhile
      if (!pos.campaign) {
        st.w->log.debug("election timeout: no campaign allowed (the node "
                        "recovers a lost state)");
        return;
      }
      st.w->log.debug(std::string{"election timeout: "}
                      + to_string(*pos.campaign) + " campaign");
      if (*pos.campaign == vote_kind::bootstrap)
        become_candidate(self, false, vote_kind::bootstrap);
      else if (st.w->config.pre_vote && !transfer)
        start_pre_vote(self, pos);
      else
        become_candidate(self, transfer, vote_kind::normal);
    });
}

/// An operator's campaign (node::campaign_now). With lease reads it must
/// not ignore leader stickiness: a live leader may hold a lease (only a
/// transfer, whose leader gave its lease up, may). That covers this node's
/// own vote: having echoed the leader's round it grants none, itself
/// included, for election_timeout_min (a timer's campaign never comes
/// sooner).
void campaign_now(election_ptr self) {
  auto& st = self->state;
  if (st.w->config.lease_reads && st.role != raft_role::leader
      && leader_recently_heard(self)) {
    st.w->log.info("campaign not started: a leader was heard less than "
                   "election_timeout_min ago and may hold a lease (lease "
                   "reads); transfer_leadership moves a live leader");
    return;
  }
  start_election(self, !st.w->config.lease_reads);
}

/// A newer term was seen (replies carry terms, §5.1): the log store adopts
/// it durably, then this node follows nobody in it, unless it moved on
/// meanwhile.
void adopt_newer_term(election_ptr self, term_t term) {
  auto& w = *self->state.w;
  self->request(w.self.log_store, caf::infinite, observe_atom::value, term)
    .then([=](term_t current) {
      if (!decide_leader_contact(self->state.term, current).term_changed)
        return;
      become_follower(self, current, node_id{});
    });
}

void on_vote_reply(election_ptr self, const vote_reply& reply) {
  auto& st = self->state;
  if (reply_ends_campaign(reply, st.term)) {
    adopt_newer_term(self, reply.term);
    return;
  }
  if (st.tally && st.tally->record(reply))
    act_on_tally(self);
}

void on_leader_seen(election_ptr self, term_t term, const node_id& leader) {
  auto& st = self->state;
  if (!decide_leader_contact(st.term, term).from_current_leader)
    return; // stale notification
  st.last_leader_contact = self->clock().now();
  extend_timer(self);
  st.tally.reset(); // a live leader ends any pre-vote round
  if (!already_follows(st.role, st.term, st.leader, term, leader))
    become_follower(self, term, leader);
}

void on_timer(election_ptr self, uint64_t id) {
  auto& st = self->state;
  if (id != st.timer_id || st.role == raft_role::leader)
    return;
  auto now = self->clock().now();
  if (now < st.deadline) {
    arm_timer(self, st.deadline - now);
    return;
  }
  start_election(self, false);
}

void on_step_down(election_ptr self, term_t term, fail_reason why) {
  auto& st = self->state;
  switch (decide_step_down(term, st.term, st.role == raft_role::leader)) {
    case step_down_action::adopt_newer_term:
      adopt_newer_term(self, term);
      break;
    case step_down_action::follow:
      become_follower(self, term, node_id{}, why);
      break;
    default:
      break;
  }
}

caf::behavior running(election_ptr self) {
  return {
    [=](election_timeout_atom, uint64_t id) { on_timer(self, id); },
    [=](const request_vote& req) { on_request_vote(self, req); },
    [=](const vote_reply& reply) { on_vote_reply(self, reply); },
    [=](leader_seen_atom, term_t term, const node_id& leader) {
      on_leader_seen(self, term, leader);
    },
    [=](step_down_atom, term_t term, fail_reason why) {
      on_step_down(self, term, why);
    },
    [=](campaign_now_atom) { campaign_now(self); },
    [=](const timeout_now& m) {
      auto& st = self->state;
      // Only the leader of this node's term hands over; a late one is void.
      if (!heeds_timeout_now(m, st.term, st.leader))
        return;
      st.w->log.info(m.leader.name + " hands over its leadership");
      start_election(self, true);
    },
    [=](config_atom, const configuration& c, index_t, bool voted_before) {
      auto& st = self->state;
      auto was_voter = is_voter(self);
      st.config = c;
      st.quorum = c.quorum();
      st.voted_before = voted_before;
      // The election timer stops while the node is no voter; a node that
      // becomes one (a promoted learner) starts timing its leader.
      if (!was_voter && is_voter(self))
        reset_timer(self);
    },
    [=](recover_atom) {
      if (is_voter(self) && self->state.role != raft_role::leader)
        become_candidate(self, false, vote_kind::recover);
    },
    [=](status_atom) {
      // Whether the known leader was heard within leader_fallback_timeout:
      // a leader keeps leading only while a replication quorum answers it
      // (check-quorum), so this is a follower's view of has_quorum.
      auto& st = self->state;
      bool heard = false;
      if (st.role == raft_role::follower && !st.leader.empty()
          && st.last_leader_contact)
        heard = self->clock().now() - *st.last_leader_contact
                <= st.w->config.leader_fallback_timeout;
      return election_status{st.role, st.term, st.leader, heard};
    },
    [=](metrics_atom) {
      auto& st = self->state;
      auto m = st.metrics;
      m.role = st.role;
      m.term = st.term;
      m.has_leader = !st.leader.empty();
      return m;
    },
  };
}

} // namespace

caf::actor spawn_election(caf::actor_system& sys) {
  return sys.spawn([](election_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        join_node(self, w);
        st.started = self->clock().now();
        st.config = w->configs.latest();
        st.quorum = st.config.quorum();
        st.voted_before = w->configs.previous().is_voter(w->config.self);
        st.rng.seed(w->config.seed ^ 0x9e3779b97f4a7c15ULL);
        // Rejoin only after the restart replay: the log store pushed the
        // committed entries to the state machine during its init, before it
        // answers here, so the state machine's answer comes after it
        // applied them. Until then this node never campaigns.
        self->request(w->self.log_store, caf::infinite, log_state_atom::value)
          .then([=](const log_position& pos) {
            self->state.term = pos.current_term;
            self
              ->request(self->state.w->self.state_machine, caf::infinite,
                        status_atom::value)
              .then([=](const state_machine_status&) { reset_timer(self); });
          });
        self->become(running(self));
      },
    };
  });
}

} // namespace flexsync
