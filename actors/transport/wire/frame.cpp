#include "actors/transport/wire/frame.hpp"

#include "protocol/assert.hpp"
#include <cstring>
#include <limits>
#include <map>
#include <mutex>

namespace flexsync::wire {

namespace {

constexpr std::string_view magic = "FLXS";

/// Appends integers big-endian and strings with a length byte.
struct writer {
  frame out;

  /// Starts a frame; the length prefix is filled in by finish().
  explicit writer(frame_kind kind) {
    out.resize(length_prefix_size);
    out.push_back(static_cast<uint8_t>(kind));
  }

  void bytes(byte_span x) { out.insert(out.end(), x.begin(), x.end()); }

  void u8(uint8_t x) { out.push_back(x); }

  void u16(uint16_t x) {
    out.push_back(static_cast<uint8_t>(x >> 8));
    out.push_back(static_cast<uint8_t>(x));
  }

  void short_string(const std::string& x) {
    FLEXSYNC_ASSERT(x.size() <= max_node_id_size,
                    std::string{"frame invariant"});
    u8(static_cast<uint8_t>(x.size()));
    bytes(crypto::as_bytes(x));
  }

  frame finish() {
    auto n = out.size() - length_prefix_size;
    FLEXSYNC_ASSERT(n <= std::numeric_limits<uint32_t>::max(),
                    std::string{"frame invariant"});
    for (size_t i = 0; i < length_prefix_size; ++i)
      out[i] = static_cast<uint8_t>(n >> (8 * (length_prefix_size - 1 - i)));
    return std::move(out);
  }
};

/// Reads what `writer` wrote; every read checks the remaining size.
struct reader {
  byte_span in;
  bool ok = true;

  bool take(size_t n, byte_span& x) {
    if (!ok || in.size() < n)
      return ok = false;
    x = in.first(n);
    in = in.subspan(n);
    return true;
  }

  uint8_t u8() {
    byte_span x;
    return take(1, x) ? x[0] : 0;
  }

  uint16_t u16() {
    byte_span x;
    return take(2, x) ? static_cast<uint16_t>((x[0] << 8) | x[1]) : 0;
  }

  std::string short_string() {
    auto n = u8();
    byte_span x;
    if (!take(n, x))
      return {};
    return {reinterpret_cast<const char*>(x.data()), x.size()};
  }

  template <size_t N>
  void array(std::array<uint8_t, N>& dst) {
    byte_span x;
    if (take(N, x))
      std::memcpy(dst.data(), x.data(), N);
  }
};

void put_u64(uint8_t* dst, uint64_t x) {
  for (int i = 7; i >= 0; --i, x >>= 8)
    dst[i] = static_cast<uint8_t>(x);
}

uint64_t get_u64(const uint8_t* src) {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i)
    x = (x << 8) | src[i];
  return x;
}

/// The GCM nonce of frame `counter`: four zero bytes, then the counter.
std::array<uint8_t, crypto::gcm_iv_size> iv_of(uint64_t counter) {
  std::array<uint8_t, crypto::gcm_iv_size> iv{};
  put_u64(iv.data() + 4, counter);
  return iv;
}

/// kind | counter: the authenticated header of a sealed body.
constexpr size_t sealed_header_size = 1 + 8;

/// The bytes every proof and traffic key is bound to: a label naming the
/// purpose and direction, both ids and both nonces, each length-prefixed so
/// that no two transcripts encode alike.
std::vector<uint8_t> bind(std::string_view label, const transcript& t) {
  writer w{frame_kind::auth}; // only the body is used
  w.short_string(std::string{label});
  w.short_string(t.dialer.name);
  w.short_string(t.acceptor.name);
  w.bytes(t.dialer_nonce);
  w.bytes(t.acceptor_nonce);
  w.u16(protocol_version);
  return {w.out.begin() + length_prefix_size + 1, w.out.end()};
}

crypto::key256 to_key(const std::vector<uint8_t>& x) {
  crypto::key256 k;
  FLEXSYNC_ASSERT(x.size() == k.size(), std::string{"frame invariant"});
  std::memcpy(k.data(), x.data(), k.size());
  return k;
}

} // namespace

const char* to_string(refuse_reason x) {
  switch (x) {
  case refuse_reason::malformed:
    return "malformed handshake";
  case refuse_reason::version:
    return "incompatible protocol version";
  case refuse_reason::password_mode:
    return "password mode mismatch";
  case refuse_reason::not_member:
    return "not a member of this cluster";
  case refuse_reason::wrong_node:
    return "wrong node";
  case refuse_reason::dial_rule:
    return "the node with the greater address dials";
  case refuse_reason::auth_failed:
    return "authentication failed";
  case refuse_reason::busy:
    return "too many pending connections";
  }
  return "unknown reason";
}

