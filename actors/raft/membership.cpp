// The membership manager: holds the configuration in effect (announced by
// the log store, the one owner of the log), tells the transport whom to
// link with, answers status, and takes membership requests: on the leader
// it hands them to the replicator, which carries them out through the log
// (protocol/membership.hpp); elsewhere it forwards them to the leader's
// membership manager over the peer link and relays the answer. A request
// that finds no leader, or a leader that stops leading, is answered so that
// the asking node handle retries until its deadline (requests are
// retry-safe).

#include <algorithm>
#include <map>

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/node/spawn.hpp"
#include "protocol/membership.hpp"

namespace flexsync {

namespace {

/// A request forwarded to the leader, awaiting its change_reply.
struct forwarded_request {
  caf::response_promise rp;
  /// The leader it went to; a new leader fails it so that it is asked again.
  node_id leader;
  caf::actor_clock::time_point deadline;
};

struct membership_state {
  wiring_ptr w;
  configuration config;
  index_t config_index;
  std::map<uint64_t, forwarded_request> forwarded;
  uint64_t next_id = 0;

  static inline const char* name = "flexsync.membership";
};

using membership_ptr = caf::stateful_actor<membership_state>*;

/// How often a forwarded request checks that its leader still leads.
caf::timespan forward_check_interval(const node_wiring& w) {
  return w.config.election_timeout_max;
}

void tell_transport(membership_ptr self) {
  auto& st = self->state;
  auto members = st.config.members();
  std::erase(members, st.w->config.self);
  self->send(st.w->transport, members_atom::value, st.w->config.self,
             std::move(members));
}

/// Runs `f` with the election actor's view of role and leader.
template <class F>
void with_leader(membership_ptr self, F f) {
  self
    ->request(self->state.w->self.election, caf::infinite, status_atom::value)
    .then([=](const election_status& e) mutable { f(e.role, e.leader); },
          [](caf::error&) {});
}

/// This node leads: the replicator carries the request out.
void carry_out(membership_ptr self, const change_request& req,
               std::function<void(change_result)> answer) {
  self
    ->request(self->state.w->self.replicator, caf::infinite,
              change_atom::value, req)
    .then([=](change_result& r) { answer(std::move(r)); },
          [=](caf::error&) {
            answer({fail_reason::stopped, "the node is stopping"});
          });
}

void forward(membership_ptr self, change_request req, caf::timespan budget,
             const node_id& leader, caf::response_promise rp) {
  auto& st = self->state;
  req.id = ++st.next_id;
  req.from = st.w->config.self;
  st.forwarded.emplace(req.id, forwarded_request{rp, leader,
                                                 self->clock().now() + budget});
  send_peer(self, *st.w, leader, req);
  self->delayed_send(self, std::min(budget, forward_check_interval(*st.w)),
                     change_timeout_atom::value, req.id);
}

void on_local_request(membership_ptr self, change_request req,
                      caf::timespan budget, caf::response_promise rp) {
  req.budget_ns = static_cast<uint64_t>(budget.count());
  with_leader(self, [=](raft_role role, const node_id& leader) mutable {
    if (role == raft_role::leader)
      carry_out(self, req, [rp](change_result r) mutable { rp.deliver(r); });
    else if (leader.empty())
      rp.deliver(change_result{fail_reason::no_leader, "no leader known"});
    else
      forward(self, std::move(req), budget, leader, rp);
  });
}

void on_peer_request(membership_ptr self, const change_request& req) {
  auto reply = [self, to = req.from, id = req.id](change_result r) {
    send_peer(self, *self->state.w, to, change_reply{id, std::move(r)});
  };
  with_leader(self, [=](raft_role role, const node_id&) {
    if (role != raft_role::leader)
      reply({fail_reason::not_leader, "not the leader"});
    else
      carry_out(self, req, reply);
  });
}

/// A forwarded request past its deadline fails; one whose leader no longer
/// leads fails so that the node handle asks the new one.
void check_forwarded(membership_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.forwarded.find(id);
  if (i == st.forwarded.end())
    return;
  if (self->clock().now() >= i->second.deadline) {
    i->second.rp.deliver(change_result{
      fail_reason::timeout, "the leader did not answer within the deadline; "
                            "the change may still complete"});
    st.forwarded.erase(i);
    return;
  }
  with_leader(self, [=](raft_role, const node_id& leader) {
    auto& st = self->state;
    auto i = st.forwarded.find(id);
    if (i == st.forwarded.end())
      return;
    if (leader != i->second.leader) {
      i->second.rp.deliver(change_result{
        fail_reason::leader_changed,
        "the leader changed while the request was forwarded; it may still "
        "complete"});
      st.forwarded.erase(i);
      return;
    }
    auto left = i->second.deadline - self->clock().now();
    self->delayed_send(self,
                       std::min<caf::timespan>(left, forward_check_interval(
                                                       *st.w)),
                       change_timeout_atom::value, id);
  });
}

membership_status status_of(membership_ptr self) {
  auto& st = self->state;
  auto q = st.config.quorum();
  return membership_status{q.voters(), st.config.current.learners,
                           q.to_string(), st.config, st.config_index};
}

caf::behavior running(membership_ptr self) {
  return {
    [=](change_atom, change_request& req, caf::timespan budget) {
      auto rp = self->make_response_promise();
      on_local_request(self, std::move(req), budget, rp);
      return rp;
    },
    [=](const change_request& req) { on_peer_request(self, req); },
    [=](const change_reply& r) {
      auto& st = self->state;
      if (auto i = st.forwarded.find(r.id); i != st.forwarded.end()) {
        i->second.rp.deliver(r.result);
        st.forwarded.erase(i);
      }
    },
    [=](change_timeout_atom, uint64_t id) { check_forwarded(self, id); },
    [=](config_atom, const configuration& c, index_t index) {
      auto& st = self->state;
      st.config = c;
      st.config_index = index;
      tell_transport(self);
    },
    [=](config_atom) { return eventual(self->state.config); },
    [=](status_atom) { return status_of(self); },
  };
}

} // namespace

caf::actor spawn_membership(caf::actor_system& sys) {
  return sys.spawn([](membership_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        join_node(self, w);
        st.config = w->configs.latest();
        st.config_index = w->configs.latest_index();
        // The transport knows the static members; a configuration from the
        // log may name others.
        auto members = st.config.members();
        std::erase(members, w->config.self);
        auto statics = w->config.partners;
        statics.insert(statics.end(), w->config.learners.begin(),
                       w->config.learners.end());
        std::erase(statics, w->config.self);
        std::sort(statics.begin(), statics.end());
        if (members != statics)
          tell_transport(self);
        self->become(running(self));
      },
    };
  });
}

} // namespace flexsync
