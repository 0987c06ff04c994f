#pragma once

// Classic Raft bugs that tests can plant, to show that the simulator's
// random runs find them (issue 15): a checker that never fails proves
// nothing. Compiled in only with the build option FLEXSYNC_PLANTED_BUGS
// (on when the tests are built, off for a library pulled in by a user's
// project); without it planted() is a constant false and each site
// compiles to the correct code alone. Nothing in the library plants a bug:
// only `flexsync-sim --plant NAME` does, before its runs start.

#include <optional>
#include <string>

namespace flexsync {

enum class planted_bug : unsigned char {
  none,
  /// The leader commits an entry of an earlier term by counting replicas
  /// (the situation of Raft's Figure 8, §5.4.2).
  figure8_commit,
  /// A restart forgets the vote of the current term (voted_for not
  /// persisted), so a node may vote twice in one term.
  forget_vote,
  /// A change of voters goes straight from C_old to C_new, without the
  /// joint configuration (thesis §4.3): majorities of the two can be
  /// disjoint, so two leaders can be elected in one term.
  skip_joint,
  /// The leader answers a read index without a confirmation round
  /// (protocol/read_index.hpp), so a deposed leader that does not know it
  /// yet serves stale reads.
  read_index_unconfirmed,
  /// A follower commits the leader's commit index from a heartbeat's hint
  /// without checking that it holds that entry with the leader's term
  /// (protocol/follower_rules.hpp, heartbeat_commit), so it may apply an
  /// entry a deposed leader left in its log.
  commit_hint_unchecked,
  /// With owned terms, campaigns take current_term + 1 and voters skip the
  /// ownership check (protocol/term_owner.hpp): two candidates may share a
  /// term, and disjoint election quorums elect two leaders in it.
  owned_term_unchecked,
  /// A lease lasts election_timeout_min from its round's send time,
  /// without the clock_drift_bound margin (protocol/read_index.hpp): a
  /// leader whose clock runs slower than its followers' keeps answering
  /// from its lease after they stopped ignoring candidates, so it serves
  /// stale reads while a new leader commits.
  lease_drift,
};

/// "figure8-commit", "forget-vote", "skip-joint",
/// "read-index-unconfirmed", "commit-hint-unchecked",
/// "owned-term-unchecked", "lease-drift"; nothing for an unknown name.
std::optional<planted_bug> planted_bug_from(const std::string& name);

#ifdef FLEXSYNC_PLANTED_BUGS

/// Plants `b` for the whole process (none: removes it). Call before any
/// node runs.
void plant(planted_bug b);

bool planted(planted_bug b);

#else

constexpr bool planted(planted_bug) {
  return false;
}

#endif

} // namespace flexsync
