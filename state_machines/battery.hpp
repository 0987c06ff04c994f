#pragma once

// What the batteries (repl_list, repl_dict, repl_set, repl_queue,
// repl_priority_queue, repl_lock_manager) share: the errors their operations
// return as values, and how a battery command carries its arguments.
//
// Arguments travel packed. A battery command is the message
// (operation atom, std::vector<char>), the bytes being the arguments written
// by CAF's binary serializer. Atoms and std::vector<char> are CAF built-ins,
// so an element type needs only an inspect() overload (or to be a type CAF
// serializes natively: integers, strings, standard containers of them) and
// never a registration with the actor system, within one process or between
// processes: every node decodes with the same inspect(). Results are not
// packed: they never leave the node that applied the command.
//
// Element types must be plain data: the packing runs without an actor system,
// so actor handles or messages inside an element cannot be encoded.
//
// Snapshots: every battery's save() writes its state with the given
// serializer and load() replaces it, leaving it unchanged when decoding
// fails. Neither takes the object's lock: the node calls them between
// applies and, for load(), holds apply_mutex() exclusively as it does for an
// apply, so readers never see a half-loaded state. (save() must not lock
// either: a fork()ed snapshot child would wait forever on a lock copied while
// held.)

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/atom.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>
#include <caf/serializer.hpp>

#include "state_machines/state_machine.hpp"

namespace flexsync {

/// Why a battery operation refused; returned as a caf::error (the state is
/// unchanged), or thrown as battery_error by a local read.
enum class battery_errc : uint8_t {
  /// A position outside the container (list set, pop and get).
  index_out_of_range = 1,
  /// A key or set element that is not there (dict at, set remove).
  key_not_found,
  /// A value that is not in the list (list remove and index).
  value_not_found,
  /// pop() of an empty set.
  empty_container,
  /// The packed arguments do not decode as the operation's parameters: the
  /// nodes were built with different element types.
  bad_arguments,
};

/// The code's name, e.g. "key_not_found".
std::string to_string(battery_errc x);

/// Category of battery errors in caf::error.
constexpr caf::atom_value battery_error_category = caf::atom("battery");

/// A caf::error carrying `x`. Found by ADL, it also makes battery_errc
/// convertible to caf::error and comparable with one
/// (`err == battery_errc::key_not_found`). A battery_errc is never put into a
/// message, so CAF's conversion of error enums inside messages does not bite.
caf::error make_error(battery_errc x);

/// The battery code carried by `err`, if it is a battery error.
std::optional<battery_errc> battery_code(const caf::error& err);

/// Thrown by a local read that cannot answer: a list position past the end,
/// dict at() of a missing key, list index() of an absent value.
class battery_error : public std::out_of_range {
public:
  /// The error for `code`; what() names it.
  explicit battery_error(battery_errc code);
  /// Why the read failed.
  battery_errc code() const { return code_; }

private:
  battery_errc code_;
};

/// Teaches `cfg` to render battery errors ("battery::key_not_found" instead
/// of a bare code). Optional: errors compare and travel without it.
void register_battery_errors(caf::actor_system_config& cfg);

namespace detail {

/// A battery command's arguments, binary-serialized.
using packed_args = std::vector<char>;

/// Encodes `xs` in order. @throws std::invalid_argument when an element's
/// inspect() fails.
template <class... Ts>
packed_args pack(const Ts&... xs) {
  packed_args buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = sink(xs...))
    throw std::invalid_argument("cannot encode battery arguments: "
                                + caf::to_string(err));
  return buf;
}

/// Decodes `xs` in order; false unless every byte was consumed.
template <class... Ts>
bool unpack(const packed_args& buf, Ts&... xs) {
  caf::binary_deserializer source{nullptr, buf};
  return !source(xs...) && source.remaining() == 0;
}

/// The handler of one battery operation: decodes its packed arguments as
/// Ts... and calls `f(Ts&...)`, which returns the reply message.
template <class Atom, class... Ts, class F>
auto on_packed(F f) {
  return [f = std::move(f)](Atom, const packed_args& buf) mutable {
    std::tuple<Ts...> args;
    auto ok = std::apply([&](auto&... xs) { return unpack(buf, xs...); },
                         args);
    if (!ok)
      return caf::make_message(make_error(battery_errc::bad_arguments));
    return caf::message{std::apply(f, args)};
  };
}

/// Prepares the call of a battery operation with packed arguments.
template <class R, class Atom, class... Ts>
replicated_call<R> packed_call(state_machine& sm, Atom op, const Ts&... xs) {
  return sm.call<R>(op, pack(xs...));
}

/// Replies of battery handlers.
template <class T>
caf::message reply(T x) {
  return result_traits<T>::make(std::move(x));
}

inline caf::message reply_error(battery_errc x) {
  return caf::make_message(make_error(x));
}

inline caf::message reply_void() {
  return caf::message{};
}

/// Python's rule for a position: a negative one counts from the end (-1 is
/// the last element). Nothing when it falls outside [0, size).
inline std::optional<size_t> position(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos < 0)
    pos += n;
  if (pos < 0 || pos >= n)
    return std::nullopt;
  return static_cast<size_t>(pos);
}

