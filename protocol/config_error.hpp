#pragma once

#include <stdexcept>
#include <string>

namespace flexsync {

/// Thrown at construction when a configuration is invalid or unsafe. The
/// message names the offending option (or the two quorums that do not meet).
class config_error : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

} // namespace flexsync
