#pragma once

// A sequential specification, as Porcupine's Model: an initial state, a step
// that says whether an op with a given output may happen in a state (and what
// the state becomes), a partition of a history into independent parts, and
// descriptions for reports.
//
// A state is a vector of int64 so the checker can hash and compare it for
// memoization without knowing the model; each model documents its encoding
// and keeps it canonical (equal abstract states are equal vectors).

#include <optional>
#include <string>
#include <vector>

#include "scenarios/check/history.hpp"
#include "scenarios/check/op.hpp"

namespace flexsync::check {

using model_state = std::vector<int64_t>;

class model {
public:
  virtual ~model() = default;

  virtual std::string name() const = 0;

  virtual model_state init() const = 0;

  /// The state after `input` answered with `*output` in `state`, or nothing
  /// when that cannot happen. A null `output` means unknown (an info op):
  /// any answer is allowed, but the op must still be possible.
  virtual std::optional<model_state>
  step(const model_state& state, const op_input& input,
       const op_output* output) const = 0;

  /// Splits a history into parts that can be checked independently
  /// (P-compositionality). By default one part per key, in order of first
  /// appearance; ops keep their order within a part.
  virtual std::vector<history> partition(const history& ops) const;

  virtual std::string describe_state(const model_state& state) const;
};

/// A model whose ops have exactly one answer in each state, or cannot happen
/// at all (a blocking acquire on a held lock). Its step compares the answer
/// with the one the client saw.
class deterministic_model : public model {
public:
  struct transition {
    op_output output;
    model_state next;
  };

  /// What `input` answers in `state` and the state after it; nothing when
  /// the op cannot happen in `state`.
  virtual std::optional<transition> apply(const model_state& state,
                                          const op_input& input) const = 0;

  std::optional<model_state> step(const model_state& state,
                                  const op_input& input,
                                  const op_output* output) const final;
};

} // namespace flexsync::check
