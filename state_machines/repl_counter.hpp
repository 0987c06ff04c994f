#pragma once

/// @class flexsync::repl_counter
/// A replicated 64-bit counter (PySyncObj's ReplCounter). Starts at 0.
///
/// @code
///   flexsync::repl_counter hits;
///   hits.set(42).get();     // 42
///   hits.add(10).get();     // 52
///   hits.inc().post();      // fire and forget
///   hits.get();             // local read
/// @endcode

#include <cstdint>

#include <caf/atom.hpp>

#include "state_machines/state_machine.hpp"

namespace flexsync {

class repl_counter : public state_machine {
public:
  /// Command atom of set().
  using set_atom = caf::atom_constant<caf::atom("set")>;
  /// Command atom of add().
  using add_atom = caf::atom_constant<caf::atom("add")>;
  /// Command atom of sub().
  using sub_atom = caf::atom_constant<caf::atom("sub")>;
  /// Command atom of inc().
  using inc_atom = caf::atom_constant<caf::atom("inc")>;

  /// Sets the value; yields it.
  replicated_call<int64_t> set(int64_t value) {
    return call<int64_t>(set_atom::value, value);
  }

  /// Adds `delta`; yields the new value.
  replicated_call<int64_t> add(int64_t delta) {
    return call<int64_t>(add_atom::value, delta);
  }

  /// Subtracts `delta`; yields the new value.
  replicated_call<int64_t> sub(int64_t delta) {
    return call<int64_t>(sub_atom::value, delta);
  }

  /// Adds one; yields the new value.
  replicated_call<int64_t> inc() { return call<int64_t>(inc_atom::value); }

  /// The value as of this node's last applied entry.
  int64_t get() const {
    return read([this] { return value_; });
  }

  caf::behavior make_behavior() override;

  caf::error save(caf::serializer& sink) override;
  caf::error load(caf::deserializer& source) override;

private:
  int64_t value_ = 0;
};

} // namespace flexsync
