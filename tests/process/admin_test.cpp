// flexsync-admin against real flexsync-node processes (--admin on each):
// status and --json on a follower and the leader, health, metrics,
// compaction, PySyncObj's spellings, membership answers passed on
// faithfully, and the failure modes: a wrong or missing password, garbage
// on the admin port, a closed port, a port that never answers, bad
// addresses. Every failure must be exactly one stderr line and a
// documented exit code; the node must keep serving.

#include <sys/socket.h>

#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "protocol/fail_reason.hpp"
#include "protocol/metrics.hpp"
#include "tests/process/node_process.hpp"
#include "tests/process/program_run.hpp"
#include "tests/process/raw_connection.hpp"

#ifndef FLEXSYNC_ADMIN_BIN
#  error "FLEXSYNC_ADMIN_BIN must name the flexsync-admin program"
#endif

using namespace flexsync::process_testing;

namespace {

std::string conn(const process_cluster& c, size_t i) {
  return "127.0.0.1:" + std::to_string(c.admin_port(i));
}

program_result admin(const std::string& where, std::vector<std::string> args) {
  args.insert(args.begin(), {"--conn", where});
  return run_program(FLEXSYNC_ADMIN_BIN, args);
}

program_result admin(const process_cluster& c, size_t i,
                     std::vector<std::string> args) {
  return admin(conn(c, i), std::move(args));
}

std::string describe(const program_result& r) {
  return "exit " + std::to_string(r.exit_code) + (r.hung ? " (hung)" : "")
         + " after " + std::to_string(r.elapsed.count()) + " ms\nstdout:\n"
         + r.out + "stderr:\n" + r.err;
}

/// PySyncObj's "key: value" lines as a map.
std::map<std::string, std::string> key_values(const std::string& out) {
  std::map<std::string, std::string> result;
  for (auto& line : lines_of(out))
    if (auto sep = line.find(": "); sep != std::string::npos)
      result[line.substr(0, sep)] = line.substr(sep + 2);
  return result;
}

/// A failure: the given exit code, nothing on stdout, one stderr line that
/// starts with `prefix` and contains `words`.
void check_failure(const program_result& r, int code, const std::string& prefix,
                   const std::string& words = {}) {
  INFO(describe(r));
  CHECK_FALSE(r.hung);
  CHECK(r.exit_code == code);
  CHECK(r.out.empty());
  auto lines = lines_of(r.err);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind(prefix, 0) == 0);
  CHECK(lines[0].find(words) != std::string::npos);
}

/// The exit code documented for a node's answer.
int exit_code_for(const std::string& reason) {
  if (reason == "success")
    return 0;
  if (reason == "change_in_progress")
    return 5;
  return reason == "timeout" ? 6 : 1;
}

/// Checks that the output of a membership command has one of its two
/// shapes (SUCCESS on stdout; or one FAIL line on stderr naming one of the
/// node's fail reasons) and that the exit code is the one documented for
/// that answer. Returns the reason ("success" for SUCCESS).
std::string change_answer(const program_result& r, const std::string& word,
                          const std::string& addr) {
  INFO(describe(r));
  REQUIRE_FALSE(r.hung);
  if (r.exit_code == 0) {
    CHECK(r.out == "SUCCESS " + word + " " + addr + "\n");
    CHECK(r.err.empty());
    return "success";
  }
  CHECK(r.out.empty());
  auto lines = lines_of(r.err);
  REQUIRE(lines.size() == 1);
  auto prefix = "FAIL " + word + " " + addr + ": ";
  REQUIRE(lines[0].rfind(prefix, 0) == 0);
  auto rest = lines[0].substr(prefix.size());
  auto reason = rest.substr(0, rest.find(':'));
  using flexsync::fail_reason;
  bool known = false;
  for (int x = 1; x <= static_cast<int>(flexsync::last_fail_reason); ++x)
    known = known || reason == to_string(static_cast<fail_reason>(x));
  CHECK(known);
  CHECK(r.exit_code == exit_code_for(reason));
  return reason;
}

