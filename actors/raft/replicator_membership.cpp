// The leader's side of membership changes (protocol/membership.hpp holds the
// rules): it keeps its followers those of the configuration in effect, and
// carries out one change at a time through the log, asking the core for the
// next step after every commit, configuration and learner progress: first
// the new voters as learners, then C_old,new once they caught up, then C_new
// once that is committed. A leader that is not in a committed C_new steps
// down (thesis §4.2.2): until then it manages the cluster without counting
// itself in C_new.
//
// Invariants: at most one config entry is proposed and unannounced at a
// time; a waiter is answered once, when its target is the committed
// configuration, or when this node stops leading.

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"
#include "protocol/assert.hpp"
#include "protocol/change_readiness.hpp"
#include "protocol/transfer.hpp"
#include "protocol/votes.hpp"

namespace flexsync::detail {

namespace {

change_context context_of(const replicator_state& st) {
  change_context ctx;
  ctx.config = st.config;
  ctx.config_index = st.config_index;
  ctx.commit_index = st.commit;
  ctx.term_start = st.first_index_of_term;
  ctx.last_index = st.written_index;
  ctx.promotion_lag = st.w->config.learner_promotion_lag;
  // A learner that lost its state is not caught up, whatever it holds: it
  // must recover before it may vote (protocol/recovery.hpp).
  for (auto& [id, fo] : st.followers)
    ctx.match.emplace(id, fo.counts ? fo.prog.match_index() : index_t{0});
  return ctx;
}

void propose_config(replicator_ptr self, const configuration& next) {
  auto& st = self->state;
  // One change at a time: the configuration before is committed, and a
  // joint one is followed only by its own C_new.
  FLEXSYNC_ASSERT(st.config_index <= st.commit,
                  "config proposed while the one at "
                    + to_string(st.config_index) + " is not committed");
  FLEXSYNC_ASSERT(!st.config.joint()
                    || (!next.joint() && next.current == st.config.current),
                  "joint configuration followed by " + next.to_string());
  st.w->log.info("proposing configuration " + next.to_string());
  st.config_proposed = true;
  append_own_entry(self, entry_kind::config, encode_configuration(next));
}

void finish_change(replicator_ptr self, change_result result) {
  auto& st = self->state;
  for (auto& rp : st.change_waiters)
    if (rp.pending())
      rp.deliver(result);
  st.change_waiters.clear();
  st.change_target.reset();
  st.change_wait.clear();
}

/// §4.2.2: a leader that is not part of the committed configuration steps
/// down; a voter of it is elected once the followers' timeouts pass.
bool step_down_if_removed(replicator_ptr self) {
  auto& st = self->state;
  auto& self_id = st.w->config.self;
  if (st.config.joint() || st.config_index > st.commit
      || st.config.is_voter(self_id) || st.config.current.voters.empty())
    return false;
  // Hand over to the best voter (protocol/transfer.hpp), so that the
  // cluster does not wait for an election timeout.
  std::vector<transfer_candidate> xs;
  for (auto& [id, fo] : st.followers)
    xs.push_back({id, st.config.is_voter(id), fo.counts, true,
                  fo.prog.match_index()});
  rank_candidates(current_placement(self), xs);
  auto best = choose_transfer_target(self_id, xs, std::nullopt).target;
  st.w->log.warning("removed from the configuration (" + st.config.to_string()
                    + "): stepping down"
                    + (best ? ", handing over to " + best->name : ""));
  if (best) {
    give_up_lease(self);
    send_peer(self, *st.w, *best, timeout_now{st.lead_term, self_id});
  }
  self->send(st.w->self.election, step_down_atom::value, st.lead_term,
             fail_reason::leader_changed);
  stop_leading(self, fail_reason::leader_changed);
  return true;
}

} // namespace

void sync_followers(replicator_ptr self) {
  auto& st = self->state;
  auto& self_id = st.w->config.self;
  auto members = st.config.members();
  auto now = self->clock().now().time_since_epoch();
  for (auto& m : members) {
    if (m == self_id)
      continue;
    auto i = st.followers.find(m);
    if (i == st.followers.end()) {
      follower fo{progress{st.written_index, st.w->config.max_inflight}};
      fo.last_reply = now;
      i = st.followers.emplace(m, std::move(fo)).first;
      send_entries(self, m);
    }
    i->second.learner = !st.quorum.is_voter(m);
    // A read-only node that a change made a member is the configuration's.
    i->second.non_member = false;
  }
  // A node that left keeps receiving entries until the configuration
  // without it is committed, so it learns that it left and stops
  // campaigning. Erasing a follower destroys its snapshot stream, if any.
  if (st.config_index > st.commit) {
    st.prune_followers = true;
    return;
  }
  st.prune_followers = false;
  // Admitted read-only nodes outside the configuration stay: they are
  // dropped when unlinked or silent (replicator_readonly.cpp).
  std::erase_if(st.followers, [&](const auto& kv) {
    return !kv.second.non_member
           && !std::binary_search(members.begin(), members.end(), kv.first);
  });
}

void on_config(replicator_ptr self, const configuration& c, index_t index) {
  auto& st = self->state;
  st.config = c;
  st.config_index = index;
  st.quorum = c.quorum();
  st.config_proposed = false;
  if (!st.leading)
    return;
  // Another quorum system: a lease confirmed by the old one no longer
  // proves anything (the next rounds confirm a new one).
  st.reads.end_lease();
  sync_followers(self);
  // The quorum changed: the commit index may move (or the leader may have
  // to step down once the new configuration commits).
  on_match_change(self);
}

void abandon_change(replicator_ptr self) {
  auto& st = self->state;
  st.config_proposed = false;
  if (st.change_waiters.empty())
    return;
  finish_change(self,
                {fail_reason::leader_changed,
                 "leadership changed while the change was in flight; it may "
                 "still complete (asking again is safe)"});
}

void on_change_request(replicator_ptr self, const change_request& req,
                       caf::response_promise rp) {
  auto& st = self->state;
  if (!st.leading) {
    rp.deliver(change_result{fail_reason::not_leader, "not the leader"});
    return;
  }
  if (req.op == change_op::transfer_leader) {
    on_transfer_request(self, req, std::move(rp));
    return;
  }
  if (req.op == change_op::set_version) {
    on_set_version(self, req, std::move(rp));
    return;
  }
  if (st.transfer) {
    rp.deliver(change_result{fail_reason::change_in_progress,
                             "a leadership transfer is in progress"});
    return;
  }
  auto ctx = context_of(st);
  auto target = target_of(req, eventual(st.config));
  auto admitted = admit_change(ctx, st.change_target, target);
  if (!admitted.ok()) {
    rp.deliver(admitted);
    return;
  }
  st.change_target = target;
  st.change_waiters.push_back(std::move(rp));
  auto deadline = self->clock().now()
                  + caf::timespan{static_cast<int64_t>(req.budget_ns)};
  if (st.change_waiters.size() == 1 || deadline > st.change_deadline) {
    st.change_deadline = deadline;
    self->delayed_send(self, deadline - self->clock().now(),
                       change_atom::value, ++st.change_timer);
  }
  drive_change(self);
}

void on_change_deadline(replicator_ptr self, uint64_t timer) {
  auto& st = self->state;
  if (timer != st.change_timer || !st.change_target)
    return;
  // A joint configuration is always left (leave_joint needs no request);
  // before it, giving up leaves the cluster as it is, new learners
  // included.
  finish_change(self, {fail_reason::timeout,
                       "not completed within the deadline"
                         + (st.change_wait.empty()
                              ? std::string{}
                              : " (" + st.change_wait + ")")
                         + "; learners added on the way stay learners"});
}

void drive_change(replicator_ptr self) {
  auto& st = self->state;
  if (!st.leading || st.config_proposed)
    return;
  auto ctx = context_of(st);
  std::optional<change_step> step;
  if (st.change_target) {
    step = next_change_step(ctx, *st.change_target);
    if (step->what == change_step::kind::done) {
      st.w->log.info("configuration " + st.config.to_string()
                     + " is committed");
      finish_change(self, change_result::success());
      step.reset();
    }
  }
  // A leader that removed itself hands over once C_new is committed.
  if (step_down_if_removed(self))
    return;
  if (!step) {
    if (auto next = leave_joint(ctx))
      propose_config(self, *next);
    return;
  }
  // Entering a joint configuration: its voters that hold their state must
  // be able to elect (protocol/change_readiness.hpp). Holding it is known
  // only from a reply of this term: a follower not heard yet is assumed to
  // count for commits (it cannot acknowledge without answering), not here
  // (seed 10044 again: a new leader entered the joint configuration before
  // the recovering node 4 answered it).
  if (step->what == change_step::kind::propose && step->next.joint()) {
    node_set counting{st.w->config.self};
    for (auto& [id, fo] : st.followers)
      if (fo.heard && fo.counts)
        counting.insert(id);
    if (auto why = unelectable(step->next, counting))
      step = change_step{change_step::kind::wait, {}, std::move(*why)};
  }
  if (step->what == change_step::kind::propose) {
    propose_config(self, step->next);
  } else if (step->why != st.change_wait) {
    st.change_wait = step->why;
    st.w->log.info("membership change waits: " + step->why);
  }
}

} // namespace flexsync::detail
