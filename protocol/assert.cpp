#include "protocol/assert.hpp"

#include <stdexcept>

namespace flexsync::detail {

void assertion_failed(const char* condition, const char* file, int line,
                      const std::string& what) {
  throw std::logic_error(std::string{"assertion failed: "} + condition + " ("
                         + file + ":" + std::to_string(line) + "): " + what);
}

} // namespace flexsync::detail