/// --json of a membership command: one object whose fields agree with the
/// exit code.
void check_change_json(const program_result& r, const std::string& cmd,
                       const std::string& addr) {
  INFO(describe(r));
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["command"] == cmd);
  CHECK(j["arg"] == addr);
  CHECK(j["ok"] == (r.exit_code == 0));
  CHECK(r.exit_code == exit_code_for(j["reason"].get<std::string>()));
  CHECK(lines_of(r.err).size() == (r.exit_code == 0 ? 0u : 1u));
}

} // namespace

TEST_CASE("status, --json, health, metrics and compact through "
          "flexsync-admin on a follower and the leader") {
  process_cluster c{{.admin = true}};
  auto leader = c.wait_leader(c.all());
  auto follower = (leader + 1) % c.size();
  REQUIRE(inc(c, follower) == 1);
  for (auto [i, role, state] : {std::tuple{leader, "leader", "2"},
                                std::tuple{follower, "follower", "0"}}) {
    INFO(role);
    auto r = admin(c, i, {"status"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    auto kv = key_values(r.out);
    CHECK(kv["self"] == c.id(i));
    CHECK(kv["state"] == state);
    CHECK(kv["leader"] == c.id(leader));
    CHECK(kv["raft_term"] == c.at(i).status()["term"]);
    CHECK(kv["partner_nodes_count"] == "2");
    auto j = admin(c, i, {"--json", "status"});
    INFO(describe(j));
    REQUIRE(j.exit_code == 0);
    REQUIRE(lines_of(j.out).size() == 1);
    auto st = nlohmann::json::parse(j.out);
    CHECK(st["self"] == c.id(i));
    CHECK(st["role"] == role);
    CHECK(st["leader"] == c.id(leader));
    CHECK(st["voters"].size() == 3);
    CHECK(st["partners"].size() == 2);
    // A fresh memory-mode cluster counts no quorum on a follower while its
    // peers' "lost my state" reports are recent (node_status::has_quorum).
    CHECK(wait_until([&] { return admin(c, i, {"health"}).exit_code == 0; }));
    auto h = admin(c, i, {"health"});
    INFO(describe(h));
    CHECK(h.exit_code == 0);
    CHECK(h.err.empty());
    CHECK(key_values(h.out)["healthy"] == "True");
    CHECK(key_values(h.out)["role"] == role);
    auto m = admin(c, i, {"metrics"});
    INFO(describe(m));
    CHECK(m.exit_code == 0);
    CHECK_FALSE(flexsync::check_prometheus_text(m.out));
    CHECK(m.out.find("flexsync_term{node=\"" + c.id(i) + "\"}")
          != std::string::npos);
  }
  // compact takes a snapshot of what was applied (the increment).
  auto r = admin(c, follower, {"compact"});
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "SUCCESS COMPACT\n");
  CHECK(wait_until([&] {
    auto kv = key_values(admin(c, follower, {"status"}).out);
    return !kv["snapshot_idx"].empty() && kv["snapshot_idx"] != "0";
  }));
}

TEST_CASE("PySyncObj's syncobj_admin spellings work against a node") {
  process_cluster c{{.admin = true}};
  c.wait_leader(c.all());
  auto r = run_program(FLEXSYNC_ADMIN_BIN, {"-conn", conn(c, 0), "-status"});
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(key_values(r.out)["self"] == c.id(0));
  // flexsync-node supports code version 2 (its tally): 3 is refused.
  auto v = run_program(FLEXSYNC_ADMIN_BIN,
                       {"-conn", conn(c, 0), "-set_version", "3"});
  check_failure(v, 1, "FAIL SET_VERSION 3: request_denied: ",
                "no voter supports code version 3");
  // A password given to a node without one: the node cannot prove it.
  auto p = run_program(FLEXSYNC_ADMIN_BIN,
                       {"-conn", conn(c, 0), "-pass", "x", "-status"});
  check_failure(p, 4, "FAIL STATUS: ", "no cluster password");
  auto addr = "127.0.0.1:" + std::to_string(free_ports(1, "127.0.0.1")[0]);
  // Nothing listens there: the learner never catches up, so the add is
  // given up at its deadline (timeout), and the learner removed.
  auto a = run_program(FLEXSYNC_ADMIN_BIN,
                       {"-conn", conn(c, 1), "-add", addr, "-timeout", "3"});
  change_answer(a, "ADD", addr);
  auto d = run_program(FLEXSYNC_ADMIN_BIN,
                       {"-conn", conn(c, 1), "-remove", addr});
  change_answer(d, "REMOVE", addr);
}

TEST_CASE("add, add-learner and remove change the cluster through any node") {
  // Nodes 0-2 form the cluster; 3 and 4 start with --join.
  process_cluster c{{.size = 5, .admin = true, .members = 3}};
  auto leader = c.wait_leader({0, 1, 2});
  auto follower = (leader + 1) % 3;
  CHECK(inc(c, follower) == 1);
  // Asked of a follower (forwarded) and of the leader.
  CHECK(change_answer(admin(c, follower, {"--timeout", "20", "add", c.id(3)}),
                      "ADD", c.id(3))
        == "success");
  check_change_json(admin(c, leader, {"--json", "add", c.id(3)}), "add",
                    c.id(3)); // in effect already: success again
  CHECK(change_answer(admin(c, leader, {"--timeout", "20", "add", c.id(4)}),
                      "ADD", c.id(4))
        == "success");
  auto st = nlohmann::json::parse(admin(c, leader, {"--json", "status"}).out);
  CHECK(st["voters"].size() == 5);
  CHECK(c.wait_all(c.all(), "counter", "1"));
  CHECK(inc(c, 4) == 2);
  // A learner that never runs: a learner change needs no catch-up.
  auto ghost = "127.0.0.1:" + std::to_string(free_ports(1, "127.0.0.1")[0]);
  CHECK(change_answer(admin(c, follower, {"add-learner", ghost}),
                      "ADD_LEARNER", ghost)
        == "success");
  CHECK(change_answer(admin(c, follower, {"remove", ghost}), "REMOVE", ghost)
        == "success");
  // Back to three, removing two at a time through the tool.
  for (auto i : {3, 4})
    CHECK(change_answer(admin(c, leader, {"--timeout", "20", "remove",
                                          c.id(i)}),
                        "REMOVE", c.id(i))
          == "success");
  st = nlohmann::json::parse(admin(c, leader, {"--json", "status"}).out);
  CHECK(st["voters"].size() == 3);
  CHECK(inc(c, follower) == 3);
}

TEST_CASE("transfer hands leadership to a named voter or to the best one") {
  process_cluster c{{.size = 3, .admin = true}};
  auto leader = c.wait_leader({0, 1, 2});
  auto target = (leader + 1) % 3;
  auto asker = (leader + 2) % 3;
  CHECK(inc(c, asker) == 1);
  // Asked of a follower: forwarded to the leader; SUCCESS once the asker
  // knows the new leader.
  CHECK(change_answer(admin(c, asker, {"transfer", c.id(target)}),
                      "TRANSFER", c.id(target))
        == "success");
  CHECK(c.wait_leader({0, 1, 2}) == target);
  CHECK(inc(c, leader) == 2);
  // The node that leads already: success at once.
  CHECK(change_answer(admin(c, leader, {"transfer", c.id(target)}),
                      "TRANSFER", c.id(target))
        == "success");
  // No address: the best voter.
  auto r = admin(c, target, {"transfer"});
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "SUCCESS TRANSFER\n");
  CHECK(c.wait_leader({0, 1, 2}) != target);
  // Not a member, not an address: refused, nothing changes.
  auto before = c.wait_leader({0, 1, 2});
  auto stranger = "127.0.0.1:" + std::to_string(free_ports(1, "127.0.0.1")[0]);
  CHECK(change_answer(admin(c, asker, {"transfer", stranger}), "TRANSFER",
                      stranger)
        == "request_denied");
  check_failure(admin(c, asker, {"transfer", "nowhere"}), 2,
                "flexsync-admin: not a host:port address");
  CHECK(c.wait_leader({0, 1, 2}) == before);
  CHECK(inc(c, asker) == 3);
}

