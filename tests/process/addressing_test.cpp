// Node addresses other than IPv4 literals: IPv6 loopback ("[::1]:port") and
// host names ("localhost:port"), with real flexsync-node processes; a port
// that is taken.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"

using namespace flexsync::process_testing;

namespace {

/// Elects, writes through every node, and checks convergence.
void elect_and_write(process_cluster& c) {
  c.wait_leader(c.all());
  INFO(c.logs());
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(c.at(i).command("inc") == "ok " + std::to_string(i + 1));
  CHECK(c.wait_all(c.all(), "counter", std::to_string(c.size())));
  CHECK(c.wait_all(c.all(), "links", std::to_string(c.size() - 1)));
}

} // namespace

TEST_CASE("a cluster on IPv6 loopback addresses") {
  process_cluster c{{.bind_host = "::1", .id_host = "[::1]"}};
  elect_and_write(c);
  CHECK(c.id(0).rfind("[::1]:", 0) == 0);
}

TEST_CASE("a cluster addressed by the host name localhost") {
  // localhost resolves to 127.0.0.1 (and maybe ::1); the ports were free on
  // 127.0.0.1.
  process_cluster c{{.id_host = "localhost"}};
  elect_and_write(c);
}

TEST_CASE("a cluster with a password commits like one without") {
  process_cluster c{{.passwords = {"s3cret", "s3cret", "s3cret"}}};
  elect_and_write(c);
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(c.at(i).log().find("(encrypted)") != std::string::npos);
}

TEST_CASE("a node whose port is taken says so and binds once it is free") {
  process_cluster c{{.size = 1, .start_now = 0}};
  int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(blocker >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(c.port(0));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(blocker, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(::listen(blocker, 1) == 0);
  c.at(0).start();
  INFO(c.logs());
  CHECK(wait_until([&] {
    return c.at(0).log().find("cannot listen on " + c.id(0))
           != std::string::npos;
  }));
  CHECK(c.at(0).log().find("listening on") == std::string::npos);
  ::close(blocker);
  // A single-member cluster elects itself once it listens.
  CHECK(wait_until([&] {
    return c.at(0).log().find("INFO " + c.id(0) + ": listening on")
           != std::string::npos;
  }));
  CHECK(c.wait_leader(c.all()) == 0);
  CHECK(c.at(0).command("inc") == "ok 1");
}
