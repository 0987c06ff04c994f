#include "protocol/admin.hpp"

namespace flexsync {

const char* to_string(admin_refusal x) {
  switch (x) {
    case admin_refusal::authentication_required:
      return "authentication required";
    case admin_refusal::wrong_password:
      return "wrong password";
    case admin_refusal::not_supported:
      return "not supported";
    case admin_refusal::busy:
      return "busy";
    default:
      return "bad request";
  }
}

void judge_health(admin_health_reply& x) {
  std::string problems;
  auto add = [&](const std::string& p) {
    if (!problems.empty())
      problems += "; ";
    problems += p;
  };
  if (!x.running)
    add("the node is stopped");
  if (x.leader.empty())
    add("no leader known");
  if (!x.has_quorum)
    add("no quorum");
  if (!x.ready)
    add("not caught up with a leader yet");
  if (x.member != "intact")
    add("lost its Raft state (" + x.member + "), counts in no quorum");
  if (x.commit_lag_known && x.commit_lag > x.max_lag)
    add("commit index " + std::to_string(x.commit_lag)
        + " entries behind the leader's");
  if (x.apply_lag > x.max_lag)
    add(std::to_string(x.apply_lag) + " committed entries not applied");
  x.healthy = problems.empty();
  x.problems = std::move(problems);
}

} // namespace flexsync
