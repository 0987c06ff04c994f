#pragma once

// The Wing–Gong–Lowe search for one partition, with Lowe's memoization of
// (set of linearized ops, model state), as in Porcupine's checkSingle.
//
// The history becomes a time-ordered, doubly-linked list of call and return
// entries. The search walks it from the head: at a call whose op can step the
// model, it linearizes the op (lifts its call and return out of the list) and
// restarts at the head; at a return, the op it belongs to was not linearized
// before its own end, so the last choice is undone (unlifted) and the walk
// resumes after it. A configuration (linearized set, state) already reached
// is never explored twice: it leads to the same outcome.
//
// Info ops return at +infinity, after every ok op's return, and never have
// to be linearized: the search succeeds as soon as every ok op is.

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/check/history.hpp"
#include "scenarios/check/model.hpp"

namespace flexsync::check {

enum class verdict : uint8_t { linearizable, not_linearizable, unknown };

std::string to_string(verdict x);

struct search_result {
  verdict result = verdict::unknown;
  /// Search steps taken (entries visited); at most the budget.
  uint64_t steps = 0;
  /// When linearizable: indices into the history, in linearization order.
  /// An info op that never took effect is absent.
  std::vector<size_t> order;
};

/// Searches for a linearization of `ops` (no fail ops; one partition) under
/// `m`, giving up with `unknown` after `max_steps` steps.
search_result linearize(const model& m, const history& ops,
                        uint64_t max_steps);

} // namespace flexsync::check
