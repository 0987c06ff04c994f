#pragma once

/// @class flexsync::repl_set
/// A replicated set (PySyncObj's ReplSet): an ordered set whose mutations go
/// through the log. T must be inspectable and ordered by operator<. Storage
/// is compact, as repl_dict's (sorted_map.hpp, compact_string.hpp); the API
/// trades in T and std::set<T>, and snapshots have std::set<T>'s format.
///
/// pop() removes the smallest element, so it removes the same element on
/// every node (Python's set.pop() removes an arbitrary one, which differs
/// between processes).
///
/// @code
///   flexsync::repl_set<std::string> tags;
///   tags.add("x").post();
///   tags.remove("y").get();   // throws apply_error(key_not_found)
///   tags.contains("x");       // local read
/// @endcode

#include <initializer_list>
#include <iterator>
#include <set>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>

#include "state_machines/battery.hpp"
#include "state_machines/compact_string.hpp"
#include "state_machines/sorted_map.hpp"

namespace flexsync {

template <class T>
class repl_set : public state_machine {
public:
  /// The element type T.
  using value_type = T;
  /// What whole-set operations take and give (reset, update, raw_data).
  using container_type = std::set<T>;

  /// Command atom of reset().
  using reset_atom = caf::atom_constant<caf::atom("reset")>;
  /// Command atom of add().
  using add_atom = caf::atom_constant<caf::atom("add")>;
  /// Command atom of remove().
  using remove_atom = caf::atom_constant<caf::atom("remove")>;
  /// Command atom of discard().
  using discard_atom = caf::atom_constant<caf::atom("discard")>;
  /// Command atom of pop().
  using pop_atom = caf::atom_constant<caf::atom("pop")>;
  /// Command atom of clear().
  using clear_atom = caf::atom_constant<caf::atom("clear")>;
  /// Command atom of update().
  using update_atom = caf::atom_constant<caf::atom("update")>;

  // -- replicated operations ---------------------------------------------------

  /// Replaces the whole set.
  replicated_call<void> reset(const container_type& xs) {
    return detail::packed_call<void>(*this, reset_atom::value, xs);
  }

  /// Adds `x`; no-op if present.
  replicated_call<void> add(const T& x) {
    return detail::packed_call<void>(*this, add_atom::value, x);
  }

  /// Removes `x`; key_not_found if absent.
  replicated_call<void> remove(const T& x) {
    return detail::packed_call<void>(*this, remove_atom::value, x);
  }

  /// Removes `x` if present; never an error.
  replicated_call<void> discard(const T& x) {
    return detail::packed_call<void>(*this, discard_atom::value, x);
  }

  /// Removes and yields the smallest element; empty_container when empty.
  replicated_call<T> pop() {
    return detail::packed_call<T>(*this, pop_atom::value);
  }

  /// Removes every element.
  replicated_call<void> clear() {
    return detail::packed_call<void>(*this, clear_atom::value);
  }

  /// Adds every element of `xs` (union).
  replicated_call<void> update(const container_type& xs) {
    return detail::packed_call<void>(*this, update_atom::value, xs);
  }

  /// Adds every element of `xs` (union).
  replicated_call<void> update(std::initializer_list<T> xs) {
    return update(container_type{xs});
  }

  /// Adds every element of any input range.
  template <class Range>
  replicated_call<void> update(const Range& xs) {
    return update(container_type(std::begin(xs), std::end(xs)));
  }

  // -- local reads -------------------------------------------------------------

  /// A copy of the whole set.
  container_type raw_data() const {
    return read([this] {
      container_type result;
      for (auto& x : data_)
        result.emplace_hint(result.end(), traits::load(x.first));
      return result;
    });
  }

  /// Number of elements.
  size_t size() const {
    return read([this] { return data_.size(); });
  }

  /// Whether `x` is present.
  bool contains(const T& x) const {
    return read([&] { return data_.contains(traits::view(x)); });
  }

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override {
    using detail::on_packed;
    using detail::reply_void;
    return {
      on_packed<reset_atom, container_type>([this](container_type& xs) {
        data_.clear();
        for (auto& x : xs)
          data_.push_back_or_insert(traits::store(x), {});
        return reply_void();
      }),
      on_packed<add_atom, T>([this](T& x) {
        data_.try_emplace(traits::store(std::move(x)), {});
        return reply_void();
      }),
      on_packed<remove_atom, T>([this](T& x) {
        if (!data_.erase(traits::view(x)))
          return detail::reply_error(battery_errc::key_not_found);
        return reply_void();
      }),
      on_packed<discard_atom, T>([this](T& x) {
        data_.erase(traits::view(x));
        return reply_void();
      }),
      on_packed<pop_atom>([this] {
        if (data_.empty())
          return detail::reply_error(battery_errc::empty_container);
        auto smallest = traits::load(data_.begin()->first);
        data_.erase(traits::view(smallest));
        return detail::reply(std::move(smallest));
      }),
      on_packed<clear_atom>([this] {
        data_.clear();
        return reply_void();
      }),
      on_packed<update_atom, container_type>([this](container_type& xs) {
        for (auto& x : xs)
          data_.try_emplace(traits::store(x), {});
        return reply_void();
      }),
    };
  }

  caf::error save(caf::serializer& sink) override {
    return detail::save_sorted_keys(sink, data_, traits{});
  }

  caf::error load(caf::deserializer& source) override {
    return detail::load_sorted_keys(source, data_, traits{});
  }

private:
  using traits = detail::stored_traits<T>;
  using storage_type
    = detail::sorted_map<typename traits::type, detail::no_value, traits>;

  storage_type data_;
};

} // namespace flexsync
