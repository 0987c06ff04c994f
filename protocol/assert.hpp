#pragma once

// Assertions that stay on in every build type (RelWithDebInfo defines
// NDEBUG, which compiles <cassert> out). A broken invariant is a bug: the
// check throws std::logic_error naming the condition and the place, which
// stops the actor that hit it (and, through its links, the node) instead of
// letting it continue on a lie.

#include <functional>
#include <string>

namespace flexsync {

/// Sees the message of every failed assertion in the calling thread, just
/// before it throws: the simulator records it as a violation naming the
/// seed and the step, even when the exception only stops an actor. Returns
/// the previous observer.
using assertion_observer = std::function<void(const std::string& message)>;
assertion_observer set_assertion_observer(assertion_observer f);

} // namespace flexsync

namespace flexsync::detail {

[[noreturn]] void assertion_failed(const char* condition, const char* file,
                                   int line, const std::string& what);

} // namespace flexsync::detail

/// Checks `condition`; `what` (a std::string expression) is evaluated only
/// when it fails.
#define FLEXSYNC_ASSERT(condition, what)                                       \
  do {                                                                         \
    if (!(condition))                                                          \
      ::flexsync::detail::assertion_failed(#condition, __FILE__, __LINE__,     \
                                           (what));                            \
  } while (false)
