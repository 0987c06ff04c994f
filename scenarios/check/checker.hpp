#pragma once

// The linearizability checker's entry point: drops fail ops, splits the
// history with the model's partition (P-compositionality: a history is
// linearizable iff each part is), searches each part within a step budget
// and, for each part that is not linearizable, shrinks it to a minimal
// failing sub-history for the report.
//
// Verdict of the whole: not linearizable if any part is (that is a proof,
// whatever the others say); otherwise unknown if any part ran out of budget;
// otherwise linearizable.

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/check/history.hpp"
#include "scenarios/check/model.hpp"
#include "scenarios/check/search.hpp"

namespace flexsync::check {

struct check_options {
  /// Search steps allowed for each part, and for each candidate the shrink
  /// tries; bounds time, and memory (one cached configuration per step).
  uint64_t max_steps_per_partition = 1'000'000;
  /// Whether to shrink failing parts; off, the report lists them whole.
  bool minimize = true;
};

struct partition_report {
  /// The key of the part's first op (the part's key, for by-key partitions).
  std::string key;
  verdict result = verdict::unknown;
  size_t operations = 0;
  uint64_t steps = 0;
  /// When not linearizable: a minimal set of its ok ops that cannot all be
  /// as recorded, whatever the others did (see minimize.hpp); the whole
  /// part when minimizing is off.
  history violation;
};

struct check_result {
  verdict result = verdict::linearizable;
  /// Every part, in the order the model's partition gave them.
  std::vector<partition_report> partitions;
  /// The search steps of all parts, the shrink's not counted.
  uint64_t steps = 0;

  /// The failing parts, each with its minimal sub-history one op per line,
  /// and the undecided ones; a one-line summary when linearizable.
  std::string describe(const model& m) const;
};

check_result check_history(const model& m, const history& ops,
                           const check_options& options = {});

} // namespace flexsync::check
