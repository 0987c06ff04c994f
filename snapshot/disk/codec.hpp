#pragma once

// Little-endian encoding helpers shared by the durable formats.

#include <cstdint>
#include <cstring>
#include <string>

namespace flexsync::codec {

inline void put_u8(std::string& out, uint8_t x) {
  out.push_back(static_cast<char>(x));
}

inline void put_u32(std::string& out, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

inline void put_u64(std::string& out, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

inline void put_string(std::string& out, const std::string& x) {
  put_u32(out, static_cast<uint32_t>(x.size()));
  out += x;
}

/// Reads from a bounded buffer; every getter fails (returns false) instead
/// of reading past the end.
class reader {
public:
  reader(const char* data, size_t size) : p_(data), end_(data + size) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const char* position() const { return p_; }

  bool u8(uint8_t& x) {
    if (remaining() < 1)
      return false;
    x = static_cast<uint8_t>(*p_++);
    return true;
  }

  bool u32(uint32_t& x) {
    if (remaining() < 4)
      return false;
    x = 0;
    for (int i = 0; i < 4; ++i)
      x |= uint32_t{static_cast<uint8_t>(p_[i])} << (8 * i);
    p_ += 4;
    return true;
  }

  bool u64(uint64_t& x) {
    if (remaining() < 8)
      return false;
    x = 0;
    for (int i = 0; i < 8; ++i)
      x |= uint64_t{static_cast<uint8_t>(p_[i])} << (8 * i);
    p_ += 8;
    return true;
  }

  bool string(std::string& x) {
    uint32_t n = 0;
    if (!u32(n) || remaining() < n)
      return false;
    x.assign(p_, n);
    p_ += n;
    return true;
  }

  bool bytes(std::string& x, size_t n) {
    if (remaining() < n)
      return false;
    x.assign(p_, n);
    p_ += n;
    return true;
  }

private:
  const char* p_;
  const char* end_;
};

} // namespace flexsync::codec