// -- framing
// -------------------------------------------------------------------

uint32_t read_length(byte_span prefix) {
  FLEXSYNC_ASSERT(prefix.size() == length_prefix_size,
                  std::string{"frame invariant"});
  return (uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) |
         (uint32_t{prefix[2]} << 8) | uint32_t{prefix[3]};
}

std::optional<frame_kind> kind_of(byte_span body) {
  if (body.empty())
    return std::nullopt;
  return static_cast<frame_kind>(body[0]);
}

frame encode_hello(const hello& x) {
  writer w{frame_kind::hello};
  w.bytes(crypto::as_bytes(magic));
  w.u16(x.version);
  w.u8(static_cast<uint8_t>((x.password ? 1 : 0) | (x.learner ? 2 : 0)));
  w.bytes(x.salt);
  w.short_string(x.from.name);
  w.short_string(x.to.name);
  return w.finish();
}

frame encode_auth(const crypto::key256& proof) {
  writer w{frame_kind::auth};
  w.bytes(proof);
  return w.finish();
}

frame encode_refuse(const refusal& x) {
  writer w{frame_kind::refuse};
  w.u8(static_cast<uint8_t>(x.reason));
  auto text = std::string_view{x.text}.substr(0, 200);
  w.bytes(crypto::as_bytes(text));
  return w.finish();
}

frame encode_plain(frame_kind kind, byte_span payload) {
  writer w{kind};
  w.bytes(payload);
  return w.finish();
}

decoded<hello> decode_hello(byte_span body) {
  decoded<hello> result;
  reader r{body.subspan(body.empty() ? 0 : 1)};
  byte_span m;
  if (kind_of(body) != frame_kind::hello || !r.take(magic.size(), m) ||
      !crypto::equal_constant_time(m, crypto::as_bytes(magic))) {
    result.error = "not a flexsync hello";
    return result;
  }
  hello x;
  x.version = r.u16();
  if (r.ok && x.version != protocol_version) {
    result.error = "incompatible protocol version " +
                   std::to_string(x.version) + " (this node speaks " +
                   std::to_string(protocol_version) + ")";
    result.incompatible_version = true;
    return result;
  }
  auto flags = r.u8();
  x.password = (flags & 1) != 0;
  x.learner = (flags & 2) != 0;
  r.array(x.salt);
  x.from.name = r.short_string();
  x.to.name = r.short_string();
  if (!r.ok || !r.in.empty() || flags > 3 || x.from.empty()) {
    result.error = "malformed hello";
    return result;
  }
  result.value = std::move(x);
  return result;
}

decoded<crypto::key256> decode_auth(byte_span body) {
  decoded<crypto::key256> result;
  crypto::key256 proof;
  if (kind_of(body) != frame_kind::auth || body.size() != 1 + proof.size()) {
    result.error = "malformed authentication frame";
    return result;
  }
  std::memcpy(proof.data(), body.data() + 1, proof.size());
  result.value = proof;
  return result;
}

decoded<refusal> decode_refuse(byte_span body) {
  decoded<refusal> result;
  if (kind_of(body) != frame_kind::refuse || body.size() < 2) {
    result.error = "malformed refusal";
    return result;
  }
  refusal x;
  x.reason = static_cast<refuse_reason>(body[1]);
  x.text.assign(reinterpret_cast<const char*>(body.data()) + 2,
                body.size() - 2);
  result.value = std::move(x);
  return result;
}

// -- keys
// ----------------------------------------------------------------------

cluster_key derive_cluster_key(std::string_view password,
                               std::string_view cluster_salt,
                               uint64_t iterations) {
  // The salt is domain-separated so the same (password, salt) used by some
  // other program never yields our key.
  std::string salt = "flexsync cluster key v1|";
  salt += cluster_salt;
  auto master =
      crypto::pbkdf2_sha256(password, crypto::as_bytes(salt), iterations, 32);
  cluster_key result;
  result.auth = to_key(crypto::hkdf_sha256(
      master, {}, crypto::as_bytes("flexsync v1 auth key"), 32));
  result.traffic = to_key(crypto::hkdf_sha256(
      master, {}, crypto::as_bytes("flexsync v1 traffic key"), 32));
  return result;
}

