// The connection handshake as a pure state machine: two sessions wired to
// each other in memory, with and without a password, and every way a
// handshake must fail.

#include <deque>

#include <catch2/catch.hpp>

#include "actors/transport/wire/peer_session.hpp"

using namespace flexsync;
using namespace flexsync::wire;

namespace {

const node_id low{"127.0.0.1:7001"};
const node_id high{"127.0.0.1:7002"};

std::shared_ptr<const cluster_key> key_of(std::string_view password) {
  return std::make_shared<const cluster_key>(
      derive_cluster_key(password, "salt", 1));
}

peer_session_config config(const node_id& self,
                           std::shared_ptr<const cluster_key> key = nullptr) {
  peer_session_config cfg;
  cfg.self = self;
  cfg.key = std::move(key);
  cfg.admit = [](const node_id& peer, bool) -> std::optional<refuse_reason> {
    if (peer != high)
      return refuse_reason::not_member;
    return std::nullopt;
  };
  return cfg;
}

byte_span body_of(const frame& f) {
  return byte_span{f}.subspan(length_prefix_size);
}

/// Both ends of one connection and the frames in flight between them.
struct session_pair {
  peer_session dialer;
  peer_session acceptor;
  std::string dialer_error;
  std::string acceptor_error;
  std::vector<std::vector<uint8_t>> to_dialer;   // payloads delivered
  std::vector<std::vector<uint8_t>> to_acceptor; // payloads delivered
  std::vector<frame_kind> kinds_to_dialer;       // every frame's kind

  session_pair(peer_session d, peer_session a)
      : dialer(std::move(d)), acceptor(std::move(a)) {
    // nop
  }

  /// Delivers frames until neither side has anything to send.
  void run(std::vector<frame> first) {
    std::deque<std::pair<bool, frame>> q; // (to acceptor?, frame)
    for (auto& f : first)
      q.emplace_back(true, std::move(f));
    while (!q.empty()) {
      auto [to_a, f] = std::move(q.front());
      q.pop_front();
      auto& s = to_a ? acceptor : dialer;
      if (s.current_phase() == peer_session::phase::closed)
        continue;
      REQUIRE(f.size() - length_prefix_size <= s.frame_limit());
      if (!to_a)
        kinds_to_dialer.push_back(*kind_of(body_of(f)));
      auto out = s.on_frame(body_of(f));
      if (out.close)
        (to_a ? acceptor_error : dialer_error) = out.error;
      if (out.payload)
        (to_a ? to_acceptor : to_dialer).push_back(*out.payload);
      for (auto& x : out.send)
        q.emplace_back(!to_a, std::move(x));
    }
  }

  void handshake() { run(dialer.start()); }
};

session_pair make_link(std::shared_ptr<const cluster_key> dk,
                       std::shared_ptr<const cluster_key> ak) {
  return session_pair{peer_session::dialer(config(high, dk), low),
                      peer_session::acceptor(config(low, ak))};
}

std::vector<uint8_t> text(std::string_view x) {
  auto b = crypto::as_bytes(x);
  return {b.begin(), b.end()};
}

} // namespace

TEST_CASE("without a password both sides open after the hellos",
          "[transport][session]") {
  auto l = make_link(nullptr, nullptr);
  CHECK(l.dialer.frame_limit() == max_handshake_frame_size);
  l.handshake();
  REQUIRE(l.dialer.is_open());
  REQUIRE(l.acceptor.is_open());
  CHECK(l.dialer.peer() == low);
  CHECK(l.acceptor.peer() == high);
  CHECK(l.acceptor.frame_limit() == 64 * 1024 * 1024);
  l.run({l.dialer.message_frame(text("vote for me")), l.dialer.ping_frame()});
  CHECK(l.to_acceptor ==
        std::vector<std::vector<uint8_t>>{text("vote for me")});
}

TEST_CASE("the acceptor's admit hook sees the dialer's learner flag",
          "[transport][session][readonly]") {
  std::optional<bool> seen;
  auto acfg = config(low);
  acfg.admit = [&seen](const node_id&, bool learner)
    -> std::optional<refuse_reason> {
    seen = learner;
    return learner ? std::nullopt
                   : std::optional<refuse_reason>{refuse_reason::not_member};
  };
  auto dcfg = config(high);
  SECTION("a read-only dialer is admitted") {
    dcfg.learner = true;
    session_pair l{peer_session::dialer(dcfg, low),
                   peer_session::acceptor(acfg)};
    l.handshake();
    CHECK(seen == true);
    CHECK(l.acceptor.is_open());
    CHECK(l.dialer.is_open());
  }
  SECTION("another dialer is refused") {
    session_pair l{peer_session::dialer(dcfg, low),
                   peer_session::acceptor(acfg)};
    l.handshake();
    CHECK(seen == false);
    CHECK_FALSE(l.acceptor.is_open());
    CHECK(l.dialer_error.find("not") != std::string::npos);
  }
}

