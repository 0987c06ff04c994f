// The admin login's pure parts (admin/admin_auth.hpp): the key, both
// proofs and their verification, the node's book of challenges (one use,
// one sender, expiry, bounded), and the bound on wrong-password log lines.

#include <catch2/catch.hpp>

#include "actors/transport/wire/frame.hpp"
#include "admin/admin_auth.hpp"
#include "protocol/admin.hpp"

using namespace flexsync;
using namespace flexsync::admin;
using namespace std::chrono_literals;

namespace {

bytes of(const crypto::key256& k) {
  return bytes(k.begin(), k.end());
}

} // namespace

TEST_CASE("the admin key depends on password and salt and is no peer key") {
  auto key = cached_admin_key("pw", "salt");
  CHECK(derive_admin_key("pw", "salt") == key);
  CHECK(cached_admin_key("pw2", "salt") != key);
  CHECK(cached_admin_key("pw", "salt2") != key);
  auto cluster = wire::cached_cluster_key("pw", "salt");
  CHECK(key != cluster->auth);
  CHECK(key != cluster->traffic);
}

TEST_CASE("a proof verifies only with the same key and nonces") {
  auto key = cached_admin_key("pw", "salt");
  auto other = cached_admin_key("not pw", "salt");
  auto nonce = fresh_nonce();
  auto client_nonce = fresh_nonce();
  REQUIRE(nonce.size() == admin_nonce_size);
  CHECK(nonce != client_nonce);
  auto p = client_proof(key, nonce, client_nonce);
  CHECK(proof_matches(p, of(client_proof(key, nonce, client_nonce))));
  CHECK_FALSE(proof_matches(p, of(client_proof(other, nonce, client_nonce))));
  CHECK_FALSE(proof_matches(p, of(client_proof(key, client_nonce, nonce))));
  CHECK_FALSE(proof_matches(p, of(client_proof(key, fresh_nonce(),
                                               client_nonce))));
  auto truncated = of(p);
  truncated.pop_back();
  CHECK_FALSE(proof_matches(p, truncated));
  CHECK_FALSE(proof_matches(p, {}));
  // The node's proof over the same nonces is another value: a client's
  // proof reflected back never passes as the node's.
  auto s = server_proof(key, client_nonce, nonce);
  CHECK(s != p);
  CHECK(s != client_proof(key, client_nonce, nonce));
  CHECK(proof_matches(s, of(server_proof(key, client_nonce, nonce))));
  CHECK_FALSE(proof_matches(s, of(server_proof(other, client_nonce, nonce))));
}

TEST_CASE("a challenge is redeemed once, by its sender, before it expires") {
  challenge_book book{8, 60s};
  clock::time_point t0{};
  auto n1 = fresh_nonce();
  book.issue("alice", n1, t0);
  CHECK(book.size() == 1);
  CHECK(book.redeem("alice", n1, t0 + 1s));
  CHECK_FALSE(book.redeem("alice", n1, t0 + 1s)); // used
  auto n2 = fresh_nonce();
  book.issue("alice", n2, t0);
  CHECK_FALSE(book.redeem("mallory", n2, t0)); // not hers
  CHECK_FALSE(book.redeem("alice", n2, t0));   // and gone: one guess
  auto n3 = fresh_nonce();
  book.issue("alice", n3, t0);
  CHECK_FALSE(book.redeem("alice", n3, t0 + 61s)); // expired
  CHECK_FALSE(book.redeem("alice", fresh_nonce(), t0)); // never issued
  CHECK(book.size() == 0);
}

TEST_CASE("open challenges are bounded: the oldest is forgotten") {
  challenge_book book{3, 60s};
  clock::time_point t0{};
  std::vector<bytes> nonces;
  for (int i = 0; i < 5; ++i) {
    nonces.push_back(fresh_nonce());
    book.issue("c", nonces.back(), t0);
  }
  CHECK(book.size() == 3);
  CHECK_FALSE(book.redeem("c", nonces[0], t0));
  CHECK_FALSE(book.redeem("c", nonces[1], t0));
  CHECK(book.redeem("c", nonces[2], t0));
  CHECK(book.redeem("c", nonces[4], t0));
}

TEST_CASE("wrong-password lines are bounded per window and the rest counted") {
  log_limiter lim{2, 60s};
  clock::time_point t0{};
  CHECK(lim.allow(t0));
  CHECK(lim.take_suppressed() == 0);
  CHECK(lim.allow(t0 + 1s));
  CHECK_FALSE(lim.allow(t0 + 2s));
  CHECK_FALSE(lim.allow(t0 + 3s));
  CHECK_FALSE(lim.allow(t0 + 59s));
  // The next window's first line reports what was held back.
  CHECK(lim.allow(t0 + 61s));
  CHECK(lim.take_suppressed() == 3);
  CHECK(lim.take_suppressed() == 0);
}
