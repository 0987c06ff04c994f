#pragma once

// A replicated FIFO queue (PySyncObj's ReplQueue), optionally bounded. T must
// be inspectable.
//
//   flexsync::repl_queue<int64_t> jobs{3};   // at most 3 elements
//   jobs.put(42).get();                      // true; false when full
//   jobs.get().get();                        // std::optional: 42
//   jobs.get(-1).get();                      // the front, or -1 when empty
//
// get() is replicated: it removes the front on every node.
//
// The bound travels in every put command (the caller's max_size), so nodes
// built with different bounds still apply the same decisions. An unbounded
// queue (max_size 0) is never full; PySyncObj's full() wrongly reports an
// empty unbounded queue as full.

#include <cstdint>
#include <deque>
#include <optional>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>

#include "state_machines/battery.hpp"

namespace flexsync {

template <class T>
class repl_queue : public state_machine {
public:
  using value_type = T;
  using container_type = std::deque<T>;

  using put_atom = caf::atom_constant<caf::atom("put")>;
  using get_atom = caf::atom_constant<caf::atom("get")>;
  using get_or_atom = caf::atom_constant<caf::atom("getor")>;

  /// `max_size` 0 means unbounded.
  explicit repl_queue(size_t max_size = 0) : max_size_(max_size) {
    // nop
  }

  // -- replicated operations ---------------------------------------------------

  /// Appends `x` and yields true, or yields false and changes nothing when
  /// the queue is bounded and full.
  replicated_call<bool> put(const T& x) {
    return detail::packed_call<bool>(*this, put_atom::value, x,
                                     uint64_t{max_size_});
  }

  /// Removes and yields the front; empty when the queue is empty.
  replicated_call<std::optional<T>> get() {
    return detail::packed_call<std::optional<T>>(*this, get_atom::value);
  }

  /// Removes and yields the front, or yields `fallback` when empty.
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

  /// A copy of the queue, front first.
  container_type raw_data() const {
    return read([this] { return data_; });
  }

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override {
    using detail::on_packed;
    return {
      on_packed<put_atom, T, uint64_t>([this](T& x, uint64_t bound) {
        if (bound > 0 && data_.size() >= bound)
          return detail::reply(false);
        data_.push_back(std::move(x));
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
    std::optional<T> result{std::move(data_.front())};
    data_.pop_front();
    return result;
  }

  size_t max_size_;
  container_type data_;
};

} // namespace flexsync
