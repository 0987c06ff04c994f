#pragma once

// A replicated priority queue (PySyncObj's ReplPriorityQueue), optionally
// bounded: get() yields the smallest element (a min-queue). T must be
// inspectable and ordered by operator<.
//
// Equal elements (neither < the other) leave in the order they were put, on
// every node: the queue is a std::multiset, which inserts each element after
// its equals and iterates them in that order; snapshots keep the order, since
// they list the elements in iteration order and a load inserts them in turn.
//
//   flexsync::repl_priority_queue<int64_t> pq;
//   pq.put(42).post();
//   pq.put(14).post();
//   pq.get().get();   // std::optional: 14
//
// The bound behaves as in repl_queue, and travels in every put command.

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>

#include "state_machines/battery.hpp"

namespace flexsync {

template <class T>
class repl_priority_queue : public state_machine {
public:
  using value_type = T;
  using container_type = std::multiset<T>;

  using put_atom = caf::atom_constant<caf::atom("put")>;
  using get_atom = caf::atom_constant<caf::atom("get")>;
  using get_or_atom = caf::atom_constant<caf::atom("getor")>;

  /// `max_size` 0 means unbounded.
  explicit repl_priority_queue(size_t max_size = 0) : max_size_(max_size) {
    // nop
  }

  // -- replicated operations ---------------------------------------------------

  /// Inserts `x` and yields true, or yields false and changes nothing when
  /// the queue is bounded and full.
  replicated_call<bool> put(const T& x) {
    return detail::packed_call<bool>(*this, put_atom::value, x,
                                     uint64_t{max_size_});
  }

  /// Removes and yields the smallest element; empty when the queue is empty.
  replicated_call<std::optional<T>> get() {
    return detail::packed_call<std::optional<T>>(*this, get_atom::value);
  }

  /// Removes and yields the smallest element, or `fallback` when empty.
  replicated_call<T> get(const T& fallback) {
    return detail::packed_call<T>(*this, get_or_atom::value, fallback);
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

  /// The elements in the order get() would yield them.
  std::vector<T> raw_data() const {
    return read([this] { return std::vector<T>(data_.begin(), data_.end()); });
  }

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override {
    using detail::on_packed;
    return {
      on_packed<put_atom, T, uint64_t>([this](T& x, uint64_t bound) {
        if (bound > 0 && data_.size() >= bound)
          return detail::reply(false);
        data_.insert(std::move(x));
        return detail::reply(true);
      }),
      on_packed<get_atom>([this] { return detail::reply(take()); }),
      on_packed<get_or_atom, T>([this](T& fallback) {
        auto x = take();
        return detail::reply(x ? std::move(*x) : std::move(fallback));
      }),
    };
  }

  caf::error save(caf::serializer& sink) override { return sink(data_); }

  caf::error load(caf::deserializer& source) override {
    return detail::load_into(source, data_);
  }

private:
  std::optional<T> take() {
    if (data_.empty())
      return std::nullopt;
    auto node = data_.extract(data_.begin());
    return std::optional<T>{std::move(node.value())};
  }

  size_t max_size_;
  container_type data_;
};

} // namespace flexsync
