#pragma once

/// @class flexsync::repl_queue
/// A replicated FIFO queue (PySyncObj's ReplQueue), optionally bounded. T must
/// be inspectable.
///
/// @code
///   flexsync::repl_queue<int64_t> jobs{3};   // at most 3 elements
///   jobs.put(42).get();                      // true; false when full
///   jobs.get().get();                        // std::optional: 42
///   jobs.get(-1).get();                      // the front, or -1 when empty
/// @endcode
///
/// get() is replicated: it removes the front on every node. The bound
/// travels in every put command (see bounded_queue.hpp).

#include <deque>

#include "state_machines/bounded_queue.hpp"

namespace flexsync {

template <class T>
class repl_queue : public detail::bounded_queue<T, std::deque<T>> {
public:
  using detail::bounded_queue<T, std::deque<T>>::bounded_queue;

  /// A copy of the queue, front first.
  std::deque<T> raw_data() const {
    return this->read([this] { return this->data_; });
  }
};

} // namespace flexsync
