#pragma once

/// @class flexsync::repl_dict
/// A replicated dictionary (PySyncObj's ReplDict): an ordered map whose
/// mutations go through the log. K and V must be inspectable and K ordered by
/// operator<. The map is ordered so that keys(), values() and items() list in
/// the same order on every node, and snapshots of equal states are equal.
/// Storage is compact (see sorted_map.hpp and compact_string.hpp): 1 M pairs
/// of short strings take about 32 MB; the API trades in K and V, and in
/// std::map<K, V> for whole-map operations. Snapshots have std::map<K, V>'s
/// format.
///
/// @code
///   flexsync::repl_dict<std::string, std::string> kv;
///   kv.set("a", "1").get();
///   kv.setdefault("a", "2").get();   // "1": present keys are kept
///   kv.pop("a").get();               // std::optional: "1", then empty
///   kv.get("a", "none");             // local read with a default
/// @endcode
///
/// set_item() is PySyncObj's alias of set(), with the same effect; both are
/// version-0 commands.

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>

#include "state_machines/battery.hpp"
#include "state_machines/compact_string.hpp"
#include "state_machines/sorted_map.hpp"

namespace flexsync {

template <class K, class V>
class repl_dict : public state_machine {
public:
  /// The key type K.
  using key_type = K;
  /// The value type V.
  using mapped_type = V;
  /// What whole-dictionary operations take and give (reset, update, raw_data).
  using container_type = std::map<K, V>;

  /// Command atom of reset().
  using reset_atom = caf::atom_constant<caf::atom("reset")>;
  /// Command atom of set().
  using set_atom = caf::atom_constant<caf::atom("set")>;
  /// Command atom of set_item().
  using set_item_atom = caf::atom_constant<caf::atom("setitem")>;
  /// Command atom of setdefault().
  using setdefault_atom = caf::atom_constant<caf::atom("setdefault")>;
  /// Command atom of update().
  using update_atom = caf::atom_constant<caf::atom("update")>;
  /// Command atom of pop(key).
  using pop_atom = caf::atom_constant<caf::atom("pop")>;
  /// Command atom of pop(key, fallback).
  using pop_or_atom = caf::atom_constant<caf::atom("popor")>;
  /// Command atom of clear().
  using clear_atom = caf::atom_constant<caf::atom("clear")>;

  // -- replicated operations ---------------------------------------------------

  /// Replaces the whole dictionary.
  replicated_call<void> reset(const container_type& xs) {
    return detail::packed_call<void>(*this, reset_atom::value, xs);
  }

  /// Stores `value` under `key`, replacing any previous value.
  replicated_call<void> set(const K& key, const V& value) {
    return detail::packed_call<void>(*this, set_atom::value, key, value);
  }

  /// Same as set() (PySyncObj's __setitem__).
  replicated_call<void> set_item(const K& key, const V& value) {
    return detail::packed_call<void>(*this, set_item_atom::value, key, value);
  }

  /// Yields the value of `key` if present, leaving it unchanged; otherwise
  /// stores `fallback` and yields it.
  replicated_call<V> setdefault(const K& key, const V& fallback) {
    return detail::packed_call<V>(*this, setdefault_atom::value, key,
                                  fallback);
  }

  /// Stores every pair of `xs`; incoming keys overwrite.
  replicated_call<void> update(const container_type& xs) {
    return detail::packed_call<void>(*this, update_atom::value, xs);
  }

  /// Removes `key` and yields its value; empty (not an error) if absent.
  replicated_call<std::optional<V>> pop(const K& key) {
    return detail::packed_call<std::optional<V>>(*this, pop_atom::value, key);
  }

  /// Removes `key` and yields its value, or `fallback` if absent.
  replicated_call<V> pop(const K& key, const V& fallback) {
    return detail::packed_call<V>(*this, pop_or_atom::value, key, fallback);
  }

  /// Removes every pair.
  replicated_call<void> clear() {
    return detail::packed_call<void>(*this, clear_atom::value);
  }

  // -- local reads -------------------------------------------------------------

  /// The value of `key`. @throws battery_error(key_not_found).
  V at(const K& key) const {
    return read([&] {
      auto v = data_.find(key_traits::view(key));
      if (!v)
        throw battery_error(battery_errc::key_not_found);
      return value_traits::load(*v);
    });
  }

