#pragma once

// The vocabulary of operations the models understand: one enum of kinds
// shared by all models, the input (kind and up to two integer arguments) and
// the output a client saw. A model asserts on a kind it does not know, so a
// history meant for another model is a loud bug, not a silent violation.
//
// Values are int64 throughout (register values, counter deltas, set and
// queue elements, lock owners): every model state is then a vector of int64,
// which keeps the checker's memoization cheap to hash and compare.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flexsync::check {

enum class op_kind : uint8_t {
  // register
  write,       // write(v)
  read,        // read() -> v
  cas,         // cas(expected, desired) -> swapped?
  // counter
  add,         // add(d); also the set's add(e)
  fetch_add,   // fetch_add(d) -> value before the add
  // dict (one register per key; a missing key reads as nil)
  put,         // put(v)
  get,         // get() -> v or nil
  erase,       // erase(): the key becomes missing
  // set
  remove,      // remove(e)
  contains,    // contains(e) -> present?
  read_all,    // read_all() -> every element, ascending
  // queue
  push,        // push(v) at the tail
  pop,         // pop() -> head, or nil when empty
  // lock
  acquire,     // acquire(owner): blocks until free, then holds
  release,     // release(owner) -> was owner the holder?
  try_acquire, // try_acquire(owner) -> acquired?
};

/// What a kind's answer looks like; it decides how an output is printed.
enum class result_shape : uint8_t {
  nothing, // just "ok"
  value,   // one value, or nil
  flag,    // true / false
  values,  // a sorted list of values
};

std::string to_string(op_kind kind);

/// How many of op_input's arguments the kind uses (0, 1 or 2).
int arity(op_kind kind);

result_shape shape(op_kind kind);

/// A call as the client issued it.
struct op_input {
  op_kind kind = op_kind::read;
  /// First argument: the value, delta, element or owner.
  int64_t arg = 0;
  /// Second argument: only cas's desired value.
  int64_t arg2 = 0;

  bool operator==(const op_input&) const = default;
};

/// The answer a client saw. An op with nothing to answer has an empty one.
struct op_output {
  /// The value answered; a flag is 0 or 1; nil (absent) for a missing key
  /// or an empty queue.
  std::optional<int64_t> value;
  /// read_all's elements, ascending.
  std::vector<int64_t> values;

  bool operator==(const op_output&) const = default;
};

/// "read() -> 5" style, using the kind's arity and result shape.
std::string describe(const op_input& input);
std::string describe(op_kind kind, const op_output& output);

// Builders, so that a test reads like the history it describes.

op_input write(int64_t v);
op_input read();
op_input cas(int64_t expected, int64_t desired);
op_input add(int64_t d);
op_input fetch_add(int64_t d);
op_input put(int64_t v);
op_input get();
op_input erase();
op_input remove(int64_t e);
op_input contains(int64_t e);
op_input read_all();
op_input push(int64_t v);
op_input pop();
op_input acquire(int64_t owner);
op_input release(int64_t owner);
op_input try_acquire(int64_t owner);

op_output returns(int64_t v);
op_output returns_nil();
op_output returns_flag(bool b);
op_output returns_values(std::vector<int64_t> vs);

} // namespace flexsync::check
