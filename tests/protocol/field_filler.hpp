#pragma once

// A fake inspector for tests: it gives every field an inspect() overload
// visits a value different from its default. A field that keeps its default
// afterwards is missing from the overload, so it would be lost on the wire.

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "protocol/types.hpp"

namespace flexsync::test {

struct field_filler {
  using result_type = bool;
  /// It writes the fields (as a deserializer does).
  static constexpr bool reads_state = false;

  /// Number of fields visited so far.
  uint64_t visited = 0;

  template <class... Ts>
  bool operator()(Ts&... xs) {
    (fill(xs), ...);
    return true;
  }

private:
  void fill(bool& x) {
    ++visited;
    x = !x;
  }

  void fill(uint64_t& x) {
    x = ++visited + 1000;
  }

  void fill(uint32_t& x) {
    x = static_cast<uint32_t>(++visited + 1000);
  }

  void fill(int64_t& x) {
    x = static_cast<int64_t>(++visited) + 1000;
  }

  void fill(std::string& x) {
    x = "v" + std::to_string(++visited);
  }

  template <class T>
  void fill(std::vector<T>& xs) {
    ++visited;
    xs.resize(1);
    fill(xs.front());
  }

  template <class T>
  void fill(T& x) {
    if constexpr (std::is_enum_v<T>) {
      ++visited;
      using raw = std::underlying_type_t<T>;
      x = static_cast<T>(static_cast<raw>(x) + 1);
    } else {
      inspect(*this, x); // nested structs and strong numbers
    }
  }
};

} // namespace flexsync::test
