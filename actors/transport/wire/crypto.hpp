#pragma once

// Thin wrappers over OpenSSL 3's EVP interfaces: the only primitives the peer
// transport uses (PBKDF2, HKDF, HMAC, AES-256-GCM, random bytes and a
// constant-time compare). Nothing cryptographic is implemented here; every
// function hands its work to OpenSSL and turns OpenSSL's failure codes into a
// `crypto_error` (an allocation failure or a broken library, never bad input:
// a tag that does not verify is a normal `false`). CAF-free.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

struct evp_cipher_ctx_st; // OpenSSL's EVP_CIPHER_CTX

namespace flexsync::crypto {

using byte_span = std::span<const uint8_t>;

/// A 256-bit key or digest.
using key256 = std::array<uint8_t, 32>;

constexpr size_t gcm_iv_size = 12;
constexpr size_t gcm_tag_size = 16;

/// OpenSSL failed where it cannot fail on valid input.
class crypto_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Views the bytes of a string.
inline byte_span as_bytes(std::string_view x) {
  return {reinterpret_cast<const uint8_t*>(x.data()), x.size()};
}

/// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) of `password` and `salt`.
std::vector<uint8_t> pbkdf2_sha256(std::string_view password, byte_span salt,
                                   uint64_t iterations, size_t length);

/// HKDF-SHA256 extract-then-expand (RFC 5869); an empty salt means the
/// RFC's default (32 zero bytes).
std::vector<uint8_t> hkdf_sha256(byte_span ikm, byte_span salt, byte_span info,
                                 size_t length);

/// HMAC-SHA256 (RFC 2104) of `data` under `key`.
key256 hmac_sha256(byte_span key, byte_span data);

/// Fills `out` from OpenSSL's CSPRNG.
void random_bytes(std::span<uint8_t> out);

/// Compares without a data-dependent early exit; false on different sizes.
bool equal_constant_time(byte_span x, byte_span y);

/// AES-256-GCM under one key, in one direction (sealing or opening). Keeps
/// its OpenSSL context (and key schedule) across calls, so a per-frame call
/// only sets the IV. Not thread-safe; not copyable.
class aes256_gcm {
public:
  enum class mode : uint8_t { seal, open };

  aes256_gcm(const key256& key, mode m);
  ~aes256_gcm();

  aes256_gcm(const aes256_gcm&) = delete;
  aes256_gcm& operator=(const aes256_gcm&) = delete;

  /// Appends ciphertext || tag (plaintext size + 16 bytes) to `out`.
  /// @pre mode is seal and iv.size() == gcm_iv_size.
  void seal(byte_span iv, byte_span aad, byte_span plaintext,
            std::vector<uint8_t>& out);

  /// Appends the plaintext of `sealed` (ciphertext || tag) to `out` and
  /// returns true when the tag verifies over iv, aad and ciphertext; on false
  /// `out` is left as it was.
  /// @pre mode is open and iv.size() == gcm_iv_size.
  bool open(byte_span iv, byte_span aad, byte_span sealed,
            std::vector<uint8_t>& out);

private:
  struct ctx_deleter {
    void operator()(evp_cipher_ctx_st* p) const;
  };
  std::unique_ptr<evp_cipher_ctx_st, ctx_deleter> ctx_;
  mode mode_;
};

} // namespace flexsync::crypto
