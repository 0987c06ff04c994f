#pragma once

// Peer protocol messages to bytes and back, for the TCP transport. A message
// is encoded with CAF's binary serializer (the registered type names of
// type_ids.cpp are the wire identity). Decoding trusts nothing: before
// anything is deserialized, the frame's type header must name exactly one
// peer protocol type, so a peer can never make this node instantiate other
// registered types (actor handles, nested messages); the whole frame must be
// consumed; allocation failures are caught; and a message holding values
// this node does not handle (protocol/well_formed.hpp) is refused.
//
// Which types are peer protocol types is not listed here: it is whatever
// route_peer_message (wiring.hpp) routes, probed once per codec with a
// default-constructed value of every registered type. A new protocol message
// therefore crosses the wire as soon as it is registered and routed.

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "protocol/types.hpp"

namespace flexsync {

class peer_codec {
public:
  /// Probes the types registered in `sys`; `probe` is any live actor (used
  /// as a stand-in destination while probing).
  peer_codec(caf::actor_system& sys, const caf::actor& probe);

  /// Appends the encoding of `msg` to `out`; false (and `error`) when `msg`
  /// is not exactly one peer protocol message.
  bool encode(const caf::message& msg, std::vector<char>& out,
              std::string& error) const;

  /// Decodes one message; false (and `error`) for anything but exactly one
  /// well-formed peer protocol message.
  bool decode(std::span<const uint8_t> bytes, caf::message& out,
              std::string& error) const;

  /// The registered names of the peer protocol types.
  const std::set<std::string>& protocol_types() const { return names_; }

  /// The node a protocol message says it comes from (candidate, voter,
  /// leader, follower or origin); nothing for types without a sender field.
  static std::optional<node_id> claimed_sender(const caf::message& msg);

private:
  caf::actor_system& sys_;
  /// Registered names of the protocol types.
  std::set<std::string> names_;
};

} // namespace flexsync
