// Node addresses, resolution, listening and dialing on loopback.

#include <catch2/catch.hpp>

#include "actors/transport/wire/tcp_socket.hpp"

using namespace flexsync::net;
using namespace std::chrono_literals;

TEST_CASE("addresses split at the last colon", "[transport][address]") {
  auto check = [](std::string_view in, const std::string& host, uint16_t port) {
    INFO(in);
    auto x = parse_address(in);
    REQUIRE(x.has_value());
    CHECK(x->host == host);
    CHECK(x->port == port);
  };
  check("127.0.0.1:6000", "127.0.0.1", 6000);
  check("::1:6000", "::1", 6000);
  check("[::1]:6000", "::1", 6000);
  check("[fe80::1%lo]:1", "fe80::1%lo", 1);
  check("localhost:65535", "localhost", 65535);
  for (auto bad :
       {"", "host", ":80", "h:", "h:0", "h:65536", "h:12a", "h:-1", "[]:80"}) {
    INFO(bad);
    CHECK_FALSE(parse_address(bad).has_value());
  }
}

TEST_CASE("localhost and ::1 resolve", "[transport][address]") {
  auto r = resolve({"localhost", 80});
  REQUIRE(r.error.empty());
  REQUIRE_FALSE(r.addresses.empty());
  auto v6 = resolve({"::1", 81});
  REQUIRE(v6.error.empty());
  REQUIRE(v6.addresses.size() == 1);
  CHECK(v6.addresses[0].to_string() == "[::1]:81");
  auto bad = resolve({"no-such-host.invalid", 80});
  CHECK_FALSE(bad.error.empty());
}

TEST_CASE("listen, dial, and a taken port", "[transport][address]") {
  keepalive_options ka;
  auto where = resolve({"127.0.0.1", 1});
  REQUIRE(where.error.empty());
  // Port 0 lets the OS pick; read it back.
  auto any = where.addresses;
  auto* port_field = reinterpret_cast<uint16_t*>(any[0].bytes.data() + 2);
  *port_field = 0;
  auto l = listen_on(any, ka);
  REQUIRE(l.error.empty());
  REQUIRE(l.fds.size() == 1);
  REQUIRE(l.port != 0);
  auto d = dial({"127.0.0.1", l.port}, 2000ms, ka);
  CHECK(d.error.empty());
  CHECK(d.fd >= 0);
  close_socket(d.fd);
  auto taken = resolve({"127.0.0.1", l.port});
  auto again = listen_on(taken.addresses, ka);
  CHECK(again.fds.empty());
  CHECK(again.error.find("Address already in use") != std::string::npos);
  close_socket(l.fds[0]);
  auto refused = dial({"127.0.0.1", l.port}, 2000ms, ka);
  CHECK(refused.fd < 0);
  CHECK(refused.error.find("refused") != std::string::npos);
}
