// The OpenSSL wrappers against published known-answer vectors (RFC 7914 for
// PBKDF2-HMAC-SHA256, RFC 5869 for HKDF, RFC 4231 for HMAC, the GCM spec's
// test cases for AES-256-GCM), plus the rejections AES-GCM must make.

#include <string>

#include <catch2/catch.hpp>

#include "actors/transport/wire/crypto.hpp"

using namespace flexsync::crypto;

namespace {

std::vector<uint8_t> hex(std::string_view x) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < x.size(); i += 2)
    out.push_back(static_cast<uint8_t>(
        std::stoi(std::string{x.substr(i, 2)}, nullptr, 16)));
  return out;
}

template <class Bytes>
std::string to_hex(const Bytes& x) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : x) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

key256 key_of(std::string_view x) {
  key256 k;
  auto bytes = hex(x);
  REQUIRE(bytes.size() == k.size());
  std::copy(bytes.begin(), bytes.end(), k.begin());
  return k;
}

} // namespace

TEST_CASE("pbkdf2_sha256 matches RFC 7914 section 11", "[transport][crypto]") {
  CHECK(to_hex(pbkdf2_sha256("passwd", as_bytes("salt"), 1, 64)) ==
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  CHECK(to_hex(pbkdf2_sha256("Password", as_bytes("NaCl"), 80000, 64)) ==
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

TEST_CASE("hkdf_sha256 matches RFC 5869 test cases 1 and 3",
          "[transport][crypto]") {
  std::vector<uint8_t> ikm(22, 0x0b);
  CHECK(to_hex(hkdf_sha256(ikm, hex("000102030405060708090a0b0c"),
                           hex("f0f1f2f3f4f5f6f7f8f9"), 42)) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        "34007208d5b887185865");
  // Empty salt and info take the RFC's defaults.
  CHECK(to_hex(hkdf_sha256(ikm, {}, {}, 42)) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        "9d201395faa4b61a96c8");
}

TEST_CASE("hmac_sha256 matches RFC 4231 test case 2", "[transport][crypto]") {
  CHECK(to_hex(hmac_sha256(as_bytes("Jefe"),
                           as_bytes("what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("aes256_gcm matches the GCM spec's test cases 13, 14 and 16",
          "[transport][crypto]") {
  std::vector<uint8_t> iv(12, 0);
  SECTION("test case 13: empty plaintext") {
    aes256_gcm g{key256{}, aes256_gcm::mode::seal};
    std::vector<uint8_t> out;
    g.seal(iv, {}, {}, out);
    CHECK(to_hex(out) == "530f8afbc74536b9a963b4f1c4cb738b");
  }
  SECTION("test case 14: one zero block") {
    aes256_gcm g{key256{}, aes256_gcm::mode::seal};
    std::vector<uint8_t> out;
    g.seal(iv, {}, std::vector<uint8_t>(16, 0), out);
    CHECK(to_hex(out) == "cea7403d4d606b6e074ec5d3baf39d18"
                         "d0d1c8a799996bf0265b98b5d48ab919");
  }
  SECTION("test case 16: with AAD, and it opens again") {
    auto key = key_of(
        "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    auto iv16 = hex("cafebabefacedbaddecaf888");
    auto plain =
        hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    auto aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    aes256_gcm sealer{key, aes256_gcm::mode::seal};
    std::vector<uint8_t> sealed;
    sealer.seal(iv16, aad, plain, sealed);
    CHECK(to_hex(sealed) ==
          "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
          "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
          "76fc6ece0f4e1768cddf8853bb2d551b");
    aes256_gcm opener{key, aes256_gcm::mode::open};
    std::vector<uint8_t> back;
    REQUIRE(opener.open(iv16, aad, sealed, back));
    CHECK(back == plain);
  }
}

TEST_CASE("aes256_gcm rejects tampering, a wrong key, IV or AAD",
          "[transport][crypto]") {
  key256 key;
  random_bytes(key);
  std::vector<uint8_t> iv(12, 7), aad{1, 2, 3};
  auto plain = hex("00112233445566778899aabbccddeeff0102");
  aes256_gcm sealer{key, aes256_gcm::mode::seal};
  std::vector<uint8_t> sealed;
  sealer.seal(iv, aad, plain, sealed);
  REQUIRE(sealed.size() == plain.size() + gcm_tag_size);
  aes256_gcm opener{key, aes256_gcm::mode::open};
  std::vector<uint8_t> out{9};
  SECTION("every flipped bit is detected") {
    for (size_t i = 0; i < sealed.size(); ++i) {
      auto bad = sealed;
      bad[i] ^= 0x01;
      CHECK_FALSE(opener.open(iv, aad, bad, out));
    }
    CHECK(out == std::vector<uint8_t>{9}); // untouched on failure
  }
  SECTION("truncation is detected") {
    auto bad = sealed;
    bad.pop_back();
    CHECK_FALSE(opener.open(iv, aad, bad, out));
    CHECK_FALSE(opener.open(iv, aad, std::vector<uint8_t>(3, 0), out));
  }
  SECTION("wrong AAD or IV") {
    CHECK_FALSE(opener.open(iv, std::vector<uint8_t>{1, 2, 4}, sealed, out));
    CHECK_FALSE(opener.open(std::vector<uint8_t>(12, 8), aad, sealed, out));
  }
  SECTION("wrong key") {
    key256 other = key;
    other[0] ^= 1;
    aes256_gcm wrong{other, aes256_gcm::mode::open};
    CHECK_FALSE(wrong.open(iv, aad, sealed, out));
  }
  SECTION("the right inputs open it, repeatedly") {
    for (int i = 0; i < 3; ++i) {
      std::vector<uint8_t> back;
      REQUIRE(opener.open(iv, aad, sealed, back));
      CHECK(back == plain);
    }
  }
}

TEST_CASE("random_bytes and equal_constant_time", "[transport][crypto]") {
  key256 a{}, b{};
  random_bytes(a);
  random_bytes(b);
  CHECK(a != b);
  CHECK(a != key256{});
  CHECK(equal_constant_time(a, a));
  CHECK_FALSE(equal_constant_time(a, b));
  CHECK_FALSE(equal_constant_time(std::span{a}.first(3), a));
  CHECK(equal_constant_time({}, {}));
}
