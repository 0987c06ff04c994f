#pragma once

// The models the checker ships with. Each one asserts on an op kind it does
// not know. All partition by key (the default), so a history of one object
// simply leaves the key empty.

#include "scenarios/check/model.hpp"

namespace flexsync::check {

/// A register holding an int64, initially 0: write, read, cas.
/// State: {value}.
class register_model : public deterministic_model {
public:
  std::string name() const override { return "register"; }
  model_state init() const override { return {0}; }
  std::optional<transition> apply(const model_state& state,
                                  const op_input& input) const override;
};

/// A counter, initially 0: add, fetch_add (answers the value before the
/// add), read. State: {value}.
class counter_model : public deterministic_model {
public:
  std::string name() const override { return "counter"; }
  model_state init() const override { return {0}; }
  std::optional<transition> apply(const model_state& state,
                                  const op_input& input) const override;
};

/// A dictionary: per key a register that may be missing (put, get, erase).
/// Partitioning by key leaves each part one such register.
/// State: {} when missing, {value} when present.
class dict_model : public deterministic_model {
public:
  std::string name() const override { return "dict"; }
  model_state init() const override { return {}; }
  std::optional<transition> apply(const model_state& state,
                                  const op_input& input) const override;
};

/// A set of int64, initially empty: add, remove, contains, read_all.
/// State: the elements, ascending.
class set_model : public deterministic_model {
public:
  std::string name() const override { return "set"; }
  model_state init() const override { return {}; }
  std::optional<transition> apply(const model_state& state,
                                  const op_input& input) const override;
};

/// A FIFO queue, initially empty: push, pop (nil when empty).
/// State: the elements, head first.
class queue_model : public deterministic_model {
public:
  std::string name() const override { return "queue"; }
  model_state init() const override { return {}; }
  std::optional<transition> apply(const model_state& state,
                                  const op_input& input) const override;
};

/// A non-reentrant lock, initially free: acquire (blocks until free),
/// release (false unless the owner holds it), try_acquire.
/// State: {} when free, {owner} when held.
class lock_model : public deterministic_model {
public:
  std::string name() const override { return "lock"; }
  model_state init() const override { return {}; }
  std::optional<transition> apply(const model_state& state,
                                  const op_input& input) const override;
};

} // namespace flexsync::check
