#pragma once

// A history: the operations clients invoked, each with the interval of
// virtual time in which it was pending and what the client learned.
//
// Outcomes follow Jepsen: ok (took effect, output known), fail (definitely
// did not take effect; dropped before checking) and info (unknown: it may
// have taken effect at any point after its invocation, or never, and its
// output is unconstrained). An info op is checked as if it returned at
// +infinity.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scenarios/check/op.hpp"

namespace flexsync::check {

/// Virtual nanoseconds, as the simulator counts them.
using ticks = int64_t;

/// Where an info op's interval ends.
constexpr ticks infinite_time = std::numeric_limits<ticks>::max();

enum class outcome : uint8_t { ok, fail, info };

std::string to_string(outcome x);

struct operation {
  /// Who invoked it; only for reports (the checker needs no per-client order:
  /// a client's ops never overlap, so their intervals already order them).
  int64_t client = 0;
  /// The object it touched; models partition by it (P-compositionality).
  std::string key;
  op_input input;
  /// Ignored unless the outcome is ok.
  op_output output;
  ticks invoke_time = 0;
  /// Ignored for info ops, which are pending forever.
  ticks return_time = 0;
  outcome result = outcome::ok;
};

using history = std::vector<operation>;

/// The time the checker uses as the op's end: +infinity for an info op.
ticks effective_return_time(const operation& op);

/// Keeps every op except the failed ones, in order.
history drop_failed(const history& ops);

/// Asserts the history is well-formed: an ok op returns no earlier than it
/// was invoked.
void validate(const history& ops);

/// One line: "client 2  10..25  read() -> 5", "..." for an info op's end.
std::string describe(const operation& op);

/// One line per op, each indented by two spaces and ending in a newline.
std::string describe(const history& ops);

// Builders for tests and scenario drivers.

operation ok_op(int64_t client, ticks invoke, ticks ret, op_input input,
                op_output output = {});
operation info_op(int64_t client, ticks invoke, op_input input);
operation fail_op(int64_t client, ticks invoke, ticks ret, op_input input);

/// The same op on `key`.
operation on_key(std::string key, operation op);

} // namespace flexsync::check
