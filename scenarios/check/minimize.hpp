#pragma once

// Shrinks a non-linearizable history to a small sub-history that is still
// not linearizable, removing whole ops only.
//
// Non-linearizability is not monotone under removal: dropping a write can
// make a read of its value impossible, dropping the read makes the rest
// fine. So the shrink is a search: first whole chunks (halving their size,
// as delta debugging does), then single ops until no single removal keeps
// the violation. The result is 1-minimal: every op in it is needed, though
// a smaller violating set made of other ops may exist.

#include <cstdint>

#include "scenarios/check/history.hpp"
#include "scenarios/check/model.hpp"

namespace flexsync::check {

/// `ops` must be one partition, not linearizable under `m`. A candidate the
/// search cannot decide within `max_steps` counts as linearizable, so the op
/// is kept and the result stays a proven violation.
history minimize(const model& m, history ops, uint64_t max_steps);

} // namespace flexsync::check
