#include "state_machines/repl_counter.hpp"

#include "state_machines/battery.hpp"

namespace flexsync {

caf::behavior repl_counter::make_behavior() {
  return {
    [this](set_atom, int64_t value) { return value_ = value; },
    [this](add_atom, int64_t delta) { return value_ += delta; },
    [this](sub_atom, int64_t delta) { return value_ -= delta; },
    [this](inc_atom) { return ++value_; },
  };
}

caf::error repl_counter::save(caf::serializer& sink) {
  return sink(value_);
}

caf::error repl_counter::load(caf::deserializer& source) {
  return detail::load_into(source, value_);
}

} // namespace flexsync
