#pragma once

// One connection's protocol state, as a pure state machine: frame bodies go
// in, frames to send and a verdict come out. The TCP transport only moves
// bytes and carries out the verdicts, so every handshake rule is testable
// without sockets or CAF.
//
// Handshake (D dials A; see frame.hpp for the formats):
//
//   D -> A  hello(from D, to A, nonce_D)
//   A -> D  hello(from A, to D, nonce_A)    after checking version, password
//                                            mode and that D may link
//   D -> A  auth(proof_D)                    password mode only
//   A -> D  auth(proof_A)                    only once proof_D verified
//
// Without a password the link opens on each side when it has checked the
// other's hello. With a password it opens at A when proof_D verifies and at
// D when proof_A verifies; from then on every frame is sealed with the
// connection's direction keys. Until a side has opened, it accepts only
// handshake frames no larger than `max_handshake_frame_size`; a frame out of
// place, a failed check or a refusal closes the connection, with one error
// line saying why. Invariant: no message payload is ever returned before the
// session is open.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/transport/wire/frame.hpp"
#include "protocol/types.hpp"

namespace flexsync {

struct peer_session_config {
  /// This node.
  node_id self;
  /// The cluster key in password mode; null without a password.
  std::shared_ptr<const wire::cluster_key> key;
  /// Acceptor side: whether `peer` may open a link to this node, or why not;
  /// `learner`: its hello says it is a read-only node
  /// (protocol/readonly_rules.hpp).
  std::function<std::optional<wire::refuse_reason>(const node_id& peer,
                                                   bool learner)>
    admit;
  /// This node is read-only: its hello carries the learner flag.
  bool learner = false;
  /// Largest frame body once the link is open.
  size_t max_frame_size = 64 * 1024 * 1024;
};

/// The handshake and framing state of one connection (see above). Phases
/// only move forward: hello -> (auth) -> open, or to closed from any of them;
/// a closed session answers every frame with another close.
class peer_session {
public:
  enum class phase : uint8_t { hello, auth, open, closed };

  /// What to do after a frame.
  struct outcome {
    /// Frames to write, in order (also when closing: a refusal).
    std::vector<wire::frame> send;
    /// The link just opened.
    bool opened = false;
    /// Close the connection after writing `send`; `error` says why.
    bool close = false;
    std::string error;
    /// A message payload to decode and deliver (open sessions only).
    std::optional<std::vector<uint8_t>> payload;
  };

  /// The side that dialed `peer`.
  static peer_session dialer(peer_session_config cfg, node_id peer);

  /// The side that accepted a connection from a peer not yet known.
  static peer_session acceptor(peer_session_config cfg);

  /// Frames to send as soon as the connection exists (the dialer's hello).
  std::vector<wire::frame> start();

  /// Handles one frame body (without its length prefix).
  outcome on_frame(wire::byte_span body);

  /// Largest body the next frame may have; checked against the length prefix
  /// before the body is read.
  size_t frame_limit() const;

  /// A frame carrying a message payload.
  /// @pre is_open()
  wire::frame message_frame(wire::byte_span payload);

  /// A frame that only keeps the link busy.
  /// @pre is_open()
  wire::frame ping_frame();

  bool is_open() const { return phase_ == phase::open; }

  phase current_phase() const { return phase_; }

  wire::role side() const { return role_; }

  /// The peer: the dialed node, or the one whose hello was accepted.
  const node_id& peer() const {
    return transcript_.dialer == cfg_.self ? transcript_.acceptor
                                           : transcript_.dialer;
  }

private:
  peer_session(peer_session_config cfg, wire::role r);

  outcome on_hello(wire::byte_span body);
  outcome on_auth(wire::byte_span body);
  outcome on_open_frame(wire::byte_span body);
  outcome refuse(wire::refuse_reason reason, std::string detail);
  outcome fail(std::string error);
  outcome open_link(outcome result);
  std::optional<wire::refuse_reason> check_hello(const wire::hello& h,
                                                 std::string& detail) const;
  wire::hello own_hello() const;

  peer_session_config cfg_;
  wire::role role_;
  phase phase_ = phase::hello;
  wire::transcript transcript_;
  std::unique_ptr<wire::frame_sealer> sealer_;
  std::unique_ptr<wire::frame_opener> opener_;
};

const char* to_string(peer_session::phase x);

} // namespace flexsync
