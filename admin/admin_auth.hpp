#pragma once

// The admin login's cryptography and bookkeeping (protocol/admin.hpp
// describes the exchange), pure and CAF-free: the key, both proofs, the
// node's book of open challenges, and the bound on wrong-password log lines.
// All cryptography goes through OpenSSL (actors/transport/wire/crypto.hpp).
//
// The admin key is HKDF(the cluster's authentication key, "flexsync v1 admin
// key"), where the cluster key is the peer transport's PBKDF2 of the password
// and the cluster salt: the same password and salt as the peer links, but a
// key of its own, so an admin proof is never a valid peer proof or the
// other way round. The node's proof hashes a label the client's lacks, so a
// client proof replayed to a client never passes as the node's.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/transport/wire/crypto.hpp"

namespace flexsync::admin {

using bytes = std::vector<uint8_t>;
using clock = std::chrono::steady_clock;

/// The admin key of a password and cluster salt (PBKDF2 with the transport's
/// work factor: about 0.2 s).
crypto::key256 derive_admin_key(std::string_view password,
                                std::string_view salt);

/// derive_admin_key, computed once per process for each password and salt
/// (the transport's cache: a node that already derived its cluster key pays
/// nothing). Thread-safe.
crypto::key256 cached_admin_key(std::string_view password,
                                std::string_view salt);

/// HMAC-SHA256(key, nonce || client_nonce).
crypto::key256 client_proof(const crypto::key256& key, crypto::byte_span nonce,
                            crypto::byte_span client_nonce);

/// HMAC-SHA256(key, "flexsync admin node" || client_nonce || nonce).
crypto::key256 server_proof(const crypto::key256& key,
                            crypto::byte_span client_nonce,
                            crypto::byte_span nonce);

/// Whether `received` equals `expected`, compared in constant time.
bool proof_matches(const crypto::key256& expected, crypto::byte_span received);

/// admin_nonce_size fresh bytes from OpenSSL's CSPRNG.
bytes fresh_nonce();

/// The challenges a node handed out and not yet redeemed. A nonce is bound
/// to the sender it was issued to, expires after `lifetime`, and is usable
/// once. At most `capacity` are open; issuing another one forgets the
/// oldest, so a client that asks and never logs in costs bounded memory.
class challenge_book {
public:
  explicit challenge_book(size_t capacity = 256,
                          clock::duration lifetime = std::chrono::seconds(60));

  /// Records `nonce` as issued to `sender` at `now`.
  void issue(const std::string& sender, const bytes& nonce,
             clock::time_point now);

  /// Forgets `nonce` and returns whether it was issued to `sender` and has
  /// not expired at `now`. A second redeem of the same nonce is false.
  bool redeem(const std::string& sender, const bytes& nonce,
              clock::time_point now);

  /// Challenges still open.
  size_t size() const { return open_.size(); }

private:
  struct entry {
    std::string sender;
    clock::time_point issued;
    uint64_t order;
  };

  size_t capacity_;
  clock::duration lifetime_;
  uint64_t next_order_ = 0;
  std::map<bytes, entry> open_;
};

/// Bounds the log lines of an event that an outsider can cause at will (a
/// wrong password): the first `burst` events of every `window` get a line
/// each; the rest are counted and reported with the next line.
class log_limiter {
public:
  log_limiter(size_t burst, clock::duration window);

  /// Whether this event (at `now`) gets a line.
  bool allow(clock::time_point now);

  /// Events refused a line since the last call; resets the count.
  uint64_t take_suppressed();

private:
  size_t burst_;
  clock::duration window_;
  clock::time_point window_start_{};
  size_t lines_ = 0;
  uint64_t suppressed_ = 0;
};

} // namespace flexsync::admin
