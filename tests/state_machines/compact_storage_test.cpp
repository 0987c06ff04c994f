// The batteries' compact storage: compact_string and sorted_map, checked
// against std::string and std::map under random operations, and the
// snapshot format of repl_dict checked against std::map's.

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "state_machines/compact_string.hpp"
#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_set.hpp"
#include "state_machines/sorted_map.hpp"

using flexsync::detail::compact_string;
using flexsync::detail::sorted_map;
using flexsync::detail::stored_traits;

namespace {

std::string random_string(std::mt19937_64& rng, size_t max_len) {
  std::uniform_int_distribution<size_t> len{0, max_len};
  std::uniform_int_distribution<int> byte{0, 255};
  std::string result(len(rng), '\0');
  for (auto& c : result)
    c = static_cast<char>(byte(rng));
  return result;
}

using string_map = sorted_map<compact_string, compact_string,
                              stored_traits<std::string>>;

std::map<std::string, std::string> contents(const string_map& xs) {
  std::map<std::string, std::string> result;
  for (auto& kv : xs)
    result.emplace(kv.first.str(), kv.second.str());
  return result;
}

} // namespace

TEST_CASE("a compact string holds any bytes inline or on the heap") {
  std::mt19937_64 rng{7};
  for (int i = 0; i < 2000; ++i) {
    auto a = random_string(rng, 40);
    auto b = random_string(rng, 40);
    compact_string x{a};
    compact_string y{b};
    CHECK(x.str() == a);
    CHECK(x.size() == a.size());
    CHECK((x < y) == (a < b));
    CHECK((x == y) == (a == b));
    compact_string copy{x};
    compact_string moved{std::move(copy)};
    CHECK(moved.str() == a);
    CHECK(copy.empty());
    y = x;
    CHECK(y.str() == a);
    y = std::move(moved);
    CHECK(y.str() == a);
  }
  CHECK(compact_string{std::string(15, 'x')}.str() == std::string(15, 'x'));
  CHECK(compact_string{std::string(16, 'y')}.str() == std::string(16, 'y'));
  CHECK(compact_string{std::string("a\0b", 3)}.size() == 3);
}

TEST_CASE("a sorted map behaves like std::map under random operations") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng{seed};
    string_map xs;
    std::map<std::string, std::string> model;
    // Few distinct keys make hits and erasures common; many make splits.
    std::uniform_int_distribution<int> key_space{0, seed % 2 ? 300 : 5000};
    std::uniform_int_distribution<int> op{0, 9};
    for (int step = 0; step < 20000; ++step) {
      auto k = "k" + std::to_string(key_space(rng));
      switch (op(rng)) {
        case 0:
        case 1:
        case 2: {
          auto removed = xs.erase(std::string_view{k});
          auto i = model.find(k);
          REQUIRE(removed.has_value() == (i != model.end()));
          if (removed) {
            REQUIRE(removed->str() == i->second);
            model.erase(i);
          }
          break;
        }
        case 3: {
          auto v = random_string(rng, 20);
          auto& got = xs.try_emplace(compact_string{k}, compact_string{v});
          auto [i, _] = model.try_emplace(k, v);
          REQUIRE(got.str() == i->second);
          break;
        }
        case 4: {
          auto found = xs.find(std::string_view{k});
          auto i = model.find(k);
          REQUIRE((found != nullptr) == (i != model.end()));
          if (found)
            REQUIRE(found->str() == i->second);
          break;
        }
        default: {
          auto v = random_string(rng, 20);
          xs.insert_or_assign(compact_string{k}, compact_string{v});
          model.insert_or_assign(k, v);
        }
      }
      REQUIRE(xs.size() == model.size());
    }
    REQUIRE(contents(xs) == model);
    // Iteration is in key order.
    std::vector<std::string> keys;
    for (auto& kv : xs)
      keys.push_back(kv.first.str());
    REQUIRE(std::is_sorted(keys.begin(), keys.end()));
    // Emptying it works too.
    for (auto& kv : model)
      REQUIRE(xs.erase(std::string_view{kv.first}));
    REQUIRE(xs.empty());
    REQUIRE(xs.begin() == xs.end());
  }
}

TEST_CASE("keys arriving in order fill the leaves") {
  sorted_map<int64_t, int64_t, stored_traits<int64_t>> xs;
  for (int64_t i = 0; i < 100000; ++i)
    xs.push_back_or_insert(i, -i);
  REQUIRE(xs.size() == 100000);
  int64_t expected = 0;
  for (auto& kv : xs) {
    REQUIRE(kv.first == expected);
    REQUIRE(kv.second == -expected);
    ++expected;
  }
  // Out-of-order input still lands in order.
  xs.push_back_or_insert(-5, 5);
  REQUIRE(xs.begin()->first == -5);
  REQUIRE(xs.size() == 100001);
}

TEST_CASE("a dict snapshot has std::map's format") {
  std::map<std::string, std::string> model;
  std::mt19937_64 rng{3};
  for (int i = 0; i < 1000; ++i)
    model.emplace(random_string(rng, 30), random_string(rng, 30));
  // A snapshot written from a std::map loads into a dict...
  std::vector<char> from_map;
  caf::binary_serializer map_sink{nullptr, from_map};
  REQUIRE(!map_sink(model));
  flexsync::repl_dict<std::string, std::string> dict;
  caf::binary_deserializer source{nullptr, from_map};
  REQUIRE(!dict.load(source));
  REQUIRE(source.remaining() == 0);
  REQUIRE(dict.raw_data() == model);
  // ... and the dict writes the same bytes back.
  std::vector<char> from_dict;
  caf::binary_serializer dict_sink{nullptr, from_dict};
  REQUIRE(!dict.save(dict_sink));
  REQUIRE(from_dict == from_map);
  // A truncated snapshot leaves the dict unchanged.
  from_map.resize(from_map.size() / 2);
  caf::binary_deserializer truncated{nullptr, from_map};
  REQUIRE(dict.load(truncated));
  REQUIRE(dict.raw_data() == model);
}

TEST_CASE("a set snapshot has std::set's format") {
  std::set<std::string> model;
  std::mt19937_64 rng{5};
  for (int i = 0; i < 1000; ++i)
    model.insert(random_string(rng, 30));
  std::vector<char> from_set;
  caf::binary_serializer set_sink{nullptr, from_set};
  REQUIRE(!set_sink(model));
  flexsync::repl_set<std::string> xs;
  caf::binary_deserializer source{nullptr, from_set};
  REQUIRE(!xs.load(source));
  REQUIRE(source.remaining() == 0);
  REQUIRE(xs.raw_data() == model);
  REQUIRE(xs.size() == model.size());
  REQUIRE(xs.contains(*model.begin()));
  REQUIRE_FALSE(xs.contains("not there, surely: longer than any"));
  std::vector<char> from_battery;
  caf::binary_serializer battery_sink{nullptr, from_battery};
  REQUIRE(!xs.save(battery_sink));
  REQUIRE(from_battery == from_set);
  from_set.resize(from_set.size() / 2);
  caf::binary_deserializer truncated{nullptr, from_set};
  REQUIRE(xs.load(truncated));
  REQUIRE(xs.raw_data() == model);
}
