#include "actors/transport/peer_codec.hpp"

#include <caf/all.hpp>

#include "actors/node/wiring.hpp"
#include "protocol/appends.hpp"
#include "protocol/commands.hpp"
#include "protocol/incarnation.hpp"
#include "protocol/read_index.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/votes.hpp"
#include "protocol/well_formed.hpp"

namespace flexsync {

namespace {

/// CAF 0.17 writes a message as one object named "@<>+<type>+<type>...".
constexpr std::string_view message_prefix = "@<>+";

/// Sets every actor handle an inspect() overload visits, so the probe
/// endpoints stay complete whatever actors a node gains.
struct fill_handles {
  using result_type = void;
  caf::actor value;

  template <class... Ts>
  void operator()(Ts&... xs) {
    ((xs = value), ...);
  }
};

/// protocol/well_formed.hpp's verdict on a decoded protocol message.
std::optional<std::string> malformed_message(const caf::message& msg) {
  if (msg.match_elements<request_vote>())
    return malformed(msg.get_as<request_vote>(0));
  if (msg.match_elements<append_entries>())
    return malformed(msg.get_as<append_entries>(0));
  if (msg.match_elements<forward_reply>())
    return malformed(msg.get_as<forward_reply>(0));
  if (msg.match_elements<change_request>())
    return malformed(msg.get_as<change_request>(0));
  if (msg.match_elements<change_reply>())
    return malformed(msg.get_as<change_reply>(0));
  return std::nullopt;
}

} // namespace

peer_codec::peer_codec(caf::actor_system& sys, const caf::actor& probe)
    : sys_(sys) {
  node_endpoints ep;
  fill_handles fill{probe};
  inspect(fill, ep);
  for (auto& [name, factory] : sys.config().value_factories_by_name) {
    // CAF 0.17 offers no public way to wrap a type-erased value in a
    // message, so the probe goes through the serializer: our own bytes.
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    uint16_t nr = 0;
    std::string header = std::string{message_prefix} + name;
    auto value = factory();
    if (sink.begin_object(nr, header) || value->save(sink) || sink.end_object())
      continue;
    caf::binary_deserializer source{sys, buf};
    caf::message msg;
    if (!source(msg) && route_peer_message(ep, msg))
      names_.insert(name);
  }
}

bool peer_codec::encode(const caf::message& msg, std::vector<char>& out,
                        std::string& error) const {
  if (msg.size() != 1 || !names_.count(sys_.types().portable_name(
                             msg.type(0).first, msg.type(0).second))) {
    error = "not a peer protocol message: " + caf::to_string(msg);
    return false;
  }
  caf::binary_serializer sink{sys_, out};
  if (auto err = sink(const_cast<caf::message&>(msg))) {
    error = "cannot serialize " + caf::to_string(msg) + ": " + sys_.render(err);
    return false;
  }
  return true;
}

bool peer_codec::decode(std::span<const uint8_t> bytes, caf::message& out,
                        std::string& error) const {
  auto data = reinterpret_cast<const char*>(bytes.data());
  // Peek at the type header alone first: only a protocol type may be built.
  {
    caf::binary_deserializer header{sys_, data, bytes.size()};
    uint16_t nr = 0;
    std::string name;
    if (auto err = header.begin_object(nr, name)) {
      error = "undecodable message header";
      return false;
    }
    if (nr != 0 || name.rfind(message_prefix, 0) != 0 ||
        !names_.count(name.substr(message_prefix.size()))) {
      error = "not a peer protocol message type: " +
              (nr != 0 ? "builtin #" + std::to_string(nr) : name);
      return false;
    }
  }
  try {
    caf::binary_deserializer source{sys_, data, bytes.size()};
    caf::message msg;
    // CAF 0.17.6 may report success and leave the message empty when the
    // input ends early, so the result is checked, not only the error.
    if (auto err = source(msg)) {
      error = "undecodable message: " + sys_.render(err);
      return false;
    }
    if (msg.size() != 1 ||
        !names_.count(sys_.types().portable_name(msg.type(0)))) {
      error = "undecodable message";
      return false;
    }
    if (source.remaining() != 0) {
      error = std::to_string(source.remaining()) +
              " trailing bytes after the message";
      return false;
    }
    if (auto why = malformed_message(msg)) {
      error = "malformed message: " + *why;
      return false;
    }
    out = std::move(msg);
    return true;
  } catch (const std::exception& e) {
    // bad_alloc or length_error from a size field that lies.
    error = std::string{"undecodable message: "} + e.what();
    return false;
  }
}

std::optional<node_id> peer_codec::claimed_sender(const caf::message& msg) {
  if (msg.size() != 1)
    return std::nullopt;
  if (msg.match_element<request_vote>(0))
    return msg.get_as<request_vote>(0).candidate;
  if (msg.match_element<vote_reply>(0))
    return msg.get_as<vote_reply>(0).voter;
  if (msg.match_element<append_entries>(0))
    return msg.get_as<append_entries>(0).leader;
  if (msg.match_element<heartbeat>(0))
    return msg.get_as<heartbeat>(0).leader;
  if (msg.match_element<append_reply>(0))
    return msg.get_as<append_reply>(0).follower;
  if (msg.match_element<heartbeat_reply>(0))
    return msg.get_as<heartbeat_reply>(0).follower;
  if (msg.match_element<forward_command>(0))
    return msg.get_as<forward_command>(0).origin;
  if (msg.match_element<install_snapshot>(0))
    return msg.get_as<install_snapshot>(0).leader;
  if (msg.match_element<install_reply>(0))
    return msg.get_as<install_reply>(0).follower;
  if (msg.match_element<recovery_probe>(0))
    return msg.get_as<recovery_probe>(0).from;
  if (msg.match_element<recovery_report>(0))
    return msg.get_as<recovery_report>(0).from;
  if (msg.match_element<timeout_now>(0))
    return msg.get_as<timeout_now>(0).leader;
  if (msg.match_element<change_request>(0))
    return msg.get_as<change_request>(0).from;
  if (msg.match_element<read_index_request>(0))
    return msg.get_as<read_index_request>(0).from;
  if (msg.match_element<read_index_reply>(0))
    return msg.get_as<read_index_reply>(0).from;
  // forward_reply and change_reply carry no sender: it names the leader the replier knows.
  return std::nullopt;
}

} // namespace flexsync
