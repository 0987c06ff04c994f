#include "protocol/readonly_rules.hpp"

#include "protocol/leader_tracker.hpp"

namespace flexsync {

hello_verdict admit_hello(const hello_facts& f) {
  // One connection per member pair: the greater address dials.
  if (f.member)
    return f.sender_greater ? hello_verdict::admit_member
                            : hello_verdict::dial_rule;
  // A non-member links only when it says it is read-only and this node
  // admits such nodes (or a test hook names it); it always dials.
  if ((f.learner && f.admit_learners) || f.hook_admits)
    return hello_verdict::admit_non_member;
  return hello_verdict::not_member;
}

const char* to_string(hello_verdict x) {
  switch (x) {
    case hello_verdict::admit_member:
      return "admit_member";
    case hello_verdict::admit_non_member:
      return "admit_non_member";
    case hello_verdict::dial_rule:
      return "dial_rule";
    default:
      return "not_member";
  }
}

bool outsider_reply_deposes(bool outsider, term_t reply_term, term_t node_term,
                            term_t lead_term) {
  return !outsider && reply_deposes(reply_term, node_term, lead_term);
}

} // namespace flexsync
