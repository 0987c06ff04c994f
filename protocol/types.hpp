#pragma once

// Strong types for the numbers Raft must never mix up, and the node identity.
// CAF-free: the inspect() overloads below only call the inspector, so CAF can
// serialize these types without protocol/ including a CAF header.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace flexsync {

/// A 64-bit number that only compares and adds with its own kind.
template <class Tag>
struct strong_number {
  /// The number.
  uint64_t value = 0;

  constexpr strong_number() = default;
  /// The number `x`.
  constexpr explicit strong_number(uint64_t x) : value(x) {}

  /// Compares the numbers.
  constexpr auto operator<=>(const strong_number&) const = default;

  /// The number `n` higher.
  constexpr strong_number operator+(uint64_t n) const {
    return strong_number{value + n};
  }
  /// The number `n` lower (no check for underflow).
  constexpr strong_number operator-(uint64_t n) const {
    return strong_number{value - n};
  }
  /// Distance between two positions of the same kind.
  constexpr uint64_t operator-(strong_number other) const {
    return value - other.value;
  }
  /// Moves to the next number.
  constexpr strong_number& operator++() {
    ++value;
    return *this;
  }
};

/// CAF serialization: the number.
template <class Inspector, class Tag>
typename Inspector::result_type inspect(Inspector& f, strong_number<Tag>& x) {
  return f(x.value);
}

/// Prints the number.
template <class Tag>
std::ostream& operator<<(std::ostream& out, strong_number<Tag> x) {
  return out << x.value;
}

/// The number in decimal.
template <class Tag>
std::string to_string(strong_number<Tag> x) {
  return std::to_string(x.value);
}

/// A Raft term (§5.1): a logical clock that only moves forward.
using term_t = strong_number<struct term_tag>;

/// A position in the replicated log; the first entry has index 1, index 0
/// means "before the first entry".
using index_t = strong_number<struct index_tag>;

/// Names one node of a cluster. In real clusters it is the node's "host:port"
/// address; in the simulator it is a short name such as "1".
struct node_id {
  /// The name: "host:port" in real clusters.
  std::string name;

  node_id() = default;
  /// The node named `x`.
  explicit node_id(std::string x) : name(std::move(x)) {}

  /// Whether this names no node.
  bool empty() const { return name.empty(); }
  /// Compares by name.
  auto operator<=>(const node_id&) const = default;
};

/// CAF serialization: the name.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_id& x) {
  return f(x.name);
}

/// Prints the name.
inline std::ostream& operator<<(std::ostream& out, const node_id& x) {
  return out << x.name;
}

/// The name.
inline const std::string& to_string(const node_id& x) { return x.name; }

/// The role of a node in the current term (§5.1). The numeric values are the
/// ones PySyncObj reports in its status.
enum class raft_role : uint8_t { follower = 0, candidate = 1, leader = 2 };

/// The role's name ("follower", "candidate", "leader").
const char* to_string(raft_role x);

} // namespace flexsync

// Hidden from Doxygen, which cannot place a specialization of std::hash
// without its STL support (an "internal inconsistency" warning).
/// @cond
/// Hashes a node_id by its name, for unordered containers.
template <>
struct std::hash<flexsync::node_id> {
  /// The hash of `x`'s name.
  size_t operator()(const flexsync::node_id& x) const noexcept {
    return std::hash<std::string>{}(x.name);
  }
};
/// @endcond
