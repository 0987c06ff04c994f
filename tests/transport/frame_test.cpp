// The wire format: framing, handshake frames, the key schedule, and the
// per-direction sealing that must refuse tampered, replayed, reordered and
// foreign frames.

#include <catch2/catch.hpp>

#include "actors/transport/wire/frame.hpp"

using namespace flexsync;
using namespace flexsync::wire;

namespace {

byte_span body_of(const frame& f) {
  REQUIRE(f.size() >= length_prefix_size);
  auto body = byte_span{f}.subspan(length_prefix_size);
  REQUIRE(read_length(byte_span{f}.first(length_prefix_size)) == body.size());
  return body;
}

/// A quick key: the test work factor is 1, not the production one.
cluster_key test_key(std::string_view password, std::string_view salt = "s") {
  return derive_cluster_key(password, salt, 1);
}

transcript some_transcript() {
  transcript t;
  t.dialer = node_id{"10.0.0.2:7000"};
  t.acceptor = node_id{"10.0.0.1:7000"};
  crypto::random_bytes(t.dialer_nonce);
  crypto::random_bytes(t.acceptor_nonce);
  return t;
}

std::vector<uint8_t> text(std::string_view x) {
  auto b = crypto::as_bytes(x);
  return {b.begin(), b.end()};
}

} // namespace

TEST_CASE("the length prefix is 4 bytes big-endian", "[transport][frame]") {
  auto f = encode_plain(frame_kind::message, text("abc"));
  CHECK(f == std::vector<uint8_t>{0, 0, 0, 4, 4, 'a', 'b', 'c'});
  std::vector<uint8_t> big{0x01, 0x02, 0x03, 0x04};
  CHECK(read_length(big) == 0x01020304u);
  CHECK(kind_of(body_of(f)) == frame_kind::message);
  CHECK_FALSE(kind_of({}).has_value());
}

TEST_CASE("a hello round-trips and bad ones are named", "[transport][frame]") {
  hello h;
  h.password = true;
  crypto::random_bytes(h.salt);
  h.from = node_id{"[::1]:7001"};
  h.to = node_id{"::1:7002"};
  auto f = encode_hello(h);
  auto d = decode_hello(body_of(f));
  REQUIRE(d);
  CHECK(d.value->version == protocol_version);
  CHECK(d.value->password);
  CHECK(d.value->salt == h.salt);
  CHECK(d.value->from == h.from);
  CHECK(d.value->to == h.to);
  CHECK_FALSE(d.value->learner);
  auto body = std::vector<uint8_t>(body_of(f).begin(), body_of(f).end());
  SECTION("the learner flag round-trips") {
    h.learner = true;
    auto l = decode_hello(body_of(encode_hello(h)));
    REQUIRE(l);
    CHECK(l.value->learner);
    CHECK(l.value->password);
  }
  SECTION("unknown flags are malformed") {
    body[7] = 4; // the flags byte, after kind, magic and version
    CHECK_FALSE(decode_hello(body));
  }
  SECTION("another version is recognized as such") {
    body[6] = 2; // the version's low byte, after kind and magic
    auto bad = decode_hello(body);
    CHECK_FALSE(bad);
    CHECK(bad.incompatible_version);
    CHECK(bad.error == "incompatible protocol version 2 (this node speaks 1)");
  }
  SECTION("a wrong magic is not a hello") {
    body[1] = 'X';
    CHECK(decode_hello(body).error == "not a flexsync hello");
  }
  SECTION("truncated or padded is malformed") {
    auto shorter = body;
    shorter.pop_back();
    CHECK(decode_hello(shorter).error == "malformed hello");
    auto longer = body;
    longer.push_back(0);
    CHECK(decode_hello(longer).error == "malformed hello");
    CHECK_FALSE(decode_hello({}));
  }
}

TEST_CASE("auth and refuse frames round-trip", "[transport][frame]") {
  crypto::key256 proof;
  crypto::random_bytes(proof);
  auto a = decode_auth(body_of(encode_auth(proof)));
  REQUIRE(a);
  CHECK(*a.value == proof);
  CHECK_FALSE(decode_auth(std::vector<uint8_t>{2, 1, 2}));
  auto r = decode_refuse(
      body_of(encode_refuse({refuse_reason::version, "speak 1"})));
  REQUIRE(r);
  CHECK(r.value->reason == refuse_reason::version);
  CHECK(r.value->text == "speak 1");
}

TEST_CASE("the cluster key depends on password and salt",
          "[transport][frame][keys]") {
  auto k = test_key("secret", "cluster-a");
  CHECK(k.auth != k.traffic);
  CHECK(test_key("secret", "cluster-a").auth == k.auth);
  CHECK(test_key("secret", "cluster-b").auth != k.auth);
  CHECK(test_key("Secret", "cluster-a").auth != k.auth);
  // The work factor the README states.
  CHECK(pbkdf2_iterations == 600000);
}

