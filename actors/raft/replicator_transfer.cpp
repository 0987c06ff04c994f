// The leader's side of a leadership transfer (protocol/transfer.hpp holds
// the rules): it picks the target, holds new proposals (they wait in
// `buffered` and are not appended), brings the target's log up to its last
// entry, then sends it a timeout_now; the target campaigns at once and its
// vote request deposes this leader. The proposals it held go to the next
// leader as a follower forwards them. Past the bound (transfer_timeout, or
// the caller's deadline if shorter) the leader gives up and resumes.
//
// Invariants: at most one transfer at a time, never beside a membership
// change; every waiter is answered once: success after the hand-over,
// timeout at the bound, leader_changed when leadership was lost before the
// target was told.

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"
#include "protocol/transfer.hpp"
#include "protocol/votes.hpp"

namespace flexsync::detail {

namespace {

std::vector<transfer_candidate> candidates(replicator_ptr self,
                                           const placement_policy& p) {
  auto& st = self->state;
  auto now = self->clock().now().time_since_epoch();
  auto window = st.w->config.election_timeout_max;
  std::vector<transfer_candidate> out;
  for (auto& [id, fo] : st.followers)
    out.push_back({id, st.config.current.is_voter(id), fo.counts,
                   fo.heard && now - fo.last_reply <= window,
                   fo.prog.match_index()});
  rank_candidates(p, out);
  return out;
}

/// Starts a transfer to `target`, given up after `bound`.
void start_transfer(replicator_ptr self, const node_id& target,
                    caf::timespan bound) {
  auto& st = self->state;
  st.transfer = replicator_state::transfer_state{target, {}, false};
  self->delayed_send(self, bound, transfer_atom::value, ++st.transfer_timer);
  send_entries(self, target);
  advance_transfer(self);
}

void finish_transfer(replicator_ptr self, const change_result& result) {
  auto& st = self->state;
  for (auto& rp : st.transfer->waiters)
    if (rp.pending())
      rp.deliver(result);
  st.transfer.reset();
}

} // namespace

placement_policy current_placement(replicator_ptr self) {
  auto& st = self->state;
  auto p = st.w->config.placement;
  if (auto& q = st.config.current.quorum)
    for (auto& [x, z] : q->zone_of)
      p.zone.emplace(x, z);
  return p;
}

void on_transfer_request(replicator_ptr self, const change_request& req,
                         caf::response_promise rp) {
  auto& st = self->state;
  std::optional<node_id> wanted;
  if (!req.node.empty())
    wanted = req.node;
  if (st.transfer) {
    if (!wanted || *wanted == st.transfer->target)
      st.transfer->waiters.push_back(std::move(rp));
    else
      rp.deliver(change_result{fail_reason::change_in_progress,
                               "a transfer to " + st.transfer->target.name
                                 + " is in progress"});
    return;
  }
  if (st.change_target || st.config_proposed) {
    rp.deliver(change_result{fail_reason::change_in_progress,
                             "a membership change is in progress"});
    return;
  }
  auto choice = choose_transfer_target(
    st.w->config.self, candidates(self, current_placement(self)), wanted);
  if (!choice.target) {
    rp.deliver(choice.result);
    return;
  }
  st.w->log.info("handing leadership over to " + choice.target->name
                 + ": new proposals wait");
  auto bound = std::min(caf::timespan{static_cast<int64_t>(req.budget_ns)},
                        caf::timespan{st.w->config.transfer_timeout});
  start_transfer(self, *choice.target, bound);
  st.transfer->waiters.push_back(std::move(rp));
}

void count_workload(replicator_ptr self, const node_id& from, size_t n) {
  auto& st = self->state;
  auto& p = st.w->config.placement;
  if (!p.follow_workload)
    return;
  auto zone = p.zone_of(from);
  if (zone.empty())
    if (auto& q = st.config.current.quorum)
      if (auto i = q->zone_of.find(from); i != q->zone_of.end())
        zone = i->second;
  st.workload.add(zone, n);
}

void maybe_hand_over(replicator_ptr self) {
  auto& st = self->state;
  auto& cfg = st.w->config;
  auto now = self->clock().now();
  if (cfg.placement.follow_workload && now >= st.workload_window_end) {
    st.workload.close_window(cfg.placement.workload);
    st.workload_window_end = now + cfg.placement.workload_window;
  }
  if (!st.leading || st.transfer || st.change_target || st.config_proposed
      || !handover_due(cfg.placement, now, st.led_since, st.last_handover))
    return;
  auto p = effective_placement(current_placement(self), st.workload.dominant(),
                               cfg.self);
  auto target = automatic_handover(cfg.self, p, candidates(self, p),
                                   st.written_index,
                                   cfg.learner_promotion_lag);
  if (!target)
    return;
  st.last_handover = now;
  st.w->log.info("leader placement: handing leadership over to "
                 + target->name + " (zone '" + p.zone_of(*target)
                 + "', priority " + std::to_string(p.priority_of(*target))
                 + (st.workload.dominant()
                        && *st.workload.dominant() == p.zone_of(*target)
                      ? ", most commands come from its zone"
                      : "")
                 + "): new proposals wait");
  start_transfer(self, *target, caf::timespan{cfg.transfer_timeout});
}

void advance_transfer(replicator_ptr self) {
  auto& st = self->state;
  if (!st.leading || !st.transfer || st.transfer->told)
    return;
  auto i = st.followers.find(st.transfer->target);
  if (i == st.followers.end()
      || !transfer_ready(i->second.prog.match_index(), st.written_index))
    return;
  st.w->log.info(st.transfer->target.name
                 + " is up to date: telling it to campaign");
  st.transfer->told = true;
  give_up_lease(self);
  send_peer(self, *st.w, st.transfer->target,
            timeout_now{st.lead_term, st.w->config.self});
}

void on_transfer_deadline(replicator_ptr self, uint64_t timer) {
  auto& st = self->state;
  if (timer != st.transfer_timer || !st.transfer)
    return;
  auto target = st.transfer->target;
  st.w->log.warning("leadership transfer to " + target.name
                    + " gave up: still leading, proposals resume");
  finish_transfer(self, {fail_reason::timeout,
                         "the transfer to " + target.name
                           + (st.transfer->told
                                ? " was not completed in time (it did not win "
                                  "the election)"
                                : " was not completed in time (it did not "
                                  "catch up)")});
  schedule_flush(self);
}

void end_transfer_on_step_down(replicator_ptr self) {
  auto& st = self->state;
  if (!st.transfer)
    return;
  auto target = st.transfer->target;
  if (st.transfer->told)
    finish_transfer(self,
                    change_result::success("handed over to " + target.name));
  else
    finish_transfer(self, {fail_reason::leader_changed,
                           "leadership changed before the transfer to "
                             + target.name + " took place"});
  // The proposals held were never appended: the next leader takes them, as
  // from a follower that holds commands while no leader is known.
  for (auto& b : st.buffered)
    if (b.rp.pending()) {
      st.waiting_count += b.commands.size();
      st.waiting.push_back(std::move(b));
    }
  st.buffered.clear();
}

} // namespace flexsync::detail
