#include "actors/transport/wire/peer_session.hpp"
#include "protocol/assert.hpp"

namespace flexsync {

using wire::frame_kind;
using wire::refuse_reason;

namespace {

const char* on_off(bool x) {
  return x ? "on" : "off";
}

} // namespace

peer_session::peer_session(peer_session_config cfg, wire::role r)
    : cfg_(std::move(cfg)), role_(r) {
  auto& own_nonce = r == wire::role::dialer ? transcript_.dialer_nonce
                                            : transcript_.acceptor_nonce;
  crypto::random_bytes(own_nonce);
  (r == wire::role::dialer ? transcript_.dialer : transcript_.acceptor) =
      cfg_.self;
}

peer_session peer_session::dialer(peer_session_config cfg, node_id peer) {
  peer_session result{std::move(cfg), wire::role::dialer};
  result.transcript_.acceptor = std::move(peer);
  return result;
}

peer_session peer_session::acceptor(peer_session_config cfg) {
  return peer_session{std::move(cfg), wire::role::acceptor};
}

std::vector<wire::frame> peer_session::start() {
  std::vector<wire::frame> result;
  if (role_ == wire::role::dialer)
    result.push_back(wire::encode_hello(own_hello()));
  return result;
}

size_t peer_session::frame_limit() const {
  return is_open() ? cfg_.max_frame_size : wire::max_handshake_frame_size;
}

wire::hello peer_session::own_hello() const {
  wire::hello h;
  h.password = cfg_.key != nullptr;
  h.learner = cfg_.learner;
  if (role_ == wire::role::dialer) {
    h.salt = transcript_.dialer_nonce;
    h.from = transcript_.dialer;
    h.to = transcript_.acceptor;
  } else {
    h.salt = transcript_.acceptor_nonce;
    h.from = transcript_.acceptor;
    h.to = transcript_.dialer;
  }
  return h;
}

peer_session::outcome peer_session::on_frame(wire::byte_span body) {
  auto kind = wire::kind_of(body);
  if (phase_ == phase::closed)
    return fail("frame after the connection was closed");
  if (phase_ != phase::open && kind == frame_kind::refuse) {
    auto r = wire::decode_refuse(body);
    if (!r)
      return fail("refused by the peer (" + r.error + ")");
    return fail(
        "refused by the peer: " + std::string{to_string(r.value->reason)} +
        (r.value->text.empty() ? "" : ": " + r.value->text));
  }
  switch (phase_) {
  case phase::hello:
    if (kind != frame_kind::hello)
      return refuse(refuse_reason::malformed, "expected a hello frame");
    return on_hello(body);
  case phase::auth:
    if (kind != frame_kind::auth)
      return refuse(refuse_reason::malformed,
                    "expected an authentication frame");
    return on_auth(body);
  default:
    return on_open_frame(body);
  }
}

std::optional<refuse_reason>
peer_session::check_hello(const wire::hello& h, std::string& detail) const {
  bool password = cfg_.key != nullptr;
  if (h.password != password) {
    detail = std::string{"peer "} + h.from.name + " has password mode " +
             on_off(h.password) + ", this node " + on_off(password);
    return refuse_reason::password_mode;
  }
  if (h.from == cfg_.self) {
    detail = "connected to itself (" + h.from.name + ")";
    return refuse_reason::wrong_node;
  }
  if (h.to != cfg_.self) {
    detail = h.from.name + " expected " + h.to.name + ", this node is " +
             cfg_.self.name;
    return refuse_reason::wrong_node;
  }
  if (role_ == wire::role::dialer) {
    if (h.from != transcript_.acceptor) {
      detail =
          "dialed " + transcript_.acceptor.name + " but reached " + h.from.name;
      return refuse_reason::wrong_node;
    }
    return std::nullopt;
  }
  if (cfg_.admit) {
    if (auto reason = cfg_.admit(h.from, h.learner)) {
      detail = "peer " + h.from.name;
      if (h.learner && *reason == refuse_reason::not_member)
        detail += " (a read-only node; this node does not admit nodes "
                  "outside the configuration: admit_non_member is off)";
      return reason;
    }
  }
  return std::nullopt;
}

peer_session::outcome peer_session::on_hello(wire::byte_span body) {
  auto d = wire::decode_hello(body);
  if (!d)
    return refuse(d.incompatible_version ? refuse_reason::version
                                         : refuse_reason::malformed,
                  d.error);
  auto& h = *d.value;
  // The acceptor learns who dials before checking, so `to` is comparable.
  std::string detail;
  if (auto reason = check_hello(h, detail))
    return refuse(*reason, detail);
  outcome result;
  if (role_ == wire::role::acceptor) {
    transcript_.dialer = h.from;
    transcript_.dialer_nonce = h.salt;
    result.send.push_back(wire::encode_hello(own_hello()));
  } else {
    transcript_.acceptor_nonce = h.salt;
  }
  if (!cfg_.key)
    return open_link(std::move(result));
  // Password mode: the dialer proves itself first; the acceptor answers only
  // after verifying, so a dialer without the key learns nothing keyed.
  if (role_ == wire::role::dialer)
    result.send.push_back(wire::encode_auth(
        wire::auth_proof(*cfg_.key, wire::role::dialer, transcript_)));
  phase_ = phase::auth;
  return result;
}

peer_session::outcome peer_session::on_auth(wire::byte_span body) {
  FLEXSYNC_ASSERT(cfg_.key, std::string{"peer_session invariant"});
  auto d = wire::decode_auth(body);
  if (!d)
    return refuse(refuse_reason::malformed, d.error);
  auto peer_role =
      role_ == wire::role::dialer ? wire::role::acceptor : wire::role::dialer;
  auto expected = wire::auth_proof(*cfg_.key, peer_role, transcript_);
  if (!crypto::equal_constant_time(expected, *d.value))
    return refuse(refuse_reason::auth_failed,
                  "the proof of " + peer().name +
                      " does not match this node's password");
  outcome result;
  if (role_ == wire::role::acceptor)
    result.send.push_back(wire::encode_auth(
        wire::auth_proof(*cfg_.key, wire::role::acceptor, transcript_)));
  return open_link(std::move(result));
}

peer_session::outcome peer_session::open_link(outcome result) {
  if (cfg_.key) {
    auto keys = wire::derive_direction_keys(*cfg_.key, transcript_);
    bool dialer = role_ == wire::role::dialer;
    sealer_ = std::make_unique<wire::frame_sealer>(
        dialer ? keys.dialer_to_acceptor : keys.acceptor_to_dialer);
    opener_ = std::make_unique<wire::frame_opener>(
        dialer ? keys.acceptor_to_dialer : keys.dialer_to_acceptor);
  }
  phase_ = phase::open;
  result.opened = true;
  return result;
}

peer_session::outcome peer_session::on_open_frame(wire::byte_span body) {
  outcome result;
  if (!opener_) {
    auto kind = wire::kind_of(body);
    if (kind == frame_kind::message)
      result.payload.emplace(body.begin() + 1, body.end());
    else if (kind != frame_kind::ping)
      return fail("unexpected frame kind " +
                  std::to_string(body.empty() ? 0 : int{body[0]}));
    return result;
  }
  auto expected = opener_->next_counter();
  auto x = opener_->open(body);
  if (x.result != wire::frame_opener::status::ok)
    return fail(std::string{to_string(x.result)} + " (counter " +
                std::to_string(x.counter) + ", expected " +
                std::to_string(expected) + ")");
  if (x.kind == frame_kind::message)
    result.payload = std::move(x.payload);
  return result;
}

wire::frame peer_session::message_frame(wire::byte_span payload) {
  FLEXSYNC_ASSERT(is_open(), std::string{"peer_session invariant"});
  if (sealer_)
    return sealer_->seal(frame_kind::message, payload);
  return wire::encode_plain(frame_kind::message, payload);
}

wire::frame peer_session::ping_frame() {
  FLEXSYNC_ASSERT(is_open(), std::string{"peer_session invariant"});
  if (sealer_)
    return sealer_->seal(frame_kind::ping, {});
  return wire::encode_plain(frame_kind::ping, {});
}

peer_session::outcome peer_session::refuse(refuse_reason reason,
                                           std::string detail) {
  outcome result;
  result.send.push_back(wire::encode_refuse({reason, detail}));
  result.close = true;
  result.error = std::string{to_string(reason)} + ": " + detail;
  phase_ = phase::closed;
  return result;
}

peer_session::outcome peer_session::fail(std::string error) {
  outcome result;
  result.close = true;
  result.error = std::move(error);
  phase_ = phase::closed;
  return result;
}

const char* to_string(peer_session::phase x) {
  switch (x) {
  case peer_session::phase::hello:
    return "hello";
  case peer_session::phase::auth:
    return "auth";
  case peer_session::phase::open:
    return "open";
  default:
    return "closed";
  }
}

} // namespace flexsync
