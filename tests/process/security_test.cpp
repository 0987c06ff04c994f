// Hostile input against real flexsync-node processes: a member that has the
// wrong password, garbage bytes and an oversized length prefix on a node's
// port. The cluster must keep its leader and keep committing.

#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"
#include "tests/process/raw_connection.hpp"

using namespace flexsync::process_testing;

namespace {

int64_t inc(process_cluster& c, size_t i) {
  auto answer = c.at(i).command("inc");
  if (answer.rfind("ok ", 0) != 0) {
    UNSCOPED_INFO("inc through " << c.id(i) << ": " << answer);
    return -1;
  }
  return std::stoll(answer.substr(3));
}

int64_t total_rejected(process_cluster& c) {
  int64_t n = 0;
  for (size_t i = 0; i < c.size(); ++i)
    n += std::max<int64_t>(0, number(c.at(i).status(), "rejected"));
  return n;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 gen{seed};
  std::vector<uint8_t> result(n);
  for (auto& b : result)
    b = static_cast<uint8_t>(gen());
  return result;
}

} // namespace

TEST_CASE("a member with the wrong password learns nothing and changes "
          "nothing") {
  // Four members, so the intruder holds a legitimate member address: only
  // the password keeps it out. Three of four still form a quorum. A new
  // cluster forms only with every voter, so member 3 first joins with the
  // right password, then restarts (empty: memory mode) with a wrong one.
  process_cluster c{{.size = 4,
                     .passwords = {"right horse", "right horse",
                                   "right horse", "right horse"}}};
  std::vector<size_t> good{0, 1, 2};
  c.wait_leader(c.all());
  c.at(3).kill();
  std::ofstream{c.password_file(3)} << "wrong horse\n";
  auto leader = c.wait_leader(good);
  REQUIRE(c.wait_all(good, "links", "2"));
  REQUIRE(inc(c, 0) == 1);
  REQUIRE(inc(c, 1) == 2);
  auto before = c.at(leader).status();
  auto rejected_before = total_rejected(c);
  c.at(3).start();
  INFO(c.logs());
  // Its handshakes fail, whichever side dials: wait until several did.
  CHECK(wait_until([&] { return total_rejected(c) >= rejected_before + 3; }));
  auto intruder = c.at(3).status();
  CHECK(intruder["leader"] == "-");
  CHECK(intruder["links"] == "0");
  CHECK(intruder["commit"] == "0");
  CHECK(intruder["counter"] == "0");
  CHECK(c.at(3).command("inc").rfind("error", 0) == 0);
  // The good members keep their leader and term, and keep committing.
  CHECK(inc(c, 2) == 3);
  auto after = c.at(leader).status();
  CHECK(after["role"] == "leader");
  CHECK(after["term"] == before["term"]);
  CHECK(c.wait_all(good, "counter", "3"));
  CHECK(c.at(3).status()["counter"] == "0");
  for (auto i : good)
    CHECK(c.at(i).status()["links"] == "2");
  CHECK(c.at(0).log().find("(encrypted)") != std::string::npos);
}

TEST_CASE("garbage bytes and an oversized length prefix are rejected while "
          "the cluster keeps committing") {
  process_cluster c{{}};
  auto leader = c.wait_leader(c.all());
  // Fully linked first, so that a link lost to an attack would show.
  REQUIRE(c.wait_all(c.all(), "links", "2"));
  auto term = c.at(leader).status()["term"];
  int64_t value = 0;
  REQUIRE(inc(c, 0) == ++value);
  struct attack {
    const char* name;
    std::vector<uint8_t> bytes;
  };
  std::vector<attack> attacks{
    {"random bytes", random_bytes(4096, 7)},
    // A plausible length (64) followed by a body that is no hello.
    {"garbage frame", [] {
       auto b = random_bytes(68, 11);
       b[0] = b[1] = b[2] = 0;
       b[3] = 64;
       return b;
     }()},
    // Claims a 2 GiB frame: refused from the prefix alone.
    {"oversized length prefix", {0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4}},
  };
  for (auto& a : attacks) {
    for (size_t i = 0; i < c.size(); ++i) {
      INFO(a.name << " against " << c.id(i));
      auto rejected = number(c.at(i).status(), "rejected");
      raw_connection conn{c.port(i)};
      conn.send(a.bytes);
      CHECK(conn.closed_by_peer());
      CHECK(wait_until(
        [&] { return number(c.at(i).status(), "rejected") > rejected; }));
      CHECK(inc(c, (i + 1) % c.size()) == ++value);
    }
  }
  INFO(c.logs());
  CHECK(c.wait_all(c.all(), "counter", std::to_string(value)));
  auto st = c.at(leader).status();
  CHECK(st["role"] == "leader");
  CHECK(st["term"] == term);
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(c.at(i).status()["links"] == "2");
}
