// flexsync-admin's command line (admin/admin_cli.hpp), flexsync's and
// PySyncObj's spellings, and every way it refuses bad input. CAF-free.

#include <catch2/catch.hpp>

#include "admin/admin_cli.hpp"

using namespace flexsync::admin;

namespace {

cli_options ok(std::vector<std::string> args) {
  auto r = parse_cli(args);
  INFO(r.error);
  REQUIRE(r.options);
  CHECK(r.error.empty());
  return *r.options;
}

cli_parse bad(std::vector<std::string> args) {
  auto r = parse_cli(args);
  CHECK_FALSE(r.options);
  CHECK_FALSE(r.help);
  CHECK_FALSE(r.error.empty());
  CHECK(r.error.find('\n') == std::string::npos);
  return r;
}

} // namespace

TEST_CASE("flexsync spellings: options before or after the command, with "
          "a space or =") {
  auto o = ok({"--conn", "127.0.0.1:7101", "status"});
  CHECK(o.cmd == command::status);
  CHECK(o.host == "127.0.0.1");
  CHECK(o.port == 7101);
  CHECK_FALSE(o.json);
  CHECK(o.timeout_seconds == 10);
  o = ok({"health", "--conn=localhost:7101", "--json", "--timeout=2.5",
          "--max-lag", "7", "--timings"});
  CHECK(o.cmd == command::health);
  CHECK(o.host == "localhost");
  CHECK(o.json);
  CHECK(o.timeout_seconds == 2.5);
  CHECK(o.max_lag == 7);
  CHECK(o.timings);
  o = ok({"--conn", "[::1]:7101", "--password-file", "/tmp/pw", "metrics"});
  CHECK(o.host == "::1");
  CHECK(o.password_file == "/tmp/pw");
  CHECK_FALSE(o.password);
}

TEST_CASE("every command and its argument") {
  struct row {
    std::vector<std::string> words;
    command cmd;
    std::string arg;
  };
  std::vector<row> rows{
    {{"status"}, command::status, ""},
    {{"add", "127.0.0.1:7004"}, command::add, "127.0.0.1:7004"},
    {{"remove", "node4.example:7004"}, command::remove, "node4.example:7004"},
    {{"add-learner", "127.0.0.1:7005"}, command::add_learner,
     "127.0.0.1:7005"},
    {{"add_learner", "127.0.0.1:7005"}, command::add_learner,
     "127.0.0.1:7005"},
    {{"set-version", "3"}, command::set_version, "3"},
    {{"transfer"}, command::transfer, ""},
    {{"transfer", "127.0.0.1:7002"}, command::transfer, "127.0.0.1:7002"},
    {{"compact"}, command::compact, ""},
    {{"health"}, command::health, ""},
    {{"metrics"}, command::metrics, ""},
  };
  for (auto& r : rows) {
    INFO(r.words.front());
    std::vector<std::string> args{"--conn", "127.0.0.1:7101"};
    args.insert(args.end(), r.words.begin(), r.words.end());
    auto o = ok(args);
    CHECK(o.cmd == r.cmd);
    CHECK(o.arg == r.arg);
  }
  CHECK(ok({"--conn", "127.0.0.1:7101", "set-version", "3"}).version == 3);
}

TEST_CASE("PySyncObj's syncobj_admin spellings") {
  auto o = ok({"-conn", "127.0.0.1:7101", "-status"});
  CHECK(o.cmd == command::status);
  CHECK(o.port == 7101);
  o = ok({"-conn", "127.0.0.1:7101", "-pass", "secret", "-add",
          "127.0.0.1:7004"});
  CHECK(o.cmd == command::add);
  CHECK(o.arg == "127.0.0.1:7004");
  REQUIRE(o.password);
  CHECK(*o.password == "secret");
  o = ok({"-conn", "127.0.0.1:7101", "-remove", "127.0.0.1:7004"});
  CHECK(o.cmd == command::remove);
  CHECK(o.arg == "127.0.0.1:7004");
  o = ok({"-conn", "127.0.0.1:7101", "-set_version", "2", "-timeout", "3"});
  CHECK(o.cmd == command::set_version);
  CHECK(o.version == 2);
  CHECK(o.timeout_seconds == 3);
  // A password that starts with a dash is still -pass's value.
  CHECK(*ok({"-conn", "127.0.0.1:7101", "-pass", "-x-", "-status"}).password
        == "-x-");
}

