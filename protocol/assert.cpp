#include "protocol/assert.hpp"

#include <stdexcept>

namespace flexsync {

namespace {

thread_local assertion_observer observer;

} // namespace

assertion_observer set_assertion_observer(assertion_observer f) {
  std::swap(observer, f);
  return f;
}

} // namespace flexsync

namespace flexsync::detail {

void assertion_failed(const char* condition, const char* file, int line,
                      const std::string& what) {
  auto message = std::string{"assertion failed: "} + condition + " (" + file
                 + ":" + std::to_string(line) + "): " + what;
  if (observer)
    observer(message);
  throw std::logic_error(message);
}

} // namespace flexsync::detail
