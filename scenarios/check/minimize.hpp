#pragma once

// Shrinks a non-linearizable history to a small set of ok ops that cannot
// all be as recorded, whatever the other ops did.
//
// Plainly deleting ops does not work: non-linearizability is not monotone
// under deletion. Delete the put(2) before a stale get() -> 2 and the get
// alone is still a violation, but now "nobody wrote 2", which is not what
// went wrong. So instead of deleting an ok op, the shrink weakens it: it may
// take effect anywhere in its interval with any output, or not at all. That
// only relaxes the history, so if the weakened history is still not
// linearizable, the remaining ok ops force the violation by themselves, and
// weakening more can only make it linearizable sooner (the property is
// monotone). Greedy weakening, first in chunks (halving their size, as delta
// debugging does), then op by op, ends 1-minimal: weakening any op left
// would make the history linearizable.

#include <cstdint>

#include "scenarios/check/history.hpp"
#include "scenarios/check/model.hpp"

namespace flexsync::check {

/// `ops` must be one partition, not linearizable under `m`. Returns the ok
/// ops that stay unweakened, in order; info ops never are. A candidate the
/// search cannot decide within `max_steps` counts as linearizable, so that
/// op is kept and the result stays a proven violation.
history minimize(const model& m, const history& ops, uint64_t max_steps);

} // namespace flexsync::check
