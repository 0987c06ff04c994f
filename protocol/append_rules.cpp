#include "protocol/append_rules.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "protocol/assert.hpp"

namespace flexsync {

namespace {

// §5.3 fast backtracking: the first index this log holds for the term of the
// entry at `conflict`, so the leader skips the whole conflicting term at once.
index_t first_index_of_term_at(const log_view& log, index_t conflict,
                               index_t floor) {
  auto term = log.term_at(conflict);
  auto i = conflict;
  while (i > floor + 1 && log.term_at(i - 1) == term)
    i = i - 1;
  return i;
}

} // namespace

append_decision decide_append(const node_id& self, term_t current_term,
                              const log_view& log, index_t commit_index,
                              const append_entries& req) {
  append_decision d;
  d.first_new = req.entries.size();
  d.commit_index = commit_index;
  d.reply.follower = self;
  d.reply.last_log_index = log.last_index();
  if (req.term < current_term) {
    // §5.1: a stale leader; the reply tells it the newer term.
    d.term = current_term;
    d.reply.term = current_term;
    d.reply.index = req.prev_log_index;
    d.reply.hint = log.last_index() + 1;
    return d;
  }
  d.term = req.term;
  d.term_changed = req.term > current_term;
  d.from_current_leader = true;
  d.reply.term = req.term;
  auto prev = req.prev_log_index;
  auto snap = log.snapshot_index();
  auto last = log.last_index();
  if (prev > last) {
    // §5.3: the entry before the new ones is missing; retry after our end.
    d.reply.index = prev;
    d.reply.hint = last + 1;
    return d;
  }
  // Entries at or below the snapshot boundary are committed and therefore
  // match the leader's log; only compare terms above it.
  if (prev >= snap && log.term_at(prev) != req.prev_log_term) {
    // §5.3: the logs diverge at prev; never at or below the commit index,
    // which a correct leader's log always contains (Leader Completeness).
    FLEXSYNC_ASSERT(prev > commit_index,
                    "append from " + req.leader.name
                      + " conflicts with committed entry " + to_string(prev));
    d.reply.index = prev;
    d.reply.hint = first_index_of_term_at(log, prev, commit_index);
    return d;
  }
  // The logs match up to prev. Skip entries we already hold (a stale or
  // duplicated append must never truncate matching entries), truncate at the
  // first conflict, and append the rest.
  size_t k = 0;
  auto n = req.entries.size();
  for (; k < n; ++k) {
    auto idx = prev + (k + 1);
    if (idx <= snap)
      continue;
    if (idx > last)
      break;
    if (log.term_at(idx) != req.entries[k].term) {
      FLEXSYNC_ASSERT(idx > commit_index,
                      "append would truncate committed entry " + to_string(idx)
                        + " (commit index " + to_string(commit_index) + ")");
      d.truncate_from = idx;
      break;
    }
  }
  d.first_new = k;
  d.reply.success = true;
  d.reply.index = prev + n;
  // §5.3: commit up to the leader's commit index, but only as far as this
  // append proved our log equal to the leader's.
  d.commit_index = std::max(commit_index, std::min(req.leader_commit, prev + n));
  return d;
}

} // namespace flexsync
