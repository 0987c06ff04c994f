// The election actor's voter side: whether a vote or pre-vote request is
// looked at (leader stickiness, removed servers; protocol/vote_rules.hpp),
// and answering it through the log store, which decides the vote (one per
// term, up-to-date logs, owned terms) atomically with the term.

#include <caf/all.hpp>

#include "actors/raft/election_state.hpp"
#include "protocol/vote_rules.hpp"

namespace flexsync::election_detail {

namespace {

/// Whether this node answers vote requests: every node but a static
/// read-only one (log_store_config.cpp says why).
bool may_vote(election_ptr self) {
  return !self->state.w->config.read_only;
}

} // namespace

/// A live leader was heard within the minimum election timeout (or this
/// node is that leader).
bool leader_recently_heard(election_ptr self) {
  auto& st = self->state;
  if (st.role == raft_role::leader)
    return true;
  // With lease reads, a node that just started may have confirmed a
  // leader's lease before it restarted: it waits as if it had heard it.
  if (st.w->config.lease_reads
      && self->clock().now() - st.started < st.w->config.election_timeout_min)
    return true;
  if (st.leader.empty() || !st.last_leader_contact)
    return false;
  auto age = self->clock().now() - *st.last_leader_contact;
  return age < st.w->config.election_timeout_min;
}

void on_request_vote(election_ptr self, const request_vote& req) {
  auto& w = *self->state.w;
  vote_filter f{may_vote(self), w.config.check_quorum,
                leader_recently_heard(self),
                self->state.config.is_voter(req.candidate)};
  if (ignores_vote_request(f, req)) {
    if (f.voter && !f.candidate_member)
      w.log.debug("ignores a vote request of " + req.candidate.name
                  + ", no voter of its configuration");
    return;
  }
  self->request(w.self.log_store, caf::infinite, req)
    .then([=](vote_reply& reply) {
      auto& st = self->state;
      if (voter_moved_term(req, reply, st.term))
        become_follower(self, reply.term, node_id{});
      if (reply.granted && !req.pre_vote)
        reset_timer(self); // §5.2: granting a vote restarts the timeout
      send_peer(self, *st.w, req.candidate, std::move(reply));
    });
}

} // namespace flexsync::election_detail
