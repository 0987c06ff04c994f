#pragma once

// Pure rules for a follower receiving append_entries (§5.3): the term check,
// the log-matching check, conflict truncation and the follower commit rule.

#include <cstddef>

#include "protocol/appends.hpp"
#include "protocol/log_view.hpp"

namespace flexsync {

/// What a follower must do with an append. The caller carries it out in this
/// order: persist `term` (if changed), truncate from `truncate_from` (if set),
/// append `entries[first_new..]`, make all of it durable, advance the commit
/// index to `commit_index`, then send `reply`.
struct append_decision {
  /// The follower's term afterwards (the leader's when it was newer).
  term_t term;
  /// Whether `term` differs from the follower's current term.
  bool term_changed = false;
  /// False when the append came from a stale term and must be ignored apart
  /// from the reply; such an append also proves no current leader.
  bool from_current_leader = false;
  /// First index to remove (entries >= it), or 0 for none.
  index_t truncate_from;
  /// Offset into the request's entries of the first entry to append; equal
  /// to the number of entries (nothing to append) unless the log matched.
  size_t first_new = 0;
  /// The follower's commit index afterwards (never lower than before).
  index_t commit_index;
  /// The answer for the leader.
  append_reply reply;
};

/// Decides how a follower handles `req`. `commit_index` is the follower's
/// current commit index; the rule never truncates at or below it (an attempt
/// is a safety violation and raises std::logic_error).
append_decision decide_append(const node_id& self, term_t current_term,
                              const log_view& log, index_t commit_index,
                              const append_entries& req);

} // namespace flexsync
