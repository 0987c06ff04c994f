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
// to be linearized: the search succeeds as soon as every ok op is. A
// weakened op (below) is like an info op that returns at its own end: when
// the walk reaches its return unlinearized, it may instead never happen.

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
///
/// `weakened`, when not empty, has one flag per op: a flagged op may take
/// effect anywhere in its interval with any output, or not at all. That only
/// relaxes an ok op, so a history still not linearizable with some ops
/// weakened owes its violation to the others alone (see minimize.hpp).
search_result linearize(const model& m, const history& ops,
                        uint64_t max_steps,
                        const std::vector<bool>& weakened = {});

} // namespace flexsync::check
