#pragma once

// What repl_queue and repl_priority_queue share: an optionally bounded
// queue whose put/get/get-or-fallback go through the log, over a container
// that decides the order (std::deque: first in, first out; std::multiset:
// smallest first, equals in the order they were put).
//
// The bound travels in every put command (the caller's max_size), so nodes
// built with different bounds still apply the same decisions. An unbounded
// queue (max_size 0) is never full; PySyncObj's full() wrongly reports an
// empty unbounded queue as full.

#include <cstdint>
#include <deque>
#include <optional>
#include <set>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>

#include "state_machines/battery.hpp"

namespace flexsync::detail {

/// How a queue container adds an element and removes the next one.
template <class Container>
struct queue_order;

template <class T>
struct queue_order<std::deque<T>> {
  static void push(std::deque<T>& xs, T&& x) { xs.push_back(std::move(x)); }
  static T pop(std::deque<T>& xs) {
    T x = std::move(xs.front());
    xs.pop_front();
    return x;
  }
};

template <class T>
struct queue_order<std::multiset<T>> {
  static void push(std::multiset<T>& xs, T&& x) { xs.insert(std::move(x)); }
  static T pop(std::multiset<T>& xs) {
    return std::move(xs.extract(xs.begin()).value());
  }
};

template <class T, class Container>
class bounded_queue : public state_machine {
public:
  using value_type = T;
  using container_type = Container;

  using put_atom = caf::atom_constant<caf::atom("put")>;
  using get_atom = caf::atom_constant<caf::atom("get")>;
  using get_or_atom = caf::atom_constant<caf::atom("getor")>;

  /// `max_size` 0 means unbounded.
  explicit bounded_queue(size_t max_size = 0) : max_size_(max_size) {
    // nop
  }

  // -- replicated operations ---------------------------------------------------

  /// Adds `x` and yields true, or yields false and changes nothing when the
  /// queue is bounded and full.
  replicated_call<bool> put(const T& x) {
    return packed_call<bool>(*this, put_atom::value, x, uint64_t{max_size_});
  }

  /// Removes and yields the next element; empty when the queue is empty.
  replicated_call<std::optional<T>> get() {
    return packed_call<std::optional<T>>(*this, get_atom::value);
  }

  /// Removes and yields the next element, or yields `fallback` when empty.
  replicated_call<T> get(const T& fallback) {
    return packed_call<T>(*this, get_or_atom::value, fallback);
  }

  // -- local reads -------------------------------------------------------------

  size_t qsize() const { return size(); }

  size_t size() const {
    return read([this] { return data_.size(); });
  }

  bool empty() const { return size() == 0; }

  /// max_size > 0 and size >= max_size.
  bool full() const { return max_size_ > 0 && size() >= max_size_; }

  size_t max_size() const { return max_size_; }

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override {
    return {
      on_packed<put_atom, T, uint64_t>([this](T& x, uint64_t bound) {
        if (bound > 0 && data_.size() >= bound)
          return reply(false);
        queue_order<Container>::push(data_, std::move(x));
        return reply(true);
      }),
      on_packed<get_atom>([this] { return reply(take()); }),
      on_packed<get_or_atom, T>([this](T& fallback) {
        auto x = take();
        return reply(x ? std::move(*x) : std::move(fallback));
      }),
    };
  }

  caf::error save(caf::serializer& sink) override { return sink(data_); }

  caf::error load(caf::deserializer& source) override {
    return load_into(source, data_);
  }

protected:
  std::optional<T> take() {
    if (data_.empty())
      return std::nullopt;
    return queue_order<Container>::pop(data_);
  }

  size_t max_size_;
  Container data_;
};

} // namespace flexsync::detail