  /// The value of `key`, if present.
  std::optional<V> get(const K& key) const {
    return read([&]() -> std::optional<V> {
      auto v = data_.find(key_traits::view(key));
      if (!v)
        return std::nullopt;
      return value_traits::load(*v);
    });
  }

  /// The value of `key`, or `fallback`.
  V get(const K& key, const V& fallback) const {
    return get(key).value_or(fallback);
  }

  /// Number of pairs.
  size_t size() const {
    return read([this] { return data_.size(); });
  }

  /// Whether `key` is present.
  bool contains(const K& key) const {
    return read([&] { return data_.contains(key_traits::view(key)); });
  }

  /// The keys, ascending.
  std::vector<K> keys() const {
    return read([this] {
      std::vector<K> result;
      result.reserve(data_.size());
      for (auto& kv : data_)
        result.push_back(key_traits::load(kv.first));
      return result;
    });
  }

  /// The values, in the order of their keys.
  std::vector<V> values() const {
    return read([this] {
      std::vector<V> result;
      result.reserve(data_.size());
      for (auto& kv : data_)
        result.push_back(value_traits::load(kv.second));
      return result;
    });
  }

  /// The pairs, ascending by key.
  std::vector<std::pair<K, V>> items() const {
    return read([this] {
      std::vector<std::pair<K, V>> result;
      result.reserve(data_.size());
      for (auto& kv : data_)
        result.emplace_back(key_traits::load(kv.first),
                            value_traits::load(kv.second));
      return result;
    });
  }

  /// A copy of the whole dictionary.
  container_type raw_data() const {
    return read([this] {
      container_type result;
      for (auto& kv : data_)
        result.emplace_hint(result.end(), key_traits::load(kv.first),
                            value_traits::load(kv.second));
      return result;
    });
  }

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override {
    using detail::on_packed;
    using detail::reply_void;
    return {
      on_packed<reset_atom, container_type>([this](container_type& xs) {
        data_.clear();
        for (auto& kv : xs)
          data_.push_back_or_insert(key_traits::store(kv.first),
                                    value_traits::store(std::move(kv.second)));
        return reply_void();
      }),
      on_packed<set_atom, K, V>([this](K& k, V& v) { return store(k, v); }),
      on_packed<set_item_atom, K, V>(
        [this](K& k, V& v) { return store(k, v); }),
      on_packed<setdefault_atom, K, V>([this](K& k, V& fallback) {
        auto& v = data_.try_emplace(key_traits::store(std::move(k)),
                                    value_traits::store(std::move(fallback)));
        return detail::reply(value_traits::load(v));
      }),
      on_packed<update_atom, container_type>([this](container_type& xs) {
        for (auto& kv : xs)
          data_.insert_or_assign(key_traits::store(kv.first),
                                 value_traits::store(std::move(kv.second)));
        return reply_void();
      }),
      on_packed<pop_atom, K>([this](K& k) {
        return detail::reply(take(k));
      }),
      on_packed<pop_or_atom, K, V>([this](K& k, V& fallback) {
        auto v = take(k);
        return detail::reply(v ? std::move(*v) : std::move(fallback));
      }),
      on_packed<clear_atom>([this] {
        data_.clear();
        return reply_void();
      }),
    };
  }

  caf::error save(caf::serializer& sink) override {
    return detail::save_sorted(sink, data_, key_traits{}, value_traits{});
  }

  caf::error load(caf::deserializer& source) override {
    return detail::load_sorted(source, data_, key_traits{}, value_traits{});
  }

private:
  using key_traits = detail::stored_traits<K>;
  using value_traits = detail::stored_traits<V>;
  using storage_type = detail::sorted_map<typename key_traits::type,
                                          typename value_traits::type,
                                          key_traits>;

  caf::message store(K& k, V& v) {
    data_.insert_or_assign(key_traits::store(std::move(k)),
                           value_traits::store(std::move(v)));
    return detail::reply_void();
  }

  std::optional<V> take(const K& k) {
    auto removed = data_.erase(key_traits::view(k));
    if (!removed)
      return std::nullopt;
    return value_traits::load(*removed);
  }

  storage_type data_;
};

} // namespace flexsync
