#include "scenarios/check/minimize.hpp"

#include <algorithm>

#include "protocol/assert.hpp"
#include "scenarios/check/search.hpp"

namespace flexsync::check {

namespace {

bool violates(const model& m, const history& ops, uint64_t max_steps) {
  return linearize(m, ops, max_steps).result == verdict::not_linearizable;
}

history without(const history& ops, size_t first, size_t count) {
  history result(ops.begin(), ops.begin() + first);
  result.insert(result.end(), ops.begin() + first + count, ops.end());
  return result;
}

/// One pass removing chunks of `chunk` ops; returns whether any went.
bool remove_chunks(const model& m, history& ops, size_t chunk,
                   uint64_t max_steps) {
  bool removed = false;
  size_t i = 0;
  while (i < ops.size()) {
    auto count = std::min(chunk, ops.size() - i);
    auto candidate = without(ops, i, count);
    if (!candidate.empty() && violates(m, candidate, max_steps)) {
      ops = std::move(candidate);
      removed = true; // the next chunk now starts at i
    } else {
      i += count;
    }
  }
  return removed;
}

} // namespace

history minimize(const model& m, history ops, uint64_t max_steps) {
  FLEXSYNC_ASSERT(violates(m, ops, max_steps),
                  "minimize needs a history that is not linearizable");
  for (auto chunk = ops.size() / 2; chunk > 1; chunk /= 2)
    remove_chunks(m, ops, chunk, max_steps);
  // Removing one op can make another one removable, so repeat to a fixpoint.
  while (remove_chunks(m, ops, 1, max_steps)) {
    // nop
  }
  return ops;
}

} // namespace flexsync::check
