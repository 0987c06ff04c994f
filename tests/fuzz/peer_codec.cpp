// Fuzz target "peer_codec": decoding a peer message from the TCP transport
// (actors/transport/peer_codec.hpp, CAF's binary deserializer under the
// codec's checks). Needs CAF: built by the replay build only (see
// targets.cmake).
//
// Properties:
// - decoding never throws; a refused input leaves the output untouched and
//   says why;
// - an accepted input is exactly one peer protocol message, whose sender
//   claim can be read, and which holds only values the node can store (log
//   entries of a known kind);
// - encode and decode agree: the message re-encodes, and that encoding
//   decodes to the same message and re-encodes to itself.

#include <caf/all.hpp>

#include "actors/node/system_config.hpp"
#include "actors/transport/peer_codec.hpp"
#include "protocol/appends.hpp"
#include "protocol/commands.hpp"
#include "protocol/votes.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;

namespace {

/// One actor system for the whole run (building one per input would cost
/// milliseconds); never destroyed, so no shutdown waits at exit.
struct codec_fixture {
  system_config cfg{1};
  caf::actor_system sys{cfg};
  caf::actor probe = sys.spawn([] { return caf::behavior{[](int32_t) {}}; });
  peer_codec codec{sys, probe};
};

const peer_codec& codec() {
  static auto* f = new codec_fixture;
  return f->codec;
}

std::span<const uint8_t> as_span(const std::vector<char>& x) {
  return {reinterpret_cast<const uint8_t*>(x.data()), x.size()};
}

std::vector<char> encode(const caf::message& msg) {
  std::vector<char> out;
  std::string error;
  FUZZ_CHECK(codec().encode(msg, out, error), "cannot re-encode: " + error);
  return out;
}

/// Only values the node handles: known entry and campaign kinds, and a
/// forward reply whose reason proves its commands were never applied.
void check_storable(const caf::message& msg) {
  if (msg.match_elements<append_entries>())
    for (auto& e : msg.get_as<append_entries>(0).entries)
      FUZZ_CHECK(e.kind <= entry_kind::version,
                 "accepted an entry of kind "
                   + std::to_string(static_cast<int>(e.kind)));
  if (msg.match_elements<request_vote>())
    FUZZ_CHECK(msg.get_as<request_vote>(0).kind <= vote_kind::recover,
               "accepted an unknown campaign kind");
  if (msg.match_elements<forward_reply>())
    FUZZ_CHECK(proves_not_applied(msg.get_as<forward_reply>(0).reason),
               "accepted a forward reply that proves nothing");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto untouched = caf::make_message(int32_t{42});
  auto msg = untouched;
  std::string error;
  if (!codec().decode({data, size}, msg, error)) {
    FUZZ_CHECK(!error.empty(), "refused without a reason");
    FUZZ_CHECK(msg.match_elements<int32_t>() && msg.get_as<int32_t>(0) == 42,
               "a refused input changed the output");
    return 0;
  }
  FUZZ_CHECK(msg.size() == 1, "decoded " + std::to_string(msg.size())
                                + " values");
  peer_codec::claimed_sender(msg);
  check_storable(msg);
  auto bytes = encode(msg);
  caf::message again;
  FUZZ_CHECK(codec().decode(as_span(bytes), again, error),
             "own encoding refused: " + error);
  FUZZ_CHECK(caf::to_string(again) == caf::to_string(msg),
             "decoded differently the second time");
  FUZZ_CHECK(encode(again) == bytes, "encoding is not stable");
  return 0;
}
