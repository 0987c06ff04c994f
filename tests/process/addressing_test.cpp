// Node addresses other than IPv4 literals: IPv6 loopback ("[::1]:port") and
// host names ("localhost:port"), with real flexsync-node processes.

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
