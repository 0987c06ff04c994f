#pragma once

// Shared by the battery tests: element types, bounded batteries that
// local_cluster can default-construct, a snapshot round trip, and a probe for
// the error a blocking call throws.

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <catch2/catch.hpp>

#include "state_machines/battery.hpp"
#include "state_machines/repl_priority_queue.hpp"
#include "state_machines/repl_queue.hpp"

namespace Catch {

template <>
struct StringMaker<flexsync::battery_errc> {
  static std::string convert(flexsync::battery_errc x) {
    return flexsync::to_string(x);
  }
};

} // namespace Catch

namespace flexsync::testing {

/// A queue bounded at 3, as in FEATURES.md's repl_queue_unit.
struct queue_of_3 : repl_queue<int64_t> {
  queue_of_3() : repl_queue<int64_t>(3) {}
};

/// A priority queue bounded at 3.
struct priority_queue_of_3 : repl_priority_queue<int64_t> {
  priority_queue_of_3() : repl_priority_queue<int64_t>(3) {}
};

/// A user-defined element: inspectable, ordered by priority only, so two
/// tasks can be equivalent (same priority) yet different (other name).
struct task {
  int32_t priority = 0;
  std::string name;

  friend bool operator<(const task& a, const task& b) {
    return a.priority < b.priority;
  }
  friend bool operator==(const task& a, const task& b) {
    return a.priority == b.priority && a.name == b.name;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task& x) {
  return f(x.priority, x.name);
}

/// Writes `from` with save() and reads it into `to` with load().
template <class From, class To>
caf::error snapshot_round_trip(From& from, To& to) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = from.save(sink))
    return err;
  caf::binary_deserializer source{nullptr, buf};
  if (auto err = to.load(source))
    return err;
  if (source.remaining() != 0)
    return make_error(battery_errc::bad_arguments);
  return caf::none;
}

/// The snapshot bytes of `x`.
template <class Object>
std::vector<char> snapshot_of(Object& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(x.save(sink));
  return buf;
}

/// The battery code of the apply_error that `f` throws; nothing when it
/// throws none.
template <class F>
std::optional<battery_errc> battery_error_of(F f) {
  try {
    f();
  } catch (const apply_error& e) {
    return battery_code(e.error());
  }
  return std::nullopt;
}

/// The code of the battery_error a local read `f` throws.
template <class F>
std::optional<battery_errc> read_error_of(F f) {
  try {
    f();
  } catch (const battery_error& e) {
    return e.code();
  }
  return std::nullopt;
}

} // namespace flexsync::testing
