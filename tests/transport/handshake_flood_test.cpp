// A flood of half-open connections against a TCP transport (issue 18): with
// every handshake slot taken, a member and an admitted non-member (a
// read-only node) that dial it still link, in password mode, and the
// flood's log stays bounded.

#include <algorithm>

#include <catch2/catch.hpp>

#include "actors/transport/wire/tcp_socket.hpp"
#include "tests/transport/tcp_fixture.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

constexpr size_t slots = 8;

/// ids[0] (the smallest address: it never dials) is flooded; ids[1], a
/// member, and ids[2], a non-member it admits, dial it. All use a password.
struct flooded_world {
  tcp_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<std::string> ids;
  std::vector<log_capture> logs{3};
  std::vector<caf::actor> transports;

  explicit flooded_world(caf::timespan log_interval) {
    for (auto p : free_ports(3))
      ids.push_back(address("127.0.0.1", p));
    std::sort(ids.begin(), ids.end());
    std::vector<std::vector<std::string>> members{
        {ids[0], ids[1]}, {ids[0], ids[1]}, {ids[0], ids[2]}};
    for (size_t i = 0; i < 3; ++i) {
      auto c = fast_config(ids[i], members[i]);
      c.password = "flood";
      c.cluster_salt = "handshake-flood-test";
      c.log_sink = logs[i].sink();
      // Long enough that no stalled connection reaches its deadline while
      // the test runs: every slot a dialer gets, it gets by eviction.
      c.connection_timeout = 5s;
      if (i == 0) {
        c.max_pending_connections = slots;
        c.handshake_log_lines = 3;
        c.handshake_log_interval = log_interval;
        c.admit_non_member = [r = node_id{ids[2]}](const node_id& peer) {
          return peer == r;
        };
      }
      transports.push_back(spawn_tcp_transport(sys, c));
      REQUIRE(wait_bound(sys, transports.back(), tcp_patience));
    }
  }

  ~flooded_world() {
    for (auto& t : transports)
      caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
  }

  size_t links(size_t i) {
    return transport_status(sys, transports[i]).links.size();
  }

  bool all_linked() { return links(0) == 2 && links(1) == 1 && links(2) == 1; }

  uint16_t port(size_t i) { return net::parse_address(ids[i])->port; }
};

/// `n` connections to `port` that each send one byte of a frame and stall.
std::vector<std::unique_ptr<raw_client>> stalled_clients(uint16_t port,
                                                         size_t n) {
  std::vector<std::unique_ptr<raw_client>> result;
  for (size_t i = 0; i < n; ++i) {
    result.push_back(std::make_unique<raw_client>("127.0.0.1", port));
    result.back()->send({0});
  }
  return result;
}

} // namespace

TEST_CASE("with every handshake slot taken by stalled connections, a member "
          "and an admitted non-member still link",
          "[transport][tcp][flood]") {
  flooded_world w{std::chrono::hours(1)};
  REQUIRE(wait_until([&] { return w.all_linked(); }));
  // Five times the slots: most are evicted while the rest fill every slot.
  auto flood = stalled_clients(w.port(0), 5 * slots);
  REQUIRE(
      wait_until([&] { return w.logs[0].contains("handshake slots taken"); }));
  caf::anon_send(w.transports[0], drop_links_atom::value);
  REQUIRE(wait_until([&] { return w.logs[0].count("dropped link") == 2; }));
  // Each dialer redials after connection_retry_time and gets a slot from
  // the oldest stalled connection.
  auto more = stalled_clients(w.port(0), slots);
  INFO(w.logs[0].dump());
  CHECK(wait_until([&] {
    return w.logs[1].count("connected to " + w.ids[0]) == 2 &&
           w.logs[2].count("connected to " + w.ids[0]) == 2;
  }));
  CHECK(wait_until([&] { return w.all_linked(); }));
  CHECK(w.logs[1].count("refused by the peer") == 0);
  CHECK(w.logs[2].count("refused by the peer") == 0);
  // Only the first few events had their own line (the interval is long).
  auto own_lines = w.logs[0].count("evicted connection from") +
                   w.logs[0].count("did not complete in time") +
                   w.logs[0].count("rejected connection from");
  CHECK(own_lines <= 3);
  CHECK(transport_status(w.sys, w.transports[0]).rejected >= 4 * slots);
}

TEST_CASE("a flood is logged as one summary line per interval",
          "[transport][tcp][flood]") {
  flooded_world w{300ms};
  auto flood = stalled_clients(w.port(0), 4 * slots);
  CHECK(wait_until([&] {
    return w.logs[0].contains("unauthenticated connections in the last");
  }));
  INFO(w.logs[0].dump());
  CHECK(w.logs[0].contains("evicted (all handshake slots taken)"));
  CHECK(w.logs[0].contains("; 3 of them logged above"));
}