TEST_CASE("cached_cluster_key derives once per password and salt",
          "[transport][frame][keys]") {
  auto a = cached_cluster_key("pw", "salt-1");
  auto b = cached_cluster_key("pw", "salt-1");
  CHECK(a == b);
  CHECK(a->auth == derive_cluster_key("pw", "salt-1").auth);
  CHECK(cached_cluster_key("pw", "salt-2")->auth != a->auth);
}

TEST_CASE("proofs and traffic keys are bound to direction, ids and nonces",
          "[transport][frame][keys]") {
  auto k = test_key("pw");
  auto t = some_transcript();
  auto pd = auth_proof(k, role::dialer, t);
  auto pa = auth_proof(k, role::acceptor, t);
  CHECK(pd != pa); // a proof cannot be reflected
  CHECK(auth_proof(k, role::dialer, t) == pd);
  CHECK(auth_proof(test_key("other"), role::dialer, t) != pd);
  auto t2 = t;
  t2.acceptor_nonce[0] ^= 1;
  CHECK(auth_proof(k, role::dialer, t2) != pd);
  auto t3 = t;
  t3.dialer = node_id{"10.0.0.3:7000"};
  CHECK(auth_proof(k, role::dialer, t3) != pd);
  auto keys = derive_direction_keys(k, t);
  CHECK(keys.dialer_to_acceptor != keys.acceptor_to_dialer);
  CHECK(derive_direction_keys(k, t2).dialer_to_acceptor !=
        keys.dialer_to_acceptor);
}

TEST_CASE("sealed frames open once, in order, under their own key only",
          "[transport][frame][sealing]") {
  auto k = test_key("pw");
  auto keys = derive_direction_keys(k, some_transcript());
  frame_sealer sealer{keys.dialer_to_acceptor};
  frame_opener opener{keys.dialer_to_acceptor};
  auto f0 = sealer.seal(frame_kind::message, text("first"));
  auto f1 = sealer.seal(frame_kind::ping, {});
  auto f2 = sealer.seal(frame_kind::message, text("third"));
  using st = frame_opener::status;
  SECTION("in order, each opens") {
    auto x0 = opener.open(body_of(f0));
    REQUIRE(x0.result == st::ok);
    CHECK(x0.kind == frame_kind::message);
    CHECK(x0.payload == text("first"));
    CHECK(opener.open(body_of(f1)).kind == frame_kind::ping);
    CHECK(opener.open(body_of(f2)).payload == text("third"));
    CHECK(opener.next_counter() == 3);
  }
  SECTION("a replay is refused") {
    REQUIRE(opener.open(body_of(f0)).result == st::ok);
    auto again = opener.open(body_of(f0));
    CHECK(again.result == st::out_of_order);
    CHECK(again.counter == 0);
  }
  SECTION("a skipped or reordered frame is refused") {
    CHECK(opener.open(body_of(f1)).result == st::out_of_order);
    REQUIRE(opener.open(body_of(f0)).result == st::ok);
    CHECK(opener.open(body_of(f2)).result == st::out_of_order);
  }
  SECTION("a forged counter does not open") {
    auto forged = std::vector<uint8_t>(body_of(f1).begin(), body_of(f1).end());
    forged[8] = 0; // claim counter 0 for frame 1
    CHECK(opener.open(forged).result == st::bad_tag);
  }
  SECTION("tampering anywhere is refused") {
    auto body = std::vector<uint8_t>(body_of(f0).begin(), body_of(f0).end());
    for (size_t i = 9; i < body.size(); ++i) {
      auto bad = body;
      bad[i] ^= 0x80;
      frame_opener fresh{keys.dialer_to_acceptor};
      CHECK(fresh.open(bad).result == st::bad_tag);
    }
  }
  SECTION("the other direction's key, or another connection's, fails") {
    frame_opener reverse{keys.acceptor_to_dialer};
    CHECK(reverse.open(body_of(f0)).result == st::bad_tag);
    auto other = derive_direction_keys(k, some_transcript());
    frame_opener foreign{other.dialer_to_acceptor};
    CHECK(foreign.open(body_of(f0)).result == st::bad_tag);
  }
  SECTION("too short or not sealed is malformed") {
    CHECK(opener.open(std::vector<uint8_t>{6, 0, 0}).result == st::malformed);
    CHECK(opener.open(body_of(encode_plain(frame_kind::message, text("x"))))
              .result == st::malformed);
  }
}
