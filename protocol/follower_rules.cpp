#include "protocol/follower_rules.hpp"

#include <algorithm>

#include "protocol/assert.hpp"
#include "protocol/planted_bugs.hpp"
#include "protocol/term_owner.hpp"

namespace flexsync {

leader_contact decide_leader_contact(term_t current_term, term_t msg_term) {
  leader_contact d;
  d.from_current_leader = msg_term >= current_term;
  d.term = std::max(current_term, msg_term);
  d.term_changed = d.term != current_term;
  return d;
}

index_t follower_commit(index_t commit_index, index_t leader_commit,
                        index_t last_index) {
  return std::max(commit_index, std::min(leader_commit, last_index));
}

index_t heartbeat_commit(index_t commit_index, index_t verified,
                         index_t hint, term_t hint_term,
                         term_t own_term_at_hint, index_t last_index) {
  auto out = follower_commit(commit_index, verified, last_index);
  auto held = own_term_at_hint == hint_term
              || planted(planted_bug::commit_hint_unchecked);
  if (hint_term != term_t{0} && held && hint <= last_index)
    out = std::max(out, hint);
  return out;
}

campaign_decision decide_campaign(term_t current_term, const node_id& self,
                                  term_mode terms) {
  return {campaign_term(terms, self, current_term), self};
}

bool may_lead(term_t term, term_t current_term,
              const std::optional<node_id>& voted_for, const node_id& self) {
  return term == current_term && voted_for == self;
}

bool own_leadership(term_t request_term, term_t leader_term,
                    term_t current_term) {
  FLEXSYNC_ASSERT(leader_term <= current_term,
                  "led term " + to_string(leader_term) + " above current term "
                    + to_string(current_term));
  return request_term > term_t{0} && request_term == leader_term
         && request_term == current_term;
}

step_down_action decide_step_down(term_t term, term_t current_term,
                                  bool leading) {
  if (term > current_term)
    return step_down_action::adopt_newer_term;
  if (term == current_term && leading)
    return step_down_action::follow;
  return step_down_action::ignore;
}

} // namespace flexsync
