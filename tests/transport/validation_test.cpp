// Hostile and broken input sent with a raw socket to a TCP transport: every
// bad frame closes its connection with one log line, and the transport keeps
// serving its real peer.

#include <algorithm>

#include <catch2/catch.hpp>

#include "actors/transport/wire/tcp_socket.hpp"
#include "protocol/votes.hpp"
#include "tests/transport/tcp_fixture.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

/// A transport for ids[1] (the middle address) with a stand-in node; ids[2]
/// may dial it, ids[0] may not. Nobody else runs: the raw client plays them.
struct target {
  tcp_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<std::string> ids;
  log_capture logs;
  caf::actor transport;
  std::unique_ptr<recorder> node;
  uint16_t port = 0;

  target() {
    for (auto p : free_ports(3))
      ids.push_back(address("127.0.0.1", p));
    std::sort(ids.begin(), ids.end());
    auto c = fast_config(ids[1], ids);
    c.max_frame_size = 4096;
    c.connection_timeout = 500ms;
    c.log_sink = logs.sink();
    transport = spawn_tcp_transport(sys, c);
    REQUIRE(wait_bound(sys, transport, tcp_patience));
    node = std::make_unique<recorder>(sys);
    caf::anon_send(transport, register_atom::value, node_id{ids[1]},
                   node->endpoints());
    port = net::parse_address(ids[1])->port;
  }

  ~target() {
    node.reset();
    caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
  }

  uint64_t rejected() { return transport_status(sys, transport).rejected; }

  /// A client that completed the handshake as ids[2].
  std::unique_ptr<raw_client> linked_client() {
    auto c = std::make_unique<raw_client>("127.0.0.1", port);
    REQUIRE(c->connected());
    REQUIRE(c->plain_handshake(ids[2], ids[1]));
    REQUIRE(wait_until(
        [&] { return transport_status(sys, transport).links.size() == 1; }));
    return c;
  }

  request_vote vote_from(const std::string& candidate) {
    request_vote rv;
    rv.term = term_t{2};
    rv.candidate = node_id{candidate};
    return rv;
  }
};

std::vector<uint8_t> text(std::string_view x) {
  return {x.begin(), x.end()};
}

} // namespace

TEST_CASE("garbage and oversized length prefixes are refused before "
          "buffering",
          "[transport][tcp][validation]") {
  target t;
  SECTION("HTTP instead of a hello") {
    raw_client c{"127.0.0.1", t.port};
    c.send(text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.closed_by_peer());
    CHECK(wait_until([&] { return t.logs.contains("frame of 1195725856"); }));
  }
  SECTION("a 4 GiB length prefix") {
    raw_client c{"127.0.0.1", t.port};
    c.send({0xff, 0xff, 0xff, 0xf0});
    CHECK(c.closed_by_peer());
    CHECK(wait_until([&] {
      return t.logs.contains("frame of 4294967280 bytes (limit 1024)");
    }));
  }
  SECTION("an empty frame") {
    raw_client c{"127.0.0.1", t.port};
    c.send({0, 0, 0, 0});
    CHECK(c.closed_by_peer());
  }
  SECTION("after the handshake, more than max_frame_size") {
    auto c = t.linked_client();
    c->send({0, 0, 0x13, 0x88}); // 5000 > 4096
    CHECK(c->closed_by_peer());
    CHECK(wait_until(
        [&] { return t.logs.contains(": frame of 5000 bytes (limit 4096)"); }));
    CHECK(t.logs.count("closed link to " + t.ids[2]) == 1);
  }
  CHECK(t.rejected() == 1);
}