std::shared_ptr<const cluster_key>
cached_cluster_key(std::string_view password, std::string_view cluster_salt) {
  // Keyed by a digest rather than the password itself; the key is as secret
  // as the password anyway.
  std::string id;
  id += std::to_string(password.size()) + ':';
  id += password;
  id += cluster_salt;
  auto digest = crypto::hmac_sha256(crypto::as_bytes("flexsync key cache"),
                                    crypto::as_bytes(id));
  static std::mutex mtx;
  static std::map<crypto::key256, std::shared_ptr<const cluster_key>> cache;
  std::lock_guard<std::mutex> guard{mtx};
  auto& slot = cache[digest];
  if (!slot)
    slot = std::make_shared<const cluster_key>(
        derive_cluster_key(password, cluster_salt));
  return slot;
}

crypto::key256 auth_proof(const cluster_key& key, role prover,
                          const transcript& t) {
  auto label = prover == role::dialer ? "flexsync v1 proof dialer"
                                      : "flexsync v1 proof acceptor";
  return crypto::hmac_sha256(key.auth, bind(label, t));
}

direction_keys derive_direction_keys(const cluster_key& key,
                                     const transcript& t) {
  std::vector<uint8_t> salt(t.dialer_nonce.begin(), t.dialer_nonce.end());
  salt.insert(salt.end(), t.acceptor_nonce.begin(), t.acceptor_nonce.end());
  direction_keys result;
  result.dialer_to_acceptor = to_key(crypto::hkdf_sha256(
      key.traffic, salt, bind("flexsync v1 dialer to acceptor", t), 32));
  result.acceptor_to_dialer = to_key(crypto::hkdf_sha256(
      key.traffic, salt, bind("flexsync v1 acceptor to dialer", t), 32));
  return result;
}

// -- sealing
// -------------------------------------------------------------------

frame_sealer::frame_sealer(const crypto::key256& key)
    : gcm_(key, crypto::aes256_gcm::mode::seal) {
  // nop
}

frame frame_sealer::seal(frame_kind inner, byte_span payload) {
  // 2^64 frames cannot be sent in the lifetime of a connection; reaching the
  // end would reuse a nonce, so it is a broken invariant, not a condition.
  FLEXSYNC_ASSERT(next_ != std::numeric_limits<uint64_t>::max(),
                  std::string{"frame invariant"});
  auto counter = next_++;
  frame out;
  out.reserve(length_prefix_size + sealed_header_size + 1 + payload.size() +
              crypto::gcm_tag_size);
  out.resize(length_prefix_size + sealed_header_size);
  out[length_prefix_size] = static_cast<uint8_t>(frame_kind::sealed);
  put_u64(out.data() + length_prefix_size + 1, counter);
  std::vector<uint8_t> plain;
  plain.reserve(1 + payload.size());
  plain.push_back(static_cast<uint8_t>(inner));
  plain.insert(plain.end(), payload.begin(), payload.end());
  auto iv = iv_of(counter);
  std::vector<uint8_t> aad(out.begin() + length_prefix_size, out.end());
  gcm_.seal(iv, aad, plain, out);
  auto n = out.size() - length_prefix_size;
  for (size_t i = 0; i < length_prefix_size; ++i)
    out[i] = static_cast<uint8_t>(n >> (8 * (length_prefix_size - 1 - i)));
  return out;
}

frame_opener::frame_opener(const crypto::key256& key)
    : gcm_(key, crypto::aes256_gcm::mode::open) {
  // nop
}

frame_opener::opened frame_opener::open(byte_span body) {
  opened result;
  if (kind_of(body) != frame_kind::sealed ||
      body.size() < sealed_header_size + 1 + crypto::gcm_tag_size)
    return result; // malformed
  result.counter = get_u64(body.data() + 1);
  // Exactly the next frame: a replayed, skipped or reordered one is refused
  // before any decryption.
  if (result.counter != next_) {
    result.result = status::out_of_order;
    return result;
  }
  auto iv = iv_of(result.counter);
  std::vector<uint8_t> plain;
  if (!gcm_.open(iv, body.first(sealed_header_size),
                 body.subspan(sealed_header_size), plain)) {
    result.result = status::bad_tag;
    return result;
  }
  ++next_;
  result.kind = static_cast<frame_kind>(plain[0]);
  if (result.kind != frame_kind::message && result.kind != frame_kind::ping)
    return result; // malformed, though authentic: a broken peer
  result.payload.assign(plain.begin() + 1, plain.end());
  result.result = status::ok;
  return result;
}

const char* to_string(frame_opener::status x) {
  switch (x) {
  case frame_opener::status::ok:
    return "ok";
  case frame_opener::status::malformed:
    return "malformed sealed frame";
  case frame_opener::status::out_of_order:
    return "replayed or reordered frame";
  case frame_opener::status::bad_tag:
    return "frame failed authentication";
  }
  return "unknown";
}

} // namespace flexsync::wire
