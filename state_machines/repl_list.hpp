#pragma once

/// @class flexsync::repl_list
/// A replicated list (PySyncObj's ReplList): a std::vector<T> whose mutations
/// go through the log. T must be inspectable, equality-comparable (remove,
/// index, count) and ordered by operator< (sort).
///
/// Positions are signed; a negative one counts from the end (-1 is the last
/// element). Out-of-range positions are errors (index_out_of_range), except
/// for insert(), which clamps them to the ends as Python does.
///
/// @code
///   flexsync::repl_list<int64_t> xs;
///   xs.reset({1, 2, 3}).get();
///   xs.append(42).post();
///   auto last = xs.pop().get();   // 42; pop() on an empty list throws apply_error
///   xs.get(-1);                   // local read: 3
/// @endcode
///
/// set_item() is PySyncObj's version-1 alias of set(). Code versions come with
/// a later issue; until then it is an ordinary command of its own (its own
/// atom, so it can be versioned later without changing set()).

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <vector>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>

#include "state_machines/battery.hpp"

namespace flexsync {

template <class T>
class repl_list : public state_machine {
public:
  /// The element type T.
  using value_type = T;
  /// What whole-list operations take and give (reset, extend, raw_data).
  using container_type = std::vector<T>;

  /// Command atom of reset().
  using reset_atom = caf::atom_constant<caf::atom("reset")>;
  /// Command atom of set().
  using set_atom = caf::atom_constant<caf::atom("set")>;
  /// Command atom of set_item().
  using set_item_atom = caf::atom_constant<caf::atom("setitem")>;
  /// Command atom of append().
  using append_atom = caf::atom_constant<caf::atom("append")>;
  /// Command atom of extend().
  using extend_atom = caf::atom_constant<caf::atom("extend")>;
  /// Command atom of insert().
  using insert_atom = caf::atom_constant<caf::atom("insert")>;
  /// Command atom of remove().
  using remove_atom = caf::atom_constant<caf::atom("remove")>;
  /// Command atom of pop().
  using pop_atom = caf::atom_constant<caf::atom("pop")>;
  /// Command atom of pop(pos).
  using pop_at_atom = caf::atom_constant<caf::atom("popat")>;
  /// Command atom of sort().
  using sort_atom = caf::atom_constant<caf::atom("sort")>;

  // -- replicated operations ---------------------------------------------------

  /// Replaces the whole list.
  replicated_call<void> reset(const container_type& xs) {
    return detail::packed_call<void>(*this, reset_atom::value, xs);
  }

  /// Overwrites the element at `pos`; index_out_of_range if there is none.
  replicated_call<void> set(int64_t pos, const T& value) {
    return detail::packed_call<void>(*this, set_atom::value, pos, value);
  }

  /// Same as set() (PySyncObj's __setitem__; see the file comment).
  replicated_call<void> set_item(int64_t pos, const T& value) {
    return detail::packed_call<void>(*this, set_item_atom::value, pos, value);
  }

  /// Appends `x`.
  replicated_call<void> append(const T& x) {
    return detail::packed_call<void>(*this, append_atom::value, x);
  }

  /// Appends every element of `xs`, in order.
  replicated_call<void> extend(const container_type& xs) {
    return detail::packed_call<void>(*this, extend_atom::value, xs);
  }

  /// Appends every element of `xs`, in order.
  replicated_call<void> extend(std::initializer_list<T> xs) {
    return extend(container_type{xs});
  }

  /// Appends every element of any input range.
  template <class Range>
  replicated_call<void> extend(const Range& xs) {
    return extend(container_type(std::begin(xs), std::end(xs)));
  }

  /// Inserts `x` before `pos`; positions past either end are clamped.
  replicated_call<void> insert(int64_t pos, const T& x) {
    return detail::packed_call<void>(*this, insert_atom::value, pos, x);
  }

  /// Removes the first element equal to `x`; value_not_found if none.
  replicated_call<void> remove(const T& x) {
    return detail::packed_call<void>(*this, remove_atom::value, x);
  }

  /// Removes and yields the last element; index_out_of_range when empty.
  replicated_call<T> pop() {
    return detail::packed_call<T>(*this, pop_atom::value);
  }

