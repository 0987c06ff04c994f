// The peer codec: which types cross the wire, round trips, and the sender
// each protocol message claims.

#include <catch2/catch.hpp>

#include "actors/transport/peer_codec.hpp"
#include "protocol/appends.hpp"
#include "protocol/commands.hpp"
#include "protocol/membership.hpp"
#include "protocol/votes.hpp"
#include "tests/transport/tcp_fixture.hpp"

using namespace flexsync;
using namespace flexsync::testing;

TEST_CASE("the codec carries exactly the routed protocol types",
          "[transport][codec]") {
  tcp_system_config cfg;
  caf::actor_system sys{cfg};
  recorder probe{sys};
  peer_codec codec{sys, probe.endpoints().log_store};
  auto& names = codec.protocol_types();
  for (auto name : {"flexsync::request_vote", "flexsync::vote_reply",
                    "flexsync::append_entries", "flexsync::append_reply",
                    "flexsync::heartbeat", "flexsync::heartbeat_reply",
                    "flexsync::forward_command", "flexsync::forward_reply"}) {
    INFO(name);
    CHECK(names.count(name) == 1);
  }
  for (auto name : {"flexsync::node_endpoints", "flexsync::log_entry",
                    "flexsync::command", "flexsync::node_id"}) {
    INFO(name);
    CHECK(names.count(name) == 0);
  }
  append_entries ae;
  ae.term = term_t{5};
  ae.leader = node_id{"a:1"};
  ae.entries.resize(2);
  ae.entries[1].data = "payload";
  std::vector<char> buf;
  std::string error;
  REQUIRE(codec.encode(caf::make_message(ae), buf, error));
  caf::message back;
  auto bytes = std::span{reinterpret_cast<const uint8_t*>(buf.data()),
                         buf.size()};
  REQUIRE(codec.decode(bytes, back, error));
  REQUIRE(back.match_elements<append_entries>());
  CHECK(back.get_as<append_entries>(0).entries[1].data.view() == "payload");
  CHECK_FALSE(codec.encode(caf::make_message(node_endpoints{}), buf, error));
  CHECK(error.find("not a peer protocol message") != std::string::npos);
  for (size_t cut = 1; cut < 12; ++cut) {
    INFO("cut " << cut);
    CHECK_FALSE(codec.decode(bytes.first(bytes.size() - cut), back, error));
  }
}

TEST_CASE("every protocol message names its sender, except forward_reply",
          "[transport][codec]") {
  node_id x{"h:1"};
  request_vote rv;
  rv.candidate = x;
  vote_reply vr;
  vr.voter = x;
  append_entries ae;
  ae.leader = x;
  append_reply ar;
  ar.follower = x;
  heartbeat hb;
  hb.leader = x;
  heartbeat_reply hr;
  hr.follower = x;
  forward_command fc;
  fc.origin = x;
  for (auto& msg : {caf::make_message(rv), caf::make_message(vr),
                    caf::make_message(ae), caf::make_message(ar),
                    caf::make_message(hb), caf::make_message(hr),
                    caf::make_message(fc)}) {
    INFO(caf::to_string(msg));
    CHECK(peer_codec::claimed_sender(msg) == x);
  }
  forward_reply fr;
  fr.leader = x; // a hint, not the sender
  CHECK_FALSE(peer_codec::claimed_sender(caf::make_message(fr)).has_value());
}

TEST_CASE("change requests carry the whole quorum spec", "[transport][codec]") {
  tcp_system_config cfg;
  caf::actor_system sys{cfg};
  recorder probe{sys};
  peer_codec codec{sys, probe.endpoints().log_store};
  std::vector<node_id> abcd{node_id{"a"}, node_id{"b"}, node_id{"c"},
                            node_id{"d"}};
  auto round_trip = [&](const change_request& req, std::string& error) {
    std::vector<char> buf;
    REQUIRE(codec.encode(caf::make_message(req), buf, error));
    caf::message back;
    auto bytes = std::span{reinterpret_cast<const uint8_t*>(buf.data()),
                           buf.size()};
    if (!codec.decode(bytes, back, error))
      return std::optional<change_request>{};
    REQUIRE(back.match_elements<change_request>());
    return std::optional{back.get_as<change_request>(0)};
  };
  change_request req;
  req.op = change_op::set;
  req.from = node_id{"h:1"};
  req.target.voters = abcd;
  std::vector<std::optional<quorum_spec>> specs{
    std::nullopt, quorum_spec{3, 2},
    quorum_spec::grid(2, 2, grid_lines::columns, {abcd[3], abcd[2], abcd[1],
                                                  abcd[0]}),
    quorum_spec::weighted(3, 3, {{abcd[0], 2}, {abcd[1], 1}, {abcd[2], 1},
                                 {abcd[3], 1}}),
    quorum_spec::zones(1, 0, {{abcd[0], "us"}, {abcd[1], "us"},
                              {abcd[2], "eu"}, {abcd[3], "eu"}})};
  for (auto& spec : specs) {
    req.target.quorum = spec;
    std::string error;
    auto back = round_trip(req, error);
    INFO(req.target.to_string() << ": " << error);
    REQUIRE(back);
    CHECK(back->target == req.target);
    CHECK(back->target.quorum == spec);
  }
  // A kind this node does not know is refused, not interpreted.
  req.target.quorum = quorum_spec{};
  req.target.quorum->kind = static_cast<quorum_kind>(9);
  std::string error;
  CHECK_FALSE(round_trip(req, error));
  CHECK(error.find("quorum system of unknown kind 9") != std::string::npos);
  // set-version carries its version; an operation beyond it is refused.
  change_request sv;
  sv.op = change_op::set_version;
  sv.from = node_id{"h:1"};
  sv.version = 7;
  auto sv_back = round_trip(sv, error);
  REQUIRE(sv_back);
  CHECK(sv_back->op == change_op::set_version);
  CHECK(sv_back->version == 7);
  sv.op = static_cast<change_op>(6);
  CHECK_FALSE(round_trip(sv, error));
  CHECK(error.find("unknown operation 6") != std::string::npos);
}
