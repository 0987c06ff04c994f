// Fuzz target "handshake": one peer_session (actors/transport/wire/
// peer_session.hpp), dialer or acceptor, with or without a password, fed
// the byte stream a peer sends: length-prefixed frames, read the way the TCP
// transport reads them (a prefix beyond frame_limit() closes the link).
//
// Input: a flags byte (bit 0: acceptor, bit 1: password mode, bit 2: the
// acceptor's admission refuses the peer), then the stream.
//
// Properties, after every frame:
// - phases only move forward (hello -> auth -> open, or closed from any);
//   a session that closes says so (close set, an error given), and stays
//   closed;
// - no payload is ever returned before the link is open; without a password
//   a payload is exactly the message frame's body after the kind byte;
// - the link opens only after a hello naming exactly the expected nodes,
//   and never, in password mode, for a peer that does not know the key;
// - everything the session sends is a well-formed frame that decodes: its
//   own hello names itself and its peer, a refusal decodes as one.

#include "actors/transport/wire/peer_session.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace wire = flexsync::wire;
using flexsync::node_id;
using flexsync::peer_session;
using wire::byte_span;

namespace {

const node_id self{"n1"};
const node_id peer{"n2"};

std::shared_ptr<const wire::cluster_key> test_key() {
  // One PBKDF2 round: the work factor protects passwords, not this test.
  static auto key = std::make_shared<const wire::cluster_key>(
    wire::derive_cluster_key("password", "salt", 1));
  return key;
}

peer_session make_session(uint8_t flags) {
  flexsync::peer_session_config cfg;
  cfg.self = self;
  if (flags & 2)
    cfg.key = test_key();
  cfg.max_frame_size = 4096;
  bool refuse = flags & 4;
  cfg.admit = [refuse](const node_id&, bool) -> std::optional<wire::refuse_reason> {
    if (refuse)
      return wire::refuse_reason::not_member;
    return std::nullopt;
  };
  if (flags & 1)
    return peer_session::acceptor(std::move(cfg));
  return peer_session::dialer(std::move(cfg), peer);
}

/// A frame the session sends: a prefix announcing the body, a known kind,
/// and a body that decodes.
void check_sent(const peer_session& s, const wire::frame& f) {
  FUZZ_CHECK(f.size() > wire::length_prefix_size, "empty frame sent");
  byte_span bytes{f};
  auto n = wire::read_length(bytes.first(wire::length_prefix_size));
  auto body = bytes.subspan(wire::length_prefix_size);
  FUZZ_CHECK(n == body.size(), "sent frame's prefix is wrong");
  switch (*wire::kind_of(body)) {
    case wire::frame_kind::hello: {
      auto h = wire::decode_hello(body);
      FUZZ_CHECK(h && h.value->from == self && h.value->to == s.peer(),
                 "own hello: " + h.error);
      break;
    }
    case wire::frame_kind::auth:
      FUZZ_CHECK(wire::decode_auth(body), "own proof does not decode");
      break;
    case wire::frame_kind::refuse:
      FUZZ_CHECK(wire::decode_refuse(body), "own refusal does not decode");
      break;
    default:
      FUZZ_CHECK(false, "handshake sent kind " + std::to_string(body[0]));
  }
}

/// Whether `body` is a hello the session must accept: from the dialed
/// node, or (acceptor) from any other node it admits.
bool acceptable_hello(byte_span body, uint8_t flags) {
  auto h = wire::decode_hello(body);
  bool acceptor = flags & 1;
  bool admitted = !(flags & 4);
  return h && h.value->to == self && h.value->from != self
         && h.value->password == ((flags & 2) != 0)
         && (acceptor ? admitted : h.value->from == peer);
}

void check_step(peer_session::phase before, const peer_session& s,
                const peer_session::outcome& out, byte_span body,
                uint8_t flags) {
  using phase = peer_session::phase;
  auto after = s.current_phase();
  FUZZ_CHECK(after >= before, "phase went back");
  FUZZ_CHECK(before != phase::closed || out.close, "closed session answered");
  FUZZ_CHECK(out.close == (after == phase::closed) && out.close != out.error.empty(),
             "close without error or error without close: " + out.error);
  FUZZ_CHECK(!out.payload || (before == phase::open && after == phase::open),
             "payload outside an open link");
  FUZZ_CHECK(out.opened == (before != phase::open && after == phase::open),
             "opened flag");
  if (out.opened)
    FUZZ_CHECK(!(flags & 2) && before == phase::hello
                 && acceptable_hello(body, flags),
               "opened without a valid hello, or without the key");
  if (out.payload)
    FUZZ_CHECK(*wire::kind_of(body) == wire::frame_kind::message
                 && std::equal(body.begin() + 1, body.end(),
                               out.payload->begin(), out.payload->end()),
               "payload differs from the message body");
  for (auto& f : out.send)
    check_sent(s, f);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flexsync::fuzz::input in{data, size};
  auto flags = in.u8();
  auto s = make_session(flags);
  for (auto& f : s.start())
    check_sent(s, f);
  while (in.remaining() >= wire::length_prefix_size) {
    auto prefix = in.bytes(wire::length_prefix_size);
    auto n = wire::read_length(
      {reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()});
    // The transport closes a link whose next frame is too large, and stops
    // at the end of the stream.
    if (n > s.frame_limit() || n > in.remaining())
      break;
    auto raw = in.bytes(n);
    byte_span body{reinterpret_cast<const uint8_t*>(raw.data()), raw.size()};
    auto before = s.current_phase();
    auto out = s.on_frame(body);
    check_step(before, s, out, body, flags);
  }
  return 0;
}
