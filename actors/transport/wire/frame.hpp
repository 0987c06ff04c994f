#pragma once

// The peer transport's wire format: length-prefixed frames, the handshake
// frames, the cluster key schedule, and the per-direction sealing state of an
// encrypted connection. Pure and CAF-free: bytes in, bytes or a verdict out.
//
// Every frame is a 4-byte big-endian body length followed by the body; the
// body starts with a `frame_kind` byte.
//
//   hello   kind | "FLXS" | version u16 | flags u8 | nonce[32]
//                (flags: 1 password mode, 2 read-only learner)
//                | from (u8 length + bytes) | to (u8 length + bytes)
//   auth    kind | proof[32]           (password mode only)
//   refuse  kind | reason u8 | text    (sent before closing a handshake)
//   message kind | payload             (no password: a serialized message)
//   ping    kind                       (no password: keeps an idle link busy)
//   sealed  kind | counter u64 | AES-256-GCM(inner kind | payload) | tag[16]
//
// The magic and the version come first and stay there in every future
// version, so an incompatible peer is always recognized and told why.
//
// Password mode. The cluster key comes from PBKDF2-HMAC-SHA256(password,
// per-cluster salt, `pbkdf2_iterations`), split by HKDF into an
// authentication key and a traffic key. In the handshake each side sends a
// fresh 32-byte nonce in its hello; the dialer then proves knowledge of the
// key with HMAC(auth key, "dialer" label, both ids, both nonces), and the
// acceptor answers with its own proof only after checking the dialer's, so an
// unauthenticated dialer learns nothing keyed. Each direction of a connection
// gets its own AES-256-GCM key, HKDF(traffic key, salt = both nonces, info =
// direction label and both ids); a frame from another connection therefore
// never opens. The GCM nonce is the direction's frame counter (0, 1, 2, ...),
// never reused under one key; the receiver requires exactly the next counter,
// so a replayed, dropped or reordered frame closes the connection.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/transport/wire/crypto.hpp"
#include "protocol/types.hpp"

namespace flexsync::wire {

using crypto::byte_span;

/// Version of the peer protocol; peers must speak the same one.
constexpr uint16_t protocol_version = 1;

/// Bytes of the length prefix in front of every frame body.
constexpr size_t length_prefix_size = 4;

/// Largest frame body accepted before the handshake completes: handshake
/// frames are small, and an unauthenticated peer must not make us buffer
/// megabytes.
constexpr size_t max_handshake_frame_size = 1024;

/// Longest node id (address) a hello may carry.
constexpr size_t max_node_id_size = 255;

/// PBKDF2 work factor for the cluster key (OWASP's 2023 recommendation for
/// PBKDF2-HMAC-SHA256; about 0.2 s on the reference machine, paid once per
/// process and password thanks to `cached_cluster_key`).
constexpr uint64_t pbkdf2_iterations = 600'000;

constexpr size_t nonce_size = 32;

using nonce = std::array<uint8_t, nonce_size>;

/// A frame ready for the socket: length prefix and body.
using frame = std::vector<uint8_t>;

enum class frame_kind : uint8_t {
  hello = 1,
  auth = 2,
  refuse = 3,
  message = 4,
  ping = 5,
  sealed = 6,
};

/// Why a handshake is refused; sent to the peer and logged on both ends.
enum class refuse_reason : uint8_t {
  malformed = 1,
  version = 2,
  password_mode = 3,
  not_member = 4,
  wrong_node = 5,
  dial_rule = 6,
  auth_failed = 7,
  busy = 8,
};

const char* to_string(refuse_reason x);

/// First frame of each side.
struct hello {
  /// The sender's protocol version.
  uint16_t version = protocol_version;
  /// Whether the sender runs in password mode (both sides must agree).
  bool password = false;
  /// The sender is a read-only node (a learner) that may be outside the
  /// configuration (flags bit 2; see protocol/readonly_rules.hpp).
  bool learner = false;
  /// Fresh random bytes for this connection.
  nonce salt{};
  /// The sender's node id.
  node_id from;
  /// Whom the sender believes it talks to (the dialer knows; the acceptor
  /// echoes the dialer's id).
  node_id to;
};

struct refusal {
  refuse_reason reason = refuse_reason::malformed;
  std::string text;
};

/// The result of decoding a frame body: the value, or why it is invalid.
template <class T>
struct decoded {
  std::optional<T> value;
  std::string error;
  /// For a hello: it failed because the peer speaks another version.
  bool incompatible_version = false;

