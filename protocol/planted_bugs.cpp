#include "protocol/planted_bugs.hpp"

#include <atomic>

namespace flexsync {

std::optional<planted_bug> planted_bug_from(const std::string& name) {
  if (name == "figure8-commit")
    return planted_bug::figure8_commit;
  if (name == "forget-vote")
    return planted_bug::forget_vote;
  if (name == "skip-joint")
    return planted_bug::skip_joint;
  if (name == "read-index-unconfirmed")
    return planted_bug::read_index_unconfirmed;
  if (name == "commit-hint-unchecked")
    return planted_bug::commit_hint_unchecked;
  if (name == "owned-term-unchecked")
    return planted_bug::owned_term_unchecked;
  if (name == "lease-drift")
    return planted_bug::lease_drift;
  return std::nullopt;
}

#ifdef FLEXSYNC_PLANTED_BUGS

namespace {

std::atomic<planted_bug> current{planted_bug::none};

} // namespace

void plant(planted_bug b) {
  current.store(b);
}

bool planted(planted_bug b) {
  return current.load(std::memory_order_relaxed) == b;
}

#endif

} // namespace flexsync