/// Python's rule for insert: like position(), but clamped to [0, size].
inline size_t clamped_position(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos < 0)
    pos = std::max<int64_t>(pos + n, 0);
  return static_cast<size_t>(std::min(pos, n));
}

/// Replaces `state` with a value decoded from `source`, or leaves it
/// unchanged when decoding fails (load() of every battery).
template <class T>
caf::error load_into(caf::deserializer& source, T& state) {
  T tmp;
  if (auto err = source(tmp))
    return err;
  state = std::move(tmp);
  return caf::none;
}

/// Writes an ordered container of stored pairs (sorted_map) in the format
/// of std::map<K, V>: the count, then each key and value as K and V.
template <class Map, class KeyTraits, class ValueTraits>
caf::error save_sorted(caf::serializer& sink, const Map& xs, KeyTraits,
                       ValueTraits) {
  auto n = xs.size();
  if (auto err = sink.begin_sequence(n))
    return err;
  for (auto& kv : xs) {
    auto k = KeyTraits::load(kv.first);
    auto v = ValueTraits::load(kv.second);
    if (auto err = sink(k, v))
      return err;
  }
  return sink.end_sequence();
}

/// Replaces `xs` with pairs read in save_sorted()'s format, or leaves it
/// unchanged when decoding fails.
template <class Map, class KeyTraits, class ValueTraits>
caf::error load_sorted(caf::deserializer& source, Map& xs, KeyTraits,
                       ValueTraits) {
  size_t n = 0;
  if (auto err = source.begin_sequence(n))
    return err;
  Map tmp;
  for (size_t i = 0; i < n; ++i) {
    typename KeyTraits::user_type k;
    typename ValueTraits::user_type v;
    if (auto err = source(k, v))
      return err;
    tmp.push_back_or_insert(KeyTraits::store(std::move(k)),
                            ValueTraits::store(std::move(v)));
  }
  if (auto err = source.end_sequence())
    return err;
  xs = std::move(tmp);
  return caf::none;
}

/// Writes the keys of an ordered container of stored pairs (a sorted_map
/// used as a set) in the format of std::set<K>.
template <class Map, class KeyTraits>
caf::error save_sorted_keys(caf::serializer& sink, const Map& xs, KeyTraits) {
  auto n = xs.size();
  if (auto err = sink.begin_sequence(n))
    return err;
  for (auto& kv : xs) {
    auto k = KeyTraits::load(kv.first);
    if (auto err = sink(k))
      return err;
  }
  return sink.end_sequence();
}

/// Replaces `xs` with keys read in save_sorted_keys()'s format, or leaves it
/// unchanged when decoding fails.
template <class Map, class KeyTraits>
caf::error load_sorted_keys(caf::deserializer& source, Map& xs, KeyTraits) {
  size_t n = 0;
  if (auto err = source.begin_sequence(n))
    return err;
  Map tmp;
  for (size_t i = 0; i < n; ++i) {
    typename KeyTraits::user_type k;
    if (auto err = source(k))
      return err;
    tmp.push_back_or_insert(KeyTraits::store(std::move(k)), {});
  }
  if (auto err = source.end_sequence())
    return err;
  xs = std::move(tmp);
  return caf::none;
}

} // namespace detail

} // namespace flexsync