  /// Removes and yields the element at `pos`; index_out_of_range if none.
  replicated_call<T> pop(int64_t pos) {
    return detail::packed_call<T>(*this, pop_at_atom::value, pos);
  }

  /// Sorts ascending, or descending with `reverse`; stable both ways (equal
  /// elements keep their order, as in Python).
  replicated_call<void> sort(bool reverse = false) {
    return detail::packed_call<void>(*this, sort_atom::value, reverse);
  }

  // -- local reads -------------------------------------------------------------

  /// Position of the first element equal to `x`.
  /// @throws battery_error(value_not_found).
  int64_t index(const T& x) const {
    return read([&] {
      auto i = std::find(data_.begin(), data_.end(), x);
      if (i == data_.end())
        throw battery_error(battery_errc::value_not_found);
      return static_cast<int64_t>(i - data_.begin());
    });
  }

  /// Number of elements equal to `x`.
  size_t count(const T& x) const {
    return read([&] {
      return static_cast<size_t>(std::count(data_.begin(), data_.end(), x));
    });
  }

  /// The element at `pos` (negative counts from the end).
  /// @throws battery_error(index_out_of_range).
  T get(int64_t pos) const {
    return read([&] {
      auto i = detail::position(pos, data_.size());
      if (!i)
        throw battery_error(battery_errc::index_out_of_range);
      return data_[*i];
    });
  }

  /// Same as get(pos): a copy, since the list may change after the read.
  T operator[](int64_t pos) const { return get(pos); }

  /// Number of elements.
  size_t size() const {
    return read([this] { return data_.size(); });
  }

  /// A copy of the whole list.
  container_type raw_data() const {
    return read([this] { return data_; });
  }

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override {
    using detail::on_packed;
    return {
      on_packed<reset_atom, container_type>([this](container_type& xs) {
        data_ = std::move(xs);
        return detail::reply_void();
      }),
      on_packed<set_atom, int64_t, T>(
        [this](int64_t pos, T& v) { return assign(pos, v); }),
      on_packed<set_item_atom, int64_t, T>(
        [this](int64_t pos, T& v) { return assign(pos, v); }),
      on_packed<append_atom, T>([this](T& x) {
        data_.push_back(std::move(x));
        return detail::reply_void();
      }),
      on_packed<extend_atom, container_type>([this](container_type& xs) {
        data_.insert(data_.end(), std::make_move_iterator(xs.begin()),
                     std::make_move_iterator(xs.end()));
        return detail::reply_void();
      }),
      on_packed<insert_atom, int64_t, T>([this](int64_t pos, T& x) {
        auto i = detail::clamped_position(pos, data_.size());
        data_.insert(data_.begin() + static_cast<ptrdiff_t>(i), std::move(x));
        return detail::reply_void();
      }),
      on_packed<remove_atom, T>([this](T& x) {
        auto i = std::find(data_.begin(), data_.end(), x);
        if (i == data_.end())
          return detail::reply_error(battery_errc::value_not_found);
        data_.erase(i);
        return detail::reply_void();
      }),
      on_packed<pop_atom>([this] { return take(-1); }),
      on_packed<pop_at_atom, int64_t>([this](int64_t pos) { return take(pos); }),
      on_packed<sort_atom, bool>([this](bool reverse) {
        if (reverse)
          std::stable_sort(data_.begin(), data_.end(),
                           [](const T& a, const T& b) { return b < a; });
        else
          std::stable_sort(data_.begin(), data_.end());
        return detail::reply_void();
      }),
    };
  }

  caf::error save(caf::serializer& sink) override { return sink(data_); }

  caf::error load(caf::deserializer& source) override {
    return detail::load_into(source, data_);
  }

private:
  caf::message assign(int64_t pos, T& v) {
    auto i = detail::position(pos, data_.size());
    if (!i)
      return detail::reply_error(battery_errc::index_out_of_range);
    data_[*i] = std::move(v);
    return detail::reply_void();
  }

  caf::message take(int64_t pos) {
    auto i = detail::position(pos, data_.size());
    if (!i)
      return detail::reply_error(battery_errc::index_out_of_range);
    auto result = std::move(data_[*i]);
    data_.erase(data_.begin() + static_cast<ptrdiff_t>(*i));
    return detail::reply(std::move(result));
  }

  container_type data_;
};

} // namespace flexsync