TEST_CASE("with the same password both sides prove it and seal frames",
          "[transport][session]") {
  auto k = key_of("right");
  auto l = make_link(k, k);
  l.handshake();
  REQUIRE(l.dialer.is_open());
  REQUIRE(l.acceptor.is_open());
  auto ping = l.dialer.on_frame(body_of(l.acceptor.ping_frame()));
  CHECK_FALSE(ping.close);
  CHECK_FALSE(ping.payload);
  auto f = l.acceptor.message_frame(text("granted"));
  CHECK(kind_of(body_of(f)) == frame_kind::sealed);
  auto out = l.dialer.on_frame(body_of(f));
  REQUIRE(out.payload);
  CHECK(*out.payload == text("granted"));
  SECTION("a plaintext frame on an encrypted link closes it") {
    auto bad = l.dialer.on_frame(
        body_of(encode_plain(frame_kind::message, text("x"))));
    CHECK(bad.close);
    CHECK_FALSE(bad.payload);
  }
  SECTION("a replayed frame closes it") {
    auto bad = l.dialer.on_frame(body_of(f));
    CHECK(bad.close);
    CHECK(bad.error.find("replayed or reordered") != std::string::npos);
  }
}

TEST_CASE("a wrong password never opens and learns no proof",
          "[transport][session]") {
  auto l = make_link(key_of("wrong"), key_of("right"));
  l.handshake();
  CHECK_FALSE(l.dialer.is_open());
  CHECK_FALSE(l.acceptor.is_open());
  CHECK(l.acceptor_error.find("authentication failed") != std::string::npos);
  CHECK(l.dialer_error.find("refused by the peer: authentication failed") !=
        std::string::npos);
  // The acceptor answered the dialer's proof with a refusal, not its own.
  CHECK(std::count(l.kinds_to_dialer.begin(), l.kinds_to_dialer.end(),
                   frame_kind::auth) == 0);
}

TEST_CASE("the acceptor with the wrong password is caught by the dialer",
          "[transport][session]") {
  // The acceptor cannot verify the dialer's proof, so it refuses first.
  auto l = make_link(key_of("right"), key_of("wrong"));
  l.handshake();
  CHECK_FALSE(l.dialer.is_open());
  CHECK_FALSE(l.acceptor.is_open());
}

TEST_CASE("password mode must match on both sides", "[transport][session]") {
  auto l = make_link(key_of("pw"), nullptr);
  l.handshake();
  CHECK_FALSE(l.acceptor.is_open());
  CHECK(l.acceptor_error ==
        "password mode mismatch: peer 127.0.0.1:7002 has password mode "
        "on, this node off");
  CHECK(l.dialer_error.find("refused by the peer: password mode mismatch") !=
        std::string::npos);
}

TEST_CASE("a non-member or a wrong node is refused", "[transport][session]") {
  SECTION("the acceptor does not admit the dialer") {
    session_pair l{peer_session::dialer(config(node_id{"127.0.0.1:7003"}), low),
                   peer_session::acceptor(config(low))};
    l.handshake();
    CHECK_FALSE(l.acceptor.is_open());
    CHECK(l.acceptor_error.find("not a member") != std::string::npos);
  }
  SECTION("the dialer reached another node than it dialed") {
    session_pair l{
        peer_session::dialer(config(high), node_id{"127.0.0.1:7000"}),
        peer_session::acceptor(config(low))};
    l.handshake();
    CHECK_FALSE(l.dialer.is_open());
    CHECK_FALSE(l.acceptor.is_open());
    // The acceptor sees a hello addressed to someone else.
    CHECK(l.acceptor_error.find("wrong node") != std::string::npos);
  }
}

TEST_CASE("another protocol version is refused with a clear message",
          "[transport][session]") {
  auto acceptor = peer_session::acceptor(config(low));
  hello h;
  h.version = 2;
  h.from = high;
  h.to = low;
  auto out = acceptor.on_frame(body_of(encode_hello(h)));
  CHECK(out.close);
  CHECK(out.error ==
        "incompatible protocol version: incompatible protocol version 2 "
        "(this node speaks 1)");
  REQUIRE(out.send.size() == 1);
  auto r = decode_refuse(body_of(out.send[0]));
  REQUIRE(r);
  CHECK(r.value->reason == refuse_reason::version);
}

TEST_CASE("nothing but a hello is accepted first", "[transport][session]") {
  auto acceptor = peer_session::acceptor(config(low));
  auto out = acceptor.on_frame(
      body_of(encode_plain(frame_kind::message, text("sneak"))));
  CHECK(out.close);
  CHECK_FALSE(out.payload);
  CHECK_FALSE(acceptor.is_open());
  auto garbage = std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef};
  auto fresh = peer_session::acceptor(config(low));
  CHECK(fresh.on_frame(garbage).close);
}

TEST_CASE("a frame captured on one connection fails on another",
          "[transport][session]") {
  auto k = key_of("pw");
  auto a = make_link(k, k);
  auto b = make_link(k, k);
  a.handshake();
  b.handshake();
  REQUIRE(a.acceptor.is_open());
  REQUIRE(b.acceptor.is_open());
  // Both are the first frame (counter 0) of the same direction.
  auto captured = a.dialer.message_frame(text("append"));
  auto out = b.acceptor.on_frame(body_of(captured));
  CHECK(out.close);
  CHECK(out.error.find("failed authentication") != std::string::npos);
}
