// CRC32C: the RFC 3720 known answers, and the same result however the data
// is split, aligned or sized, checked against a bitwise reference.

#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "snapshot/disk/crc32c.hpp"

using namespace flexsync;

namespace {

/// The definition, one bit at a time (reflected polynomial 0x82F63B78).
uint32_t reference_crc32c(const unsigned char* p, size_t n) {
  uint32_t crc = 0xffffffff;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k)
      crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
  }
  return ~crc;
}

std::vector<unsigned char> random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 gen{seed};
  std::vector<unsigned char> out(n);
  for (auto& b : out)
    b = static_cast<unsigned char>(gen());
  return out;
}

} // namespace

TEST_CASE("crc32c matches the RFC 3720 known answers", "[storage][crc32c]") {
  std::vector<unsigned char> zeros(32, 0x00);
  std::vector<unsigned char> ones(32, 0xff);
  std::vector<unsigned char> up(32);
  std::vector<unsigned char> down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  CHECK(crc32c(0, zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(crc32c(0, ones.data(), ones.size()) == 0x62A8AB43u);
  CHECK(crc32c(0, up.data(), up.size()) == 0x46DD794Eu);
  CHECK(crc32c(0, down.data(), down.size()) == 0x113FDB5Cu);
  CHECK(crc32c(0, "123456789", 9) == 0xE3069283u);
  // RFC 3720 B.4: an iSCSI read command PDU.
  const unsigned char pdu[48] = {
    0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
    0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  CHECK(crc32c(0, pdu, sizeof(pdu)) == 0xD9963A56u);
}

TEST_CASE("crc32c of nothing is zero and leaves a running crc unchanged",
          "[storage][crc32c]") {
  CHECK(crc32c(0, nullptr, 0) == 0u);
  auto partial = crc32c(0, "1234", 4);
  CHECK(crc32c(partial, "", 0) == partial);
}

TEST_CASE("crc32c computed incrementally equals the one-shot value",
          "[storage][crc32c]") {
  auto data = random_bytes(4096 + 13, 1);
  auto whole = crc32c(0, data.data(), data.size());
  CHECK(whole == reference_crc32c(data.data(), data.size()));
  // Every split point of a short prefix, and scattered ones in the rest.
  for (size_t cut = 0; cut <= data.size(); cut += cut < 80 ? 1 : 97) {
    auto first = crc32c(0, data.data(), cut);
    auto both = crc32c(first, data.data() + cut, data.size() - cut);
    INFO("cut at " << cut);
    REQUIRE(both == whole);
  }
  // Many small pieces of random sizes.
  std::mt19937_64 gen{2};
  uint32_t crc = 0;
  size_t at = 0;
  while (at < data.size()) {
    size_t n = std::min<size_t>(gen() % 19, data.size() - at);
    crc = crc32c(crc, data.data() + at, n);
    at += n;
  }
  CHECK(crc == whole);
  CHECK(crc32c(crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u);
}

TEST_CASE("crc32c is right for odd lengths at unaligned addresses",
          "[storage][crc32c]") {
  auto data = random_bytes(600, 3);
  for (size_t shift = 0; shift < 8; ++shift) {
    for (size_t len = 0; len <= 67; ++len) {
      // Copy to an address `shift` bytes past an 8-byte boundary.
      alignas(8) unsigned char buf[80];
      std::memcpy(buf + shift, data.data() + len, len);
      INFO("shift " << shift << ", length " << len);
      REQUIRE(crc32c(0, buf + shift, len)
              == reference_crc32c(data.data() + len, len));
    }
  }
  for (size_t len : {127u, 255u, 257u, 511u, 513u}) {
    INFO("length " << len);
    REQUIRE(crc32c(0, data.data() + 1, len)
            == reference_crc32c(data.data() + 1, len));
  }
}

TEST_CASE("crc32c detects every single bit flip in a record-sized buffer",
          "[storage][crc32c]") {
  auto data = random_bytes(200, 4);
  auto good = crc32c(0, data.data(), data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] ^= static_cast<unsigned char>(1u << bit);
      auto bad = crc32c(0, data.data(), data.size());
      data[i] ^= static_cast<unsigned char>(1u << bit);
      REQUIRE(bad != good);
    }
  }
}
