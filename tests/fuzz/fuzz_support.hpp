#pragma once

// What every fuzz target shares: a property check that stops the run (so
// libFuzzer and the replay driver both report the input), and a reader that
// turns the fuzzer's bytes into structured choices without ever failing.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

/// The entry point every target defines (libFuzzer's interface).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace flexsync::fuzz {

/// A property failed: says which and where, then aborts (a crash to libFuzzer).
[[noreturn]] inline void property_failed(const char* condition,
                                         const char* file, int line,
                                         const std::string& what) {
  std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", file, line,
               condition, what.c_str());
  std::abort();
}

/// Consumes the fuzzer's input front to back; once exhausted, every read
/// yields zeros or empty strings.
class input {
public:
  input(const uint8_t* data, size_t size)
    : p_(reinterpret_cast<const char*>(data)), left_(size) {}

  bool empty() const { return left_ == 0; }
  size_t remaining() const { return left_; }

  uint8_t u8() {
    auto s = bytes(1);
    return s.empty() ? 0 : static_cast<uint8_t>(s[0]);
  }

  /// Big-endian, as the wire's length prefixes.
  uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }

  /// Up to `n` bytes (fewer at the end).
  std::string bytes(size_t n) {
    n = n < left_ ? n : left_;
    std::string out{p_, n};
    p_ += n;
    left_ -= n;
    return out;
  }

  /// A u16-length-prefixed piece.
  std::string chunk() { return bytes(u16()); }

  std::string rest() { return bytes(left_); }

private:
  const char* p_;
  size_t left_;
};

} // namespace flexsync::fuzz

/// Checks a property of the code under test; `what` (a std::string
/// expression) is evaluated only when it fails.
#define FUZZ_CHECK(condition, what)                                            \
  do {                                                                         \
    if (!(condition))                                                          \
      ::flexsync::fuzz::property_failed(#condition, __FILE__, __LINE__,        \
                                        (what));                               \
  } while (false)