TEST_CASE("undecodable, foreign-typed and forged messages close the link",
          "[transport][tcp][validation]") {
  target t;
  auto c = t.linked_client();
  std::string expected;
  SECTION("random bytes") {
    c->send(wire::encode_plain(wire::frame_kind::message,
                               text("\x01\x02 not a CAF message")));
    expected = "not a peer protocol message type";
  }
  SECTION("a registered type that is not a peer message") {
    c->send(message_frame(t.sys, caf::make_message(node_endpoints{})));
    expected = "not a peer protocol message type: @<>+flexsync::node_endpoints";
  }
  SECTION("a builtin type") {
    c->send(message_frame(t.sys, caf::make_message(std::string{"hi"})));
    expected = "not a peer protocol message type";
  }
  SECTION("two messages in one") {
    c->send(message_frame(t.sys, caf::make_message(t.vote_from(t.ids[2]),
                                                   t.vote_from(t.ids[2]))));
    expected = "not a peer protocol message type";
  }
  SECTION("a truncated message") {
    auto f = message_frame(t.sys, caf::make_message(t.vote_from(t.ids[2])));
    f.resize(f.size() - 3);
    f[3] -= 3; // fix the length prefix
    c->send(f);
    expected = "undecodable message";
  }
  SECTION("a sender other than the authenticated peer") {
    c->send(message_frame(t.sys, caf::make_message(t.vote_from(t.ids[0]))));
    expected = "message claims to come from " + t.ids[0];
  }
  CHECK(c->closed_by_peer());
  INFO(t.logs.dump());
  CHECK(wait_until([&] { return t.logs.contains(expected); }));
  CHECK(t.logs.count("closed link to") == 1);
  CHECK(t.node->messages().empty());
  CHECK(t.rejected() == 1);
  // The transport keeps serving: a well-behaved peer links and is heard.
  auto good = t.linked_client();
  good->send(message_frame(t.sys, caf::make_message(t.vote_from(t.ids[2]))));
  CHECK(wait_until([&] { return t.node->of<request_vote>().size() == 1; }));
}

TEST_CASE("handshakes from strangers, smaller addresses and other versions "
          "are refused with a reason",
          "[transport][tcp][validation]") {
  target t;
  raw_client c{"127.0.0.1", t.port};
  wire::hello h;
  h.to = node_id{t.ids[1]};
  wire::refuse_reason reason = wire::refuse_reason::malformed;
  SECTION("not a member") {
    h.from = node_id{"127.0.0.1:1"};
    reason = wire::refuse_reason::not_member;
  }
  SECTION("a member that should not dial") {
    h.from = node_id{t.ids[0]};
    reason = wire::refuse_reason::dial_rule;
  }
  SECTION("another protocol version") {
    h.from = node_id{t.ids[2]};
    h.version = 2;
    reason = wire::refuse_reason::version;
  }
  SECTION("password mode on one side only") {
    h.from = node_id{t.ids[2]};
    h.password = true;
    reason = wire::refuse_reason::password_mode;
  }
  c.send(wire::encode_hello(h));
  auto answer = c.read_frame();
  REQUIRE(answer.has_value());
  auto r = wire::decode_refuse(*answer);
  REQUIRE(r);
  CHECK(r.value->reason == reason);
  CHECK(c.closed_by_peer());
  CHECK(wait_until([&] { return t.logs.contains(to_string(reason)); }));
  CHECK(t.logs.count("rejected connection from 127.0.0.1:") == 1);
  CHECK(t.rejected() == 1);
}

TEST_CASE("silent connections are closed after connection_timeout",
          "[transport][tcp][validation]") {
  target t;
  SECTION("a handshake that never starts") {
    raw_client c{"127.0.0.1", t.port};
    CHECK(c.closed_by_peer());
    CHECK(t.logs.contains("did not complete in time"));
  }
  SECTION("a hung peer after the handshake") {
    auto c = t.linked_client();
    CHECK(c->closed_by_peer());
    CHECK(t.logs.contains("no traffic from " + t.ids[2]));
    CHECK(transport_status(t.sys, t.transport).links.empty());
  }
  CHECK(t.rejected() == 0);
}

TEST_CASE("a newer connection from the same peer replaces the stale one",
          "[transport][tcp][validation]") {
  target t;
  auto old_client = t.linked_client();
  auto new_client = t.linked_client();
  // The dialer only ever keeps one connection, so the older one is stale.
  CHECK(old_client->closed_by_peer());
  CHECK(t.logs.contains("replacing stale connection to " + t.ids[2]));
  CHECK(transport_status(t.sys, t.transport).links
        == std::vector{node_id{t.ids[2]}});
  new_client->send(
    message_frame(t.sys, caf::make_message(t.vote_from(t.ids[2]))));
  CHECK(wait_until([&] { return t.node->of<request_vote>().size() == 1; }));
  CHECK(t.rejected() == 0);
}
