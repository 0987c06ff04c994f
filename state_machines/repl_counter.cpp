#include "state_machines/repl_counter.hpp"

namespace flexsync {

caf::behavior repl_counter::make_behavior() {
  return {
    [this](set_atom, int64_t value) { return value_ = value; },
    [this](add_atom, int64_t delta) { return value_ += delta; },
    [this](sub_atom, int64_t delta) { return value_ -= delta; },
    [this](inc_atom) { return ++value_; },
  };
}

} // namespace flexsync
