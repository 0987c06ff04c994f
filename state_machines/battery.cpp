#include "state_machines/battery.hpp"

#include <caf/actor_system_config.hpp>

namespace flexsync {

std::string to_string(battery_errc x) {
  switch (x) {
    case battery_errc::index_out_of_range:
      return "index_out_of_range";
    case battery_errc::key_not_found:
      return "key_not_found";
    case battery_errc::value_not_found:
      return "value_not_found";
    case battery_errc::empty_container:
      return "empty_container";
    case battery_errc::bad_arguments:
      return "bad_arguments";
  }
  return "battery_errc(" + std::to_string(static_cast<int>(x)) + ")";
}

caf::error make_error(battery_errc x) {
  return caf::error{static_cast<uint8_t>(x), battery_error_category};
}

std::optional<battery_errc> battery_code(const caf::error& err) {
  if (!err || err.category() != battery_error_category)
    return std::nullopt;
  return static_cast<battery_errc>(err.code());
}

battery_error::battery_error(battery_errc code)
  : std::out_of_range("flexsync battery: " + to_string(code)), code_(code) {
  // nop
}

void register_battery_errors(caf::actor_system_config& cfg) {
  cfg.add_error_category(battery_error_category,
                         [](uint8_t code, caf::atom_value,
                            const caf::message&) {
                           return "battery::"
                                  + to_string(static_cast<battery_errc>(code));
                         });
}

} // namespace flexsync