TEST_CASE("the leader killed during a membership change: the change completes "
          "or is safely asked again") {
  process_cluster c{{.size = 4, .disk = true, .admin = true, .members = 3}};
  auto leader = c.wait_leader({0, 1, 2});
  CHECK(inc(c, leader) == 1);
  auto asker = (leader + 1) % 3;
  // The add runs while its leader dies; the tool may see either outcome.
  std::thread killer{[&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.at(leader).kill();
  }};
  auto first = admin(c, asker, {"--timeout", "20", "add", c.id(3)});
  killer.join();
  INFO(describe(first));
  // Asking again is safe; with the old leader back the change completes.
  c.at(leader).start();
  CHECK(change_answer(admin(c, asker, {"--timeout", "30", "add", c.id(3)}),
                      "ADD", c.id(3))
        == "success");
  auto st = nlohmann::json::parse(admin(c, asker, {"--json", "status"}).out);
  CHECK(st["voters"].size() == 4);
  CHECK(inc(c, 3) == 2);
  CHECK(c.wait_all(c.all(), "counter", "2"));
}

TEST_CASE("a wrong or missing admin password is refused with one line, "
          "logged once, and the node keeps serving") {
  process_cluster c{{.passwords = {"right horse", "right horse",
                                   "right horse"},
                     .admin = true}};
  auto leader = c.wait_leader(c.all());
  auto right = c.password_file(0);
  auto wrong = right + ".wrong";
  std::ofstream{wrong} << "wrong horse\n";
  auto ok = admin(c, leader, {"--password-file", right, "status"});
  INFO(describe(ok));
  REQUIRE(ok.exit_code == 0);
  CHECK(key_values(ok.out)["self"] == c.id(leader));
  auto bad = admin(c, leader, {"--password-file", wrong, "status"});
  check_failure(bad, 4, "FAIL STATUS: wrong password");
  auto count = [&] {
    auto log = c.at(leader).log();
    size_t n = 0;
    for (auto p = log.find("admin: wrong password"); p != std::string::npos;
         p = log.find("admin: wrong password", p + 1))
      ++n;
    return n;
  };
  CHECK(wait_until([&] { return count() >= 1; }));
  CHECK(count() == 1);
  auto none = admin(c, leader, {"status"});
  check_failure(none, 4, "FAIL STATUS: authentication required");
  auto add = admin(c, leader, {"add", "127.0.0.1:9"});
  check_failure(add, 4, "FAIL ADD 127.0.0.1:9: authentication required");
  // The node serves its clients and the admin tool as before.
  CHECK(inc(c, leader) == 1);
  auto py = run_program(FLEXSYNC_ADMIN_BIN, {"-conn", conn(c, leader), "-pass",
                                             "right horse", "-status"});
  INFO(describe(py));
  CHECK(py.exit_code == 0);
  CHECK(count() == 1);
}

