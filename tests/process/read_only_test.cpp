// An unconfigured read-only flexsync-node process (--read-only, partners the
// voters) next to three voters on loopback: admitted only by voters started
// with --admit-non-member, it reads what the leader wrote and forwards its
// own writes; killed, it is dropped and the voters keep committing.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "tests/process/node_process.hpp"

using namespace flexsync::process_testing;

namespace {

const std::vector<size_t> voters{0, 1, 2};
constexpr size_t ro = 3;

/// Whether anything accepts a TCP connection at "127.0.0.1:PORT".
bool accepts_connections(const std::string& address) {
  auto colon = address.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  auto port = std::stoi(address.substr(colon + 1));
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

bool shows(process_cluster& c, size_t i, const std::string& key,
           const std::string& value) {
  return wait_until([&] { return c.at(i).status()[key] == value; });
}

} // namespace

TEST_CASE("an unconfigured read-only process reads what the leader wrote and "
          "its loss leaves the voters committing") {
  process_cluster c{{.size = 4,
                     .members = 3,
                     .extras_read_only = true,
                     .admit_non_member = true}};
  auto leader = c.wait_leader(voters);
  REQUIRE(inc(c, leader) == 1);
  CHECK(c.at(leader).command("set k v") == "ok");
  // Replicated to the read-only node and read there locally.
  CHECK(shows(c, ro, "counter", "1"));
  CHECK(shows(c, ro, "kv", "1"));
  CHECK(c.at(ro).command("kv k") == "ok v");
  auto st = c.at(ro).status();
  CHECK(st["role"] == "follower");
  CHECK(st["leader"] == c.id(leader));
  // It dials every voter (retrying those not listening yet), and listens
  // nowhere itself.
  CHECK(shows(c, ro, "links", "3"));
  CHECK(c.at(ro).log().find("not listening") != std::string::npos);
  CHECK_FALSE(accepts_connections(c.id(ro)));
  // Its writes are forwarded to the leader.
  CHECK(inc(c, ro) == 2);
  CHECK(c.wait_all(c.all(), "counter", "2"));
  // Every voter lists it (the leader from its replies, the others from
  // their links).
  for (auto v : voters)
    CHECK(shows(c, v, "readonly", "1"));
  INFO(c.logs());
  // Killed: the leader drops it and the voters keep committing.
  c.at(ro).kill();
  CHECK(shows(c, leader, "readonly", "0"));
  CHECK(wait_until([&] {
    return c.at(leader).log().find("dropped read-only node " + c.id(ro))
           != std::string::npos;
  }));
  CHECK(inc(c, leader) == 3);
  CHECK(c.wait_all(voters, "counter", "3"));
  CHECK(c.at(leader).status()["role"] == "leader");
}

TEST_CASE("voters without --admit-non-member refuse an unconfigured "
          "read-only process") {
  process_cluster c{{.size = 4, .members = 3, .extras_read_only = true}};
  auto leader = c.wait_leader(voters);
  REQUIRE(inc(c, leader) == 1);
  CHECK(c.wait_all(voters, "counter", "1"));
  // One clear line on the voters, and the read-only node stays unlinked.
  CHECK(wait_until([&] {
    return c.at(leader).log().find("admit_non_member is off")
           != std::string::npos;
  }));
  INFO(c.logs());
  auto st = c.at(ro).status();
  CHECK(st["links"] == "0");
  CHECK(st["counter"] == "0");
  CHECK(c.at(leader).status()["readonly"] == "0");
}
