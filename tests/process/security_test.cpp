// Hostile input against real flexsync-node processes: a member that has the
// wrong password, garbage bytes, oversized length prefixes and frames cut
// short on a node's port, also while a client keeps writing. The cluster
// must keep its leader and keep committing.

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/process/flooder.hpp"
#include "tests/process/node_process.hpp"
#include "tests/process/raw_connection.hpp"

using namespace flexsync::process_testing;

namespace {

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

TEST_CASE("hostile bytes on two nodes while a client keeps writing: every "
          "write succeeds, offences are logged without a flood, memory "
          "stays bounded") {
  process_cluster c{{}};
  auto leader = c.wait_leader(c.all());
  REQUIRE(c.wait_all(c.all(), "links", "2"));
  // The client writes through the leader; the two followers are attacked
  // (the leader's console is busy with the writes).
  std::vector<size_t> victims;
  for (size_t i = 0; i < c.size(); ++i)
    if (i != leader)
      victims.push_back(i);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> acked{0};
  std::atomic<int64_t> failed{0};
  std::thread writer{[&] {
    while (!stop) {
      auto v = inc(c, leader);
      if (v < 0)
        ++failed;
      else
        acked = v;
    }
  }};
  using clock_type = std::chrono::steady_clock;
  // 300 writes before the attacks, for the rate.
  auto t0 = clock_type::now();
  auto a0 = acked.load();
  CHECK(wait_until([&] { return acked >= a0 + 300 || failed > 0; }));
  auto t1 = clock_type::now();
  auto a1 = acked.load();
  auto log_lines = [&](size_t i) {
    auto text = c.at(i).log();
    return std::count(text.begin(), text.end(), '\n');
  };
  std::map<size_t, int64_t> rss_before, lines_before, rejected_before;
  for (auto i : victims) {
    rss_before[i] = rss_kib(c.at(i).pid());
    lines_before[i] = log_lines(i);
    rejected_before[i] = number(c.at(i).status(), "rejected");
  }
  // Each offence, 40 times per victim: random bytes, a 4 GiB length
  // prefix, a frame cut short then closed, and one cut short and left
  // open (the handshake deadline closes it).
  std::vector<std::vector<uint8_t>> offences{
    random_bytes(4096, 3),
    {0xff, 0xff, 0xff, 0xff, 9, 9, 9, 9},
    [] {
      auto b = random_bytes(14, 5);
      b[0] = b[1] = b[2] = 0;
      b[3] = 64; // announces 64 bytes, sends 10
      return b;
    }(),
  };
  size_t sent = 0;
  for (int round = 0; round < 40; ++round)
    for (auto i : victims) {
      for (auto& bytes : offences) {
        raw_connection conn{c.port(i)};
        conn.send(bytes);
        ++sent;
      } // closed here, the cut-short frame included
    }
  std::vector<std::unique_ptr<raw_connection>> held;
  for (auto i : victims) {
    held.push_back(std::make_unique<raw_connection>(c.port(i)));
    held.back()->send({0, 0, 0, 64, 1, 2, 3});
    ++sent;
  }
  for (auto& h : held)
    CHECK(h->closed_by_peer()); // the handshake deadline
  auto t2 = clock_type::now();
  auto a2 = acked.load();
  stop = true;
  writer.join();
  INFO(c.logs());
  CHECK(failed == 0);
  CHECK(a2 > a1); // writes went on during the attacks
  auto rate = [](int64_t n, clock_type::duration d) {
    return static_cast<double>(n) / std::chrono::duration<double>(d).count();
  };
  std::cout << "hostile-bytes: writes/s before=" << rate(a1 - a0, t1 - t0)
            << " during=" << rate(a2 - a1, t2 - t1) << " offences=" << sent
            << '\n';
  for (auto i : victims) {
    INFO("victim " << c.id(i));
    // Every offence was counted as a rejection or a dropped handshake ...
    CHECK(wait_until([&] {
      return number(c.at(i).status(), "rejected") > rejected_before[i];
    }));
    // ... and logged without a flood: at most one line per offence (the
    // transport's limiter folds repeats into a count).
    auto added = log_lines(i) - lines_before[i];
    CHECK(added >= 1);
    CHECK(added <= static_cast<int64_t>(sent / victims.size()));
    // No memory kept per offence (a 4 GiB prefix is refused before any
    // allocation): under 32 MiB of growth.
    auto rss = rss_kib(c.at(i).pid());
    std::cout << "hostile-bytes: " << c.id(i) << " rss_kib before="
              << rss_before[i] << " after=" << rss << " log_lines=" << added
              << '\n';
    CHECK(rss - rss_before[i] < 32 * 1024);
    CHECK(c.at(i).status()["links"] == "2");
  }
  CHECK(c.wait_all(c.all(), "counter", std::to_string(acked.load())));
  CHECK(c.at(leader).status()["role"] == "leader");
}