TEST_CASE("garbage and silent connections on the admin port leave the node "
          "and its admin actor serving") {
  process_cluster c{{.admin = true}};
  auto leader = c.wait_leader(c.all());
  auto healthy = [&](size_t i) {
    return admin(c, i, {"health"}).exit_code == 0;
  };
  for (size_t i = 0; i < c.size(); ++i)
    REQUIRE(wait_until([&] { return healthy(i); }));
  std::mt19937 gen{7};
  auto random = [&](size_t n) {
    std::vector<uint8_t> bytes(n);
    for (auto& b : bytes)
      b = static_cast<uint8_t>(gen());
    return bytes;
  };
  // Random bytes whose first byte names no BASP operation. (A valid header
  // may announce up to 4 GiB of payload, which CAF 0.17 allocates: see the
  // README's "Admin tool"; not something to do to a test machine.)
  auto garbage = random(4096);
  garbage[0] = 0xff;
  // A well-formed BASP header (a client handshake, big-endian fields) with
  // 64 bytes of garbage as its payload, which does not deserialize.
  std::vector<uint8_t> bad_payload{1, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto payload = random(64);
  bad_payload.insert(bad_payload.end(), payload.begin(), payload.end());
  for (auto* bytes : {&garbage, &bad_payload}) {
    for (size_t i = 0; i < c.size(); ++i) {
      INFO("garbage to " << c.id(i));
      raw_connection conn{c.admin_port(i)};
      conn.send(*bytes);
      CHECK(conn.closed_by_peer());
    }
  }
  // A client that connects and never speaks holds no one up.
  raw_connection silent{c.admin_port(leader)};
  // The peer port speaks flexsync's own protocol, not CAF's.
  check_failure(admin(c.id(leader), {"status"}), 3, "FAIL STATUS: ");
  CHECK(inc(c, leader) == 1);
  for (size_t i = 0; i < c.size(); ++i) {
    auto r = admin(c, i, {"health"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(c.at(i).running());
  }
}

TEST_CASE("an unreachable node, a port that never answers and bad "
          "addresses fail with one line") {
  auto closed = "127.0.0.1:" + std::to_string(free_ports(1, "127.0.0.1")[0]);
  auto r = admin(closed, {"--timeout", "20", "status"});
  check_failure(r, 3, "FAIL STATUS: cannot connect to " + closed);
  // Failing fast: not by waiting for the timeout.
  CHECK(r.elapsed < std::chrono::seconds(10));
  // A listener that accepts (the kernel's backlog) and never speaks.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t len = sizeof(a);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  auto silent = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  auto s = admin(silent, {"--timeout", "6", "status"});
  ::close(fd);
  check_failure(s, 3, "FAIL STATUS: " + silent, "never answered");
  check_failure(admin("127.0.0.1", {"status"}), 2,
                "flexsync-admin: --conn: not a host:port address");
  check_failure(admin("127.0.0.1:7101", {"add", "nohost"}), 2,
                "flexsync-admin: not a host:port address: 'nohost'");
  check_failure(admin("127.0.0.1:7101", {"frobnicate"}), 2,
                "flexsync-admin: unknown command 'frobnicate'");
  auto help = run_program(FLEXSYNC_ADMIN_BIN, {"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("exit codes") != std::string::npos);
}

TEST_CASE("a node whose admin address is taken or malformed exits with one "
          "line") {
  auto ports = free_ports(2, "127.0.0.1");
  auto self = "127.0.0.1:" + std::to_string(ports[0]);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(ports[1]);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  auto taken = run_program(FLEXSYNC_NODE_BIN,
                           {"--self=" + self, "--partners=[]", "--no-console",
                            "--admin=" + std::to_string(ports[1])});
  ::close(fd);
  INFO(describe(taken));
  CHECK_FALSE(taken.hung);
  CHECK(taken.exit_code == 1);
  CHECK(taken.err.find("flexsync-node: cannot publish the admin actor on "
                       "127.0.0.1:" + std::to_string(ports[1]))
        != std::string::npos);
  auto malformed = run_program(FLEXSYNC_NODE_BIN,
                               {"--self=" + self, "--partners=[]",
                                "--admin=nonsense"});
  INFO(describe(malformed));
  CHECK(malformed.exit_code == 2);
  CHECK(malformed.err == "invalid options: --admin must be HOST:PORT or "
                         "PORT, got 'nonsense'\n");
}
