// Fuzz target "frames": the peer transport's frame decoders
// (actors/transport/wire/frame.hpp) on one frame body from the network.
//
// Properties:
// - every decoder that accepts the body re-encodes its value to exactly the
//   same frame (decode then encode is the identity: nothing is ignored);
// - a length prefix announces exactly the body it was written for;
// - the frame opener accepts a sealed frame only unchanged and in order: a
//   body opens only if it is exactly what the sealer makes of its content;
//   a tampered one is refused and leaves the opener as it was, so the
//   genuine frame still opens afterwards with its payload intact, once.

#include <cstring>

#include "actors/transport/wire/frame.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace wire = flexsync::wire;
namespace crypto = flexsync::crypto;
using wire::byte_span;
using wire::frame;

namespace {

/// The frame a body travels in: its length prefix, then the body.
frame framed(byte_span body) {
  frame out;
  out.reserve(wire::length_prefix_size + body.size());
  for (size_t i = 0; i < wire::length_prefix_size; ++i)
    out.push_back(static_cast<uint8_t>(body.size() >> (8 * (3 - i))));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

void check_prefix(const frame& f, size_t body_size) {
  FUZZ_CHECK(f.size() == wire::length_prefix_size + body_size,
             "frame of " + std::to_string(f.size()) + " bytes");
  auto n = wire::read_length(byte_span{f}.first(wire::length_prefix_size));
  FUZZ_CHECK(n == body_size, "prefix says " + std::to_string(n));
}

void check_hello(byte_span body) {
  auto d = wire::decode_hello(body);
  FUZZ_CHECK(d.value.has_value() != !d.error.empty(), d.error);
  if (d.incompatible_version)
    FUZZ_CHECK(!d.value && body.size() >= 7
                 && (body[5] << 8 | body[6]) != wire::protocol_version,
               d.error);
  if (!d)
    return;
  FUZZ_CHECK(!d.value->from.empty()
               && d.value->from.name.size() <= wire::max_node_id_size
               && d.value->to.name.size() <= wire::max_node_id_size,
             "hello ids out of bounds");
  FUZZ_CHECK(wire::encode_hello(*d.value) == framed(body),
             "hello does not re-encode to its body");
}

void check_auth(byte_span body) {
  auto d = wire::decode_auth(body);
  bool well_formed = wire::kind_of(body) == wire::frame_kind::auth
                     && body.size() == 1 + sizeof(crypto::key256);
  FUZZ_CHECK(d.value.has_value() == well_formed, d.error);
  if (d)
    FUZZ_CHECK(wire::encode_auth(*d.value) == framed(body),
               "auth does not re-encode to its body");
}

void check_refuse(byte_span body) {
  auto d = wire::decode_refuse(body);
  if (!d)
    return;
  // The encoder caps the text at 200 bytes (a refusal is one log line).
  auto kept = body.first(std::min<size_t>(body.size(), 2 + 200));
  FUZZ_CHECK(wire::encode_refuse(*d.value) == framed(kept),
             "refusal does not re-encode to its body");
}

void check_plain(byte_span body) {
  auto f = wire::encode_plain(wire::frame_kind::message, body);
  check_prefix(f, 1 + body.size());
  FUZZ_CHECK(wire::kind_of(byte_span{f}.subspan(wire::length_prefix_size))
               == wire::frame_kind::message,
             "plain frame kind");
  FUZZ_CHECK(std::equal(body.begin(), body.end(), f.begin() + 5),
             "plain frame payload");
}

/// The sealed frame of `payload`, as the peer's opener would see its body.
frame sealed_body(wire::frame_sealer& sealer, wire::frame_kind kind,
                  byte_span payload) {
  auto f = sealer.seal(kind, payload);
  check_prefix(f, f.size() - wire::length_prefix_size);
  return {f.begin() + wire::length_prefix_size, f.end()};
}

const crypto::key256 test_key{7};

/// A body from the network opens only if it is exactly what our sealer
/// makes of its content (the key is fixed, so the fuzzer may well replay a
/// genuine frame it saw in an earlier run); anything else is refused and
/// leaves the opener where it was.
void check_foreign(byte_span foreign) {
  wire::frame_opener opener{test_key};
  auto x = opener.open(foreign);
  if (x.result != wire::frame_opener::status::ok) {
    FUZZ_CHECK(opener.next_counter() == 0, "a refused frame moved the opener");
    return;
  }
  wire::frame_sealer sealer{test_key};
  auto genuine = sealed_body(sealer, x.kind, x.payload);
  FUZZ_CHECK(std::equal(foreign.begin(), foreign.end(), genuine.begin(),
                        genuine.end()),
             "a forged frame opened");
}

/// The genuine frame of `payload` with one bit flipped is refused, and the
/// genuine one opens afterwards, once.
void check_sealing(byte_span payload, size_t flip_at) {
  wire::frame_sealer sealer{test_key};
  wire::frame_opener opener{test_key};
  auto kind = payload.size() % 2 ? wire::frame_kind::ping
                                 : wire::frame_kind::message;
  auto genuine = sealed_body(sealer, kind, payload);
  auto tampered = genuine;
  tampered[flip_at % tampered.size()] ^= 1 << (flip_at / tampered.size() % 8);
  FUZZ_CHECK(opener.open(tampered).result != wire::frame_opener::status::ok,
             "a tampered frame opened");
  FUZZ_CHECK(opener.next_counter() == 0, "a refused frame moved the opener");
  auto x = opener.open(genuine);
  FUZZ_CHECK(x.result == wire::frame_opener::status::ok,
             wire::to_string(x.result));
  FUZZ_CHECK(x.kind == kind && x.counter == 0 && opener.next_counter() == 1,
             "opened frame header");
  FUZZ_CHECK(std::equal(payload.begin(), payload.end(), x.payload.begin(),
                        x.payload.end()),
             "opened payload differs");
  FUZZ_CHECK(opener.open(genuine).result
               == wire::frame_opener::status::out_of_order,
             "a replayed frame was not refused");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_span body{data, size};
  FUZZ_CHECK(wire::kind_of(body).has_value() == !body.empty(), "kind_of");
  check_hello(body);
  check_auth(body);
  check_refuse(body);
  check_plain(body);
  size_t flip_at = size >= 2 ? (data[0] << 8 | data[1]) : 0;
  check_foreign(body);
  check_sealing(body.subspan(std::min<size_t>(size, 2)), flip_at);
  return 0;
}
