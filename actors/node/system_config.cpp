#include "actors/node/system_config.hpp"

#include <algorithm>
#include <sstream>
#include <thread>

#include "actors/node/type_ids.hpp"

namespace flexsync {

system_config::system_config(size_t threads) {
  if (threads == 0)
    threads = std::max(2u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", threads);
  set("scheduler.max-throughput", 100);
  register_types(*this);
}

caf::error system_config::parse_command_line(int argc, char** argv) {
  std::istringstream no_ini;
  return parse(argc, argv, no_ini);
}

} // namespace flexsync