TEST_CASE("help wins over everything else") {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--help"}, {"-h"}, {"--conn", "nonsense", "--help"},
         {"bogus", "--help"}}) {
    auto r = parse_cli(args);
    CHECK(r.help);
    CHECK(r.error.empty());
  }
  auto text = usage_text();
  for (auto* word : {"status", "add ADDR", "add-learner", "remove ADDR",
                     "set-version N", "transfer [ADDR]", "compact", "health",
                     "metrics", "--conn", "--password-file", "--json",
                     "--timeout", "-pass", "-set_version", "exit codes"})
    CHECK(text.find(word) != std::string::npos);
}

TEST_CASE("malformed addresses are refused as bad addresses") {
  for (auto conn : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                    "127.0.0.1:70000", ":7101", "127.0.0.1:71x"}) {
    INFO(conn);
    auto r = bad({"--conn", conn, "status"});
    CHECK(r.bad_address);
    CHECK(r.error.find(conn) != std::string::npos);
  }
  for (auto cmd : {"add", "remove", "add-learner", "transfer"}) {
    INFO(cmd);
    auto r = bad({"--conn", "127.0.0.1:7101", cmd, "127.0.0.1"});
    CHECK(r.bad_address);
  }
  CHECK(bad({"-conn", "127.0.0.1:7101", "-add", "nowhere"}).bad_address);
}

TEST_CASE("other bad input is refused with one line") {
  std::vector<std::vector<std::string>> cases{
    {"status"},                                             // no --conn
    {"--conn", "127.0.0.1:7101"},                           // no command
    {"--conn", "127.0.0.1:7101", "frobnicate"},             // unknown
    {"--conn", "127.0.0.1:7101", "--frob", "status"},       // unknown option
    {"--conn", "127.0.0.1:7101", "-status", "health"},      // two commands
    {"--conn", "127.0.0.1:7101", "-status", "-add", "127.0.0.1:7004"},
    {"--conn", "127.0.0.1:7101", "add"},                    // no ADDR
    {"--conn", "127.0.0.1:7101", "status", "extra"},        // too many
    {"--conn", "127.0.0.1:7101", "transfer", "a:1", "b:2"}, // too many
    {"--conn", "127.0.0.1:7101", "set-version", "three"},
    {"--conn", "127.0.0.1:7101", "set-version", "-1"},
    {"--conn", "127.0.0.1:7101", "--timeout", "0", "status"},
    {"--conn", "127.0.0.1:7101", "--timeout", "-2", "status"},
    {"--conn", "127.0.0.1:7101", "--timeout", "soon", "status"},
    {"--conn", "127.0.0.1:7101", "--max-lag", "many", "health"},
    {"--conn", "127.0.0.1:7101", "--json=yes", "status"},   // takes no value
    {"--conn", "127.0.0.1:7101", "-pass", "x", "--password-file", "f",
     "status"},
    {"status", "--conn"},                                   // value missing
  };
  for (auto& args : cases) {
    std::string joined;
    for (auto& a : args)
      joined += a + " ";
    INFO(joined);
    CHECK_FALSE(bad(args).bad_address);
  }
}

TEST_CASE("flexsync-node's --admin: a port alone means loopback") {
  auto e = parse_admin_option("7201");
  REQUIRE(e);
  CHECK(e->host == "127.0.0.1");
  CHECK(e->port == 7201);
  e = parse_admin_option(":7201");
  REQUIRE(e);
  CHECK(e->host == "127.0.0.1");
  e = parse_admin_option("[::1]:7201");
  REQUIRE(e);
  CHECK(e->host == "::1");
  e = parse_admin_option("0.0.0.0:7201");
  REQUIRE(e);
  CHECK(e->host == "0.0.0.0");
  for (auto bad : {"", ":", "seven", "127.0.0.1", "127.0.0.1:0", "99999",
                   "host:port"})
    CHECK_FALSE(parse_admin_option(bad));
  for (auto lo : {"127.0.0.1", "127.1.2.3", "::1", "localhost"})
    CHECK(is_loopback_host(lo));
  for (auto out : {"0.0.0.0", "10.0.0.1", "::", "example.org"})
    CHECK_FALSE(is_loopback_host(out));
}
