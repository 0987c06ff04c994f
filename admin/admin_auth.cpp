#include "admin/admin_auth.hpp"

#include <algorithm>

#include "actors/transport/wire/frame.hpp"
#include "protocol/admin.hpp"

namespace flexsync::admin {

namespace {

crypto::key256 admin_key_of(const wire::cluster_key& k) {
  auto out = crypto::hkdf_sha256(
    k.auth, {}, crypto::as_bytes("flexsync v1 admin key"), 32);
  crypto::key256 key;
  std::copy(out.begin(), out.end(), key.begin());
  return key;
}

} // namespace

crypto::key256 derive_admin_key(std::string_view password,
                                std::string_view salt) {
  return admin_key_of(wire::derive_cluster_key(password, salt));
}

crypto::key256 cached_admin_key(std::string_view password,
                                std::string_view salt) {
  return admin_key_of(*wire::cached_cluster_key(password, salt));
}

crypto::key256 client_proof(const crypto::key256& key, crypto::byte_span nonce,
                            crypto::byte_span client_nonce) {
  bytes data(nonce.begin(), nonce.end());
  data.insert(data.end(), client_nonce.begin(), client_nonce.end());
  return crypto::hmac_sha256(key, data);
}

crypto::key256 server_proof(const crypto::key256& key,
                            crypto::byte_span client_nonce,
                            crypto::byte_span nonce) {
  auto label = crypto::as_bytes("flexsync admin node");
  bytes data(label.begin(), label.end());
  data.insert(data.end(), client_nonce.begin(), client_nonce.end());
  data.insert(data.end(), nonce.begin(), nonce.end());
  return crypto::hmac_sha256(key, data);
}

bool proof_matches(const crypto::key256& expected, crypto::byte_span received) {
  return crypto::equal_constant_time(expected, received);
}

bytes fresh_nonce() {
  bytes out(admin_nonce_size);
  crypto::random_bytes(out);
  return out;
}

// -- challenge_book -----------------------------------------------------------

challenge_book::challenge_book(size_t capacity, clock::duration lifetime)
  : capacity_(std::max<size_t>(capacity, 1)), lifetime_(lifetime) {
  // nop
}

void challenge_book::issue(const std::string& sender, const bytes& nonce,
                           clock::time_point now) {
  if (open_.size() >= capacity_) {
    auto oldest = std::min_element(
      open_.begin(), open_.end(), [](const auto& x, const auto& y) {
        return x.second.order < y.second.order;
      });
    open_.erase(oldest);
  }
  open_[nonce] = entry{sender, now, next_order_++};
}

bool challenge_book::redeem(const std::string& sender, const bytes& nonce,
                            clock::time_point now) {
  auto i = open_.find(nonce);
  if (i == open_.end())
    return false;
  auto ok = i->second.sender == sender && now - i->second.issued <= lifetime_;
  // Used once, whatever the outcome: a guess costs the guesser its nonce.
  open_.erase(i);
  return ok;
}

// -- log_limiter --------------------------------------------------------------

log_limiter::log_limiter(size_t burst, clock::duration window)
  : burst_(burst), window_(window) {
  // nop
}

bool log_limiter::allow(clock::time_point now) {
  if (lines_ == 0 || now - window_start_ >= window_) {
    window_start_ = now;
    lines_ = 0;
  }
  if (lines_ >= burst_) {
    ++suppressed_;
    return false;
  }
  ++lines_;
  return true;
}

uint64_t log_limiter::take_suppressed() {
  auto n = suppressed_;
  suppressed_ = 0;
  return n;
}

} // namespace flexsync::admin
