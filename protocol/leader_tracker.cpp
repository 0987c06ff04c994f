#include "protocol/leader_tracker.hpp"

namespace flexsync {

reply_effect accept_reply(tracked_follower& f, incarnation_t incarnation,
                          std::optional<bool> counts, sim_time now,
                          index_t leader_last, size_t max_inflight) {
  if (incarnation < f.incarnation)
    return reply_effect::stale;
  auto effect = reply_effect::accepted;
  if (incarnation > f.incarnation) {
    if (f.incarnation > incarnation_t{0}) {
      f.prog = progress{leader_last, max_inflight};
      effect = reply_effect::restarted;
    }
    f.incarnation = incarnation;
  }
  if (counts)
    f.counts = *counts;
  f.last_reply = now;
  f.heard = true;
  return effect;
}

bool reply_deposes(term_t reply_term, term_t node_term, term_t lead_term) {
  return reply_term > node_term && reply_term > lead_term;
}

} // namespace flexsync
