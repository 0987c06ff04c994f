#pragma once

/// @class flexsync::repl_priority_queue
/// A replicated priority queue (PySyncObj's ReplPriorityQueue), optionally
/// bounded: get() yields the smallest element (a min-queue). T must be
/// inspectable and ordered by operator<.
///
/// Equal elements (neither < the other) leave in the order they were put, on
/// every node: the queue is a std::multiset, which inserts each element after
/// its equals and iterates them in that order; snapshots keep the order, since
/// they list the elements in iteration order and a load inserts them in turn.
///
/// @code
///   flexsync::repl_priority_queue<int64_t> pq;
///   pq.put(42).post();
///   pq.put(14).post();
///   pq.get().get();   // std::optional: 14
/// @endcode
///
/// The bound behaves as in repl_queue (see bounded_queue.hpp).

#include <set>
#include <vector>

#include "state_machines/bounded_queue.hpp"

namespace flexsync {

template <class T>
class repl_priority_queue : public detail::bounded_queue<T, std::multiset<T>> {
public:
  using detail::bounded_queue<T, std::multiset<T>>::bounded_queue;

  /// The elements in the order get() would yield them.
  std::vector<T> raw_data() const {
    return this->read([this] {
      return std::vector<T>(this->data_.begin(), this->data_.end());
    });
  }
};

} // namespace flexsync
