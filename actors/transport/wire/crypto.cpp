#include "actors/transport/wire/crypto.hpp"

#include <climits>
#include <string>

#include "protocol/assert.hpp"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace flexsync::crypto {

namespace {

[[noreturn]] void fail(const char* what) {
  std::string msg = "OpenSSL: ";
  msg += what;
  if (auto code = ERR_get_error(); code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  throw crypto_error(msg);
}

void check(int rc, const char* what) {
  if (rc != 1)
    fail(what);
}

/// OpenSSL's parameter arrays take non-const pointers even for inputs.
void* input(byte_span x) {
  return const_cast<uint8_t*>(x.data());
}

int int_size(size_t n) {
  if (n > static_cast<size_t>(INT_MAX))
    throw crypto_error("input too large for one OpenSSL call");
  return static_cast<int>(n);
}

struct kdf_deleter {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};

/// Runs the OpenSSL KDF `name` with `params`, producing `length` bytes.
std::vector<uint8_t> derive(const char* name, OSSL_PARAM* params,
                            size_t length) {
  std::unique_ptr<EVP_KDF, kdf_deleter> kdf{
      EVP_KDF_fetch(nullptr, name, nullptr)};
  if (!kdf)
    fail(name);
  std::unique_ptr<EVP_KDF_CTX, kdf_deleter> ctx{EVP_KDF_CTX_new(kdf.get())};
  if (!ctx)
    fail(name);
  std::vector<uint8_t> out(length);
  check(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params), name);
  return out;
}

char sha256_name[] = "SHA256";

} // namespace

std::vector<uint8_t> pbkdf2_sha256(std::string_view password, byte_span salt,
                                   uint64_t iterations, size_t length) {
  auto pw = as_bytes(password);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, input(pw),
                                        pw.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, input(salt),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iterations),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, sha256_name, 0),
      OSSL_PARAM_construct_end(),
  };
  return derive("PBKDF2", params, length);
}

std::vector<uint8_t> hkdf_sha256(byte_span ikm, byte_span salt, byte_span info,
                                 size_t length) {
  OSSL_PARAM params[5];
  auto* p = params;
  *p++ =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, sha256_name, 0);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, input(ikm),
                                           ikm.size());
  // Absent salt and info are the RFC's defaults; OpenSSL wants them omitted.
  if (!salt.empty())
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, input(salt),
                                             salt.size());
  if (!info.empty())
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, input(info),
                                             info.size());
  *p = OSSL_PARAM_construct_end();
  return derive("HKDF", params, length);
}

key256 hmac_sha256(byte_span key, byte_span data) {
  key256 out;
  size_t len = 0;
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer.
  static const uint8_t empty = 0;
  auto* k = key.empty() ? &empty : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, k, key.size(),
                data.data(), data.size(), out.data(), out.size(),
                &len) == nullptr ||
      len != out.size())
    fail("HMAC");
  return out;
}

void random_bytes(std::span<uint8_t> out) {
  check(RAND_bytes(out.data(), int_size(out.size())), "RAND_bytes");
}

bool equal_constant_time(byte_span x, byte_span y) {
  if (x.size() != y.size())
    return false;
  return x.empty() || CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

// -- aes256_gcm ---------------------------------------------------------------

void aes256_gcm::ctx_deleter::operator()(evp_cipher_ctx_st* p) const {
  EVP_CIPHER_CTX_free(p);
}

aes256_gcm::aes256_gcm(const key256& key, mode m)
    : ctx_(EVP_CIPHER_CTX_new()), mode_(m) {
  if (!ctx_)
    fail("EVP_CIPHER_CTX_new");
  int enc = m == mode::seal ? 1 : 0;
  check(EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                          nullptr, enc),
        "AES-256-GCM init");
  // The default IV length is 12 bytes (NIST SP 800-38D's recommended size).
  FLEXSYNC_ASSERT(EVP_CIPHER_CTX_get_iv_length(ctx_.get()) ==
                      static_cast<int>(gcm_iv_size),
                  std::string{"crypto invariant"});
}

aes256_gcm::~aes256_gcm() = default;

void aes256_gcm::seal(byte_span iv, byte_span aad, byte_span plaintext,
                      std::vector<uint8_t>& out) {
  FLEXSYNC_ASSERT(mode_ == mode::seal && iv.size() == gcm_iv_size,
                  std::string{"crypto invariant"});
  auto* ctx = ctx_.get();
  int len = 0;
  check(EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), 1),
        "GCM IV");
  if (!aad.empty())
    check(
        EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), int_size(aad.size())),
        "GCM AAD");
  auto offset = out.size();
  out.resize(offset + plaintext.size() + gcm_tag_size);
  auto* dst = out.data() + offset;
  int total = 0;
  if (!plaintext.empty()) {
    check(EVP_EncryptUpdate(ctx, dst, &len, plaintext.data(),
                            int_size(plaintext.size())),
          "GCM encrypt");
    total = len;
  }
  check(EVP_EncryptFinal_ex(ctx, dst + total, &len), "GCM final");
  total += len;
  FLEXSYNC_ASSERT(static_cast<size_t>(total) == plaintext.size(),
                  std::string{"crypto invariant"});
  check(
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, gcm_tag_size, dst + total),
      "GCM tag");
}

bool aes256_gcm::open(byte_span iv, byte_span aad, byte_span sealed,
                      std::vector<uint8_t>& out) {
  FLEXSYNC_ASSERT(mode_ == mode::open && iv.size() == gcm_iv_size,
                  std::string{"crypto invariant"});
  if (sealed.size() < gcm_tag_size)
    return false;
  auto* ctx = ctx_.get();
  auto ct = sealed.first(sealed.size() - gcm_tag_size);
  auto tag = sealed.last(gcm_tag_size);
  int len = 0;
  check(EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), 0),
        "GCM IV");
  if (!aad.empty())
    check(
        EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), int_size(aad.size())),
        "GCM AAD");
  auto offset = out.size();
  out.resize(offset + ct.size());
  int total = 0;
  if (!ct.empty()) {
    check(EVP_DecryptUpdate(ctx, out.data() + offset, &len, ct.data(),
                            int_size(ct.size())),
          "GCM decrypt");
    total = len;
  }
  check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, gcm_tag_size,
                            const_cast<uint8_t*>(tag.data())),
        "GCM tag");
  // The final call is where GCM compares the tag; nothing decrypted may be
  // used unless it succeeds.
  if (EVP_DecryptFinal_ex(ctx, out.data() + offset + total, &len) != 1) {
    ERR_clear_error();
    out.resize(offset);
    return false;
  }
  return true;
}

} // namespace flexsync::crypto
