#pragma once

/// @class flexsync::system_config
/// An actor_system_config ready for flexsync: every message type registered and
/// the scheduler set explicitly (CAF 0.17's defaults let one busy actor hold a
/// worker forever and start 4 threads on a 2-core machine).

#include <caf/actor_system_config.hpp>

namespace flexsync {

class system_config : public caf::actor_system_config {
public:
  /// `threads` = 0 uses the number of cores (at least 2).
  explicit system_config(size_t threads = 0);

  /// Parses the command line only: unlike actor_system_config::parse, never
  /// reads a caf-application.ini from the working directory.
  caf::error parse_command_line(int argc, char** argv);
};

} // namespace flexsync
