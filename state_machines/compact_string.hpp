#pragma once

// How the batteries store strings: 16 bytes instead of std::string's 32.
//
// A replicated container holds every key and value for as long as the node
// runs, so the per-element footprint is the node's memory. std::string is 32
// bytes (pointer, size, 16-byte inline buffer); a compact_string is 16:
// strings of up to 15 bytes live inline, longer ones in one heap block of
// exactly their size. It is immutable: the batteries replace values, never
// edit them in place. Users never see it; the batteries' API takes and
// returns std::string (see stored_traits).
//
// It orders and compares like std::string (bytes as unsigned char, then by
// length), so a container keyed by it lists keys in std::string's order.

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace flexsync::detail {

class compact_string {
public:
  static constexpr size_t inline_capacity = 15;

  compact_string() noexcept {
    std::memset(raw_, 0, sizeof(raw_));
  }

  explicit compact_string(std::string_view x) {
    assign(x);
  }

  compact_string(const compact_string& other) : compact_string(other.view()) {
    // nop
  }

  compact_string(compact_string&& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof(raw_));
    std::memset(other.raw_, 0, sizeof(raw_));
  }

  compact_string& operator=(const compact_string& other) {
    if (this != &other) {
      compact_string tmp{other};
      swap(tmp);
    }
    return *this;
  }

  compact_string& operator=(compact_string&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(raw_, other.raw_, sizeof(raw_));
      std::memset(other.raw_, 0, sizeof(raw_));
    }
    return *this;
  }

  ~compact_string() {
    release();
  }

  void swap(compact_string& other) noexcept {
    unsigned char tmp[sizeof(raw_)];
    std::memcpy(tmp, raw_, sizeof(raw_));
    std::memcpy(raw_, other.raw_, sizeof(raw_));
    std::memcpy(other.raw_, tmp, sizeof(raw_));
  }

  std::string_view view() const noexcept {
    if (is_inline())
      return {reinterpret_cast<const char*>(raw_), raw_[tag_pos]};
    return {heap_ptr(), heap_size()};
  }

  std::string str() const {
    return std::string{view()};
  }

  size_t size() const noexcept {
    return is_inline() ? raw_[tag_pos] : heap_size();
  }

  bool empty() const noexcept {
    return size() == 0;
  }

  friend bool operator==(const compact_string& x, const compact_string& y) {
    return x.view() == y.view();
  }

  friend bool operator!=(const compact_string& x, const compact_string& y) {
    return !(x == y);
  }

  friend bool operator<(const compact_string& x, const compact_string& y) {
    return x.view() < y.view();
  }

private:
  // Layout: inline, bytes [0, 15) hold the characters and byte 15 their
  // count (0..15); on the heap, bytes [0, 8) the pointer, [8, 12) the size
  // and byte 15 the heap tag.
  static constexpr size_t tag_pos = 15;
  static constexpr unsigned char heap_tag = 0x80;

  bool is_inline() const noexcept {
    return raw_[tag_pos] != heap_tag;
  }

  const char* heap_ptr() const noexcept {
    const char* ptr;
    std::memcpy(&ptr, raw_, sizeof(ptr));
    return ptr;
  }

  size_t heap_size() const noexcept {
    uint32_t n;
    std::memcpy(&n, raw_ + sizeof(char*), sizeof(n));
    return n;
  }

  void assign(std::string_view x) {
    std::memset(raw_, 0, sizeof(raw_));
    if (x.size() <= inline_capacity) {
      std::memcpy(raw_, x.data(), x.size());
      raw_[tag_pos] = static_cast<unsigned char>(x.size());
      return;
    }
    if (x.size() > UINT32_MAX)
      throw std::length_error("flexsync: a stored string is limited to 4 GiB");
    auto ptr = new char[x.size()];
    std::memcpy(ptr, x.data(), x.size());
    auto n = static_cast<uint32_t>(x.size());
    std::memcpy(raw_, &ptr, sizeof(ptr));
    std::memcpy(raw_ + sizeof(ptr), &n, sizeof(n));
    raw_[tag_pos] = heap_tag;
  }

  void release() noexcept {
    if (!is_inline())
      delete[] heap_ptr();
  }

  alignas(8) unsigned char raw_[16];
};

static_assert(sizeof(compact_string) == 16);

/// How a battery stores an element of type T: as T itself, except strings,
/// which are stored as compact_string. `view` gives what stored elements are
/// compared by (and looked up with), `load` turns a stored element back into
/// the user's type.
template <class T>
struct stored_traits {
  using user_type = T;
  using type = T;
  static const T& store(const T& x) { return x; }
  static T store(T&& x) { return std::move(x); }
  static const T& view(const T& x) { return x; }
  static T load(const T& x) { return x; }
};

template <>
struct stored_traits<std::string> {
  using user_type = std::string;
  using type = compact_string;
  static compact_string store(std::string_view x) { return compact_string{x}; }
  static std::string_view view(const compact_string& x) { return x.view(); }
  static std::string_view view(const std::string& x) { return x; }
  static std::string load(const compact_string& x) { return x.str(); }
};

} // namespace flexsync::detail
