#include "scenarios/check/minimize.hpp"

#include <algorithm>

#include "protocol/assert.hpp"
#include "scenarios/check/search.hpp"

namespace flexsync::check {

namespace {

class shrinker {
public:
  shrinker(const model& m, const history& ops, uint64_t max_steps)
    : model_(m), ops_(ops), max_steps_(max_steps), weakened_(ops.size()) {
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].result == outcome::ok)
        kept_.push_back(i);
  }

  bool violates(const std::vector<bool>& weakened) const {
    return linearize(model_, ops_, max_steps_, weakened).result
           == verdict::not_linearizable;
  }

  /// One pass over the kept ops in chunks of `chunk`, weakening each chunk
  /// whose weakening keeps the violation.
  void weaken_chunks(size_t chunk) {
    std::vector<size_t> still_kept;
    for (size_t i = 0; i < kept_.size(); i += chunk) {
      auto end = std::min(kept_.size(), i + chunk);
      for (auto k = i; k < end; ++k)
        weakened_[kept_[k]] = true;
      if (violates(weakened_))
        continue;
      for (auto k = i; k < end; ++k) {
        weakened_[kept_[k]] = false;
        still_kept.push_back(kept_[k]);
      }
    }
    kept_ = std::move(still_kept);
  }

  history result() const {
    history ops;
    for (auto i : kept_)
      ops.push_back(ops_[i]);
    return ops;
  }

  size_t kept() const { return kept_.size(); }

private:
  const model& model_;
  const history& ops_;
  uint64_t max_steps_;
  std::vector<bool> weakened_;
  /// Indices of the ok ops not weakened, ascending.
  std::vector<size_t> kept_;
};

} // namespace

history minimize(const model& m, const history& ops, uint64_t max_steps) {
  shrinker s{m, ops, max_steps};
  FLEXSYNC_ASSERT(s.violates({}),
                  "minimize needs a history that is not linearizable");
  for (auto chunk = s.kept() / 2; chunk > 1; chunk /= 2)
    s.weaken_chunks(chunk);
  // Monotone: an op that had to stay would still have to with more of the
  // others weakened, so one pass op by op ends 1-minimal.
  s.weaken_chunks(1);
  auto result = s.result();
  // Dropping weakened and info ops only restricts, so the ops left are a
  // violation on their own.
  FLEXSYNC_ASSERT(linearize(m, result, max_steps).result
                    != verdict::linearizable,
                  "the shrunk history became linearizable");
  return result;
}

} // namespace flexsync::check