  explicit operator bool() const { return value.has_value(); }
};

// -- framing
// -------------------------------------------------------------------

/// The body length announced by a 4-byte prefix.
/// @pre prefix.size() == length_prefix_size
uint32_t read_length(byte_span prefix);

/// The kind byte of a body; nothing for an empty body.
std::optional<frame_kind> kind_of(byte_span body);

frame encode_hello(const hello& x);
frame encode_auth(const crypto::key256& proof);
frame encode_refuse(const refusal& x);
/// An unencrypted message or ping frame.
frame encode_plain(frame_kind kind, byte_span payload);

/// Decodes a hello body. A hello from another protocol version decodes only
/// as far as its version, with the error saying so.
decoded<hello> decode_hello(byte_span body);
decoded<crypto::key256> decode_auth(byte_span body);
decoded<refusal> decode_refuse(byte_span body);

// -- keys
// ----------------------------------------------------------------------

/// A cluster's long-term secrets, derived from its password and salt.
struct cluster_key {
  /// HMAC key of the handshake proofs.
  crypto::key256 auth{};
  /// Input of the per-connection traffic keys.
  crypto::key256 traffic{};
};

/// Derives the key with PBKDF2-HMAC-SHA256 (`iterations` rounds), then HKDF.
cluster_key derive_cluster_key(std::string_view password,
                               std::string_view cluster_salt,
                               uint64_t iterations = pbkdf2_iterations);

/// derive_cluster_key with the default work factor, computed once per
/// process for each (password, salt) pair. Thread-safe.
std::shared_ptr<const cluster_key>
cached_cluster_key(std::string_view password, std::string_view cluster_salt);

enum class role : uint8_t { dialer, acceptor };

/// What both ends of one connection agreed on in their hellos.
struct transcript {
  node_id dialer;
  node_id acceptor;
  nonce dialer_nonce{};
  nonce acceptor_nonce{};
};

/// The proof that `prover` knows the cluster key, bound to this connection.
crypto::key256 auth_proof(const cluster_key& key, role prover,
                          const transcript& t);

/// The AES-256-GCM keys of the two directions of one connection.
struct direction_keys {
  crypto::key256 dialer_to_acceptor{};
  crypto::key256 acceptor_to_dialer{};
};

direction_keys derive_direction_keys(const cluster_key& key,
                                     const transcript& t);

// -- sealing
// -------------------------------------------------------------------

/// Seals the frames of one direction of one connection, numbering them
/// 0, 1, 2, ... (the GCM nonce; the key lives for this direction only, so a
/// nonce never repeats under a key).
class frame_sealer {
public:
  explicit frame_sealer(const crypto::key256& key);

  /// A sealed frame carrying `inner` (message or ping) and `payload`.
  frame seal(frame_kind inner, byte_span payload);

  uint64_t next_counter() const { return next_; }

private:
  crypto::aes256_gcm gcm_;
  uint64_t next_ = 0;
};

/// Opens the sealed frames of one direction, in order and exactly once.
class frame_opener {
public:
  enum class status : uint8_t { ok, malformed, out_of_order, bad_tag };

  struct opened {
    status result = status::malformed;
    frame_kind kind = frame_kind::ping;
    std::vector<uint8_t> payload;
    /// The counter the frame claimed.
    uint64_t counter = 0;
  };

  explicit frame_opener(const crypto::key256& key);

  /// Opens a sealed body; anything but `ok` means the connection must close.
  opened open(byte_span body);

  uint64_t next_counter() const { return next_; }

private:
  crypto::aes256_gcm gcm_;
  uint64_t next_ = 0;
};

const char* to_string(frame_opener::status x);

} // namespace flexsync::wire
