// Clusters of real flexsync-node processes on loopback: election, writes
// through every node, SIGKILL of the leader, restart and catch-up from disk,
// every link dropped at once, and a five-node cluster.

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"

using namespace flexsync::process_testing;

namespace {

/// Every node of `among` except `x`.
std::vector<size_t> without(std::vector<size_t> among, size_t x) {
  std::erase(among, x);
  return among;
}

} // namespace

TEST_CASE("three processes elect one leader and writes through any node "
          "converge") {
  process_cluster c{{}};
  auto leader = c.wait_leader(c.all());
  INFO("leader " << c.id(leader));
  // Every node takes writes; followers forward them to the leader.
  for (size_t i = 0; i < c.size(); ++i) {
    CHECK(inc(c, i) == static_cast<int64_t>(i + 1));
    auto key = "k" + std::to_string(i);
    CHECK(c.at(i).command("set " + key + " v" + std::to_string(i)) == "ok");
  }
  CHECK(c.wait_all(c.all(), "counter", "3"));
  CHECK(c.wait_all(c.all(), "kv", "3"));
  for (size_t i = 0; i < c.size(); ++i)
    for (size_t k = 0; k < c.size(); ++k)
      CHECK(c.at(i).command("kv k" + std::to_string(k))
            == "ok v" + std::to_string(k));
  // One election, no other: the leader and its term stay put.
  auto st = c.at(leader).status();
  CHECK(st["role"] == "leader");
  CHECK(st["links"] == "2");
  CHECK(c.at(leader).log().find("role candidate -> leader") != std::string::npos);
}

TEST_CASE("after SIGKILL of the leader the others elect a new one and keep "
          "committing and the restarted node catches up from its disk") {
  process_cluster c{{.disk = true}};
  auto old = c.wait_leader(c.all());
  auto old_term = number(c.at(old).status(), "term");
  for (int k = 1; k <= 5; ++k)
    REQUIRE(inc(c, (old + 1) % 3) == k);
  REQUIRE(c.wait_all(c.all(), "counter", "5"));
  c.at(old).kill();
  auto rest = without(c.all(), old);
  auto fresh = c.wait_leader(rest);
  CHECK(fresh != old);
  CHECK(number(c.at(fresh).status(), "term") > old_term);
  for (int k = 6; k <= 10; ++k)
    CHECK(inc(c, rest[static_cast<size_t>(k) % 2]) == k);
  CHECK(c.wait_all(rest, "counter", "10"));
  // Restarted on the same address and data folder: it recovers the five
  // entries it had and learns the rest from the new leader.
  c.at(old).start();
  INFO(c.logs());
  CHECK(c.wait_all(c.all(), "counter", "10"));
  CHECK(c.wait_leader(c.all()) == fresh);
  CHECK(inc(c, old) == 11);
  CHECK(c.wait_all(c.all(), "counter", "11"));
}

TEST_CASE("all links dropped at once come back and the cluster commits") {
  process_cluster c{{}};
  c.wait_leader(c.all());
  REQUIRE(inc(c, 0) == 1);
  for (size_t i = 0; i < c.size(); ++i)
    REQUIRE(c.at(i).command("drop-links") == "ok");
  INFO(c.logs());
  CHECK(c.wait_all(c.all(), "links", "2"));
  c.wait_leader(c.all());
  CHECK(inc(c, 1) == 2);
  CHECK(inc(c, 2) == 3);
  CHECK(c.wait_all(c.all(), "counter", "3"));
  CHECK(c.at(0).log().find("dropped link") != std::string::npos);
}

TEST_CASE("five processes elect and commit through every node and survive "
          "the loss of the leader") {
  process_cluster c{{.size = 5}};
  auto old = c.wait_leader(c.all());
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(inc(c, i) == static_cast<int64_t>(i + 1));
  CHECK(c.wait_all(c.all(), "counter", "5"));
  c.at(old).kill();
  auto rest = without(c.all(), old);
  auto fresh = c.wait_leader(rest);
  CHECK(fresh != old);
  for (size_t k = 0; k < rest.size(); ++k)
    CHECK(inc(c, rest[k]) == static_cast<int64_t>(6 + k));
  CHECK(c.wait_all(rest, "counter", "9"));
}
