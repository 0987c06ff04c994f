// flexsync-node's configuration: a CAF ini file named with --config-file,
// the command line over it, and no implicit caf-application.ini.

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"

namespace {

/// Runs flexsync-node with `args` in `dir` to its end (killed after 20 s if
/// it does not stop by itself, which would be a bug); stdout and stderr.
std::string run_in(const std::string& dir, const std::string& args) {
  auto cmd = "cd '" + dir + "' && timeout -s KILL 20 '" FLEXSYNC_NODE_BIN "' "
             + args + " 2>&1";
  std::string out;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;)
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

struct temp_dir {
  std::string path;
  temp_dir() {
    std::string pattern = "/tmp/flexsync-config-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

} // namespace

TEST_CASE("flexsync-node reads only the config file it is given and the "
          "command line overrides it") {
  temp_dir d;
  std::ofstream{d.path + "/caf-application.ini"}
    << "[global]\nself=\"10.9.9.9:1\"\n";
  std::ofstream{d.path + "/node.ini"}
    << "[global]\nself=\"127.0.0.1:7301\"\n"
       "partners=[\"127.0.0.1:7302\",\"127.0.0.1:7303\"]\n"
       "[scheduler]\nmax-threads=3\n";
  auto implicit = run_in(d.path, "--dump-config");
  CHECK(implicit.find("10.9.9.9") == std::string::npos);
  CHECK(implicit.find("max-threads = 2") != std::string::npos);
  CHECK(implicit.find("max-throughput = 100") != std::string::npos);
  auto given = run_in(d.path, "--config-file=node.ini --dump-config");
  CHECK(given.find("self = \"127.0.0.1:7301\"") != std::string::npos);
  CHECK(given.find("\"127.0.0.1:7303\"") != std::string::npos);
  CHECK(given.find("max-threads = 3") != std::string::npos);
  auto both = run_in(d.path,
                     "--config-file=node.ini --self=127.0.0.1:7309 --dump-config");
  CHECK(both.find("self = \"127.0.0.1:7309\"") != std::string::npos);
  CHECK(run_in(d.path, "--config-file=missing.ini")
          .find("cannot open config file") != std::string::npos);
  CHECK(run_in(d.path, "--self=127.0.0.1:7301 --storage=disk")
          .find("needs --data-dir") != std::string::npos);
}

TEST_CASE("flexsync-node passes its log compaction options to the node, "
          "which checks them") {
  temp_dir d;
  auto node = std::string{"--self=127.0.0.1:7301 "};
  // 1 reaches persistence_options' own check (0 or at least 2).
  CHECK(run_in(d.path, node + "--snapshot-entries=1")
          .find("snapshot_threshold_entries must be 0 (off) or >= 2")
        != std::string::npos);
  CHECK(run_in(d.path, node + "--snapshot-interval=-1s")
          .find("--snapshot-interval must not be negative")
        != std::string::npos);
  auto dump = run_in(d.path, node + "--snapshot-entries=0 "
                                    "--snapshot-interval=30s --dump-config");
  CHECK(dump.find("snapshot-entries = 0") != std::string::npos);
  CHECK(dump.find("snapshot-interval = 30s") != std::string::npos);
}
