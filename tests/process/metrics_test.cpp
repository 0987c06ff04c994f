// Metrics of real flexsync-node processes: the console's `metrics` command
// and the --metrics-file a node_exporter textfile collector reads. Both must
// be valid Prometheus text with the node's own numbers.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "protocol/metrics.hpp"
#include "tests/process/node_process.hpp"

using namespace flexsync::process_testing;

namespace {

/// The value of the sample `name{labels}` in `text`, or -1 when absent.
double sample(const std::string& text, const std::string& name,
              const std::string& labels) {
  auto key = name + "{" + labels + "} ";
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0)
      return std::stod(line.substr(key.size()));
  return -1;
}

std::string node_label(const process_cluster& c, size_t i) {
  return "node=\"" + c.id(i) + "\"";
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

TEST_CASE("the console's metrics command answers valid Prometheus text") {
  process_cluster c{{}};
  auto leader = c.wait_leader(c.all());
  INFO("leader " << c.id(leader));
  for (int k = 0; k < 5; ++k)
    REQUIRE(c.at(leader).command("inc").rfind("ok ", 0) == 0);
  auto text = c.at(leader).metrics();
  INFO(text);
  REQUIRE_FALSE(text.empty());
  CHECK_FALSE(flexsync::check_prometheus_text(text));
  auto self = node_label(c, leader);
  CHECK(sample(text, "flexsync_role", self) == 2);
  CHECK(sample(text, "flexsync_is_leader", self) == 1);
  CHECK(sample(text, "flexsync_term", self) >= 1);
  CHECK(sample(text, "flexsync_proposals_committed_total", self) >= 5);
  CHECK(sample(text, "flexsync_commit_duration_seconds_count", self) >= 5);
  // Per-peer traffic over TCP, both directions, with every other member.
  for (size_t i = 0; i < c.size(); ++i) {
    if (i == leader)
      continue;
    auto peer = self + ",peer=\"" + c.id(i) + "\"";
    CHECK(sample(text, "flexsync_peer_sent_frames_total", peer) > 0);
    CHECK(sample(text, "flexsync_peer_sent_bytes_total", peer) > 0);
    CHECK(sample(text, "flexsync_peer_received_frames_total", peer) > 0);
    CHECK(sample(text, "flexsync_peer_rejected_frames_total", peer) == 0);
  }
  // The console still answers one command with one answer afterwards.
  CHECK(c.at(leader).status()["role"] == "leader");
  // A follower's text names its own role.
  auto follower = (leader + 1) % c.size();
  auto ftext = c.at(follower).metrics();
  CHECK_FALSE(flexsync::check_prometheus_text(ftext));
  CHECK(sample(ftext, "flexsync_role", node_label(c, follower)) == 0);
}

TEST_CASE("the metrics file (--metrics-file) is rewritten with valid text for "
          "node_exporter") {
  process_cluster c{{.disk = true, .metrics_interval = 0.05}};
  auto leader = c.wait_leader(c.all());
  INFO("leader " << c.id(leader));
  REQUIRE(c.at(leader).command("inc").rfind("ok ", 0) == 0);
  auto path = c.metrics_file(leader);
  std::string text;
  // The file is rewritten until it shows the committed call.
  CHECK(wait_until([&] {
    text = read_file(path);
    return sample(text, "flexsync_proposals_committed_total",
                  node_label(c, leader))
           >= 1;
  }));
  INFO(text);
  CHECK_FALSE(flexsync::check_prometheus_text(text));
  CHECK(sample(text, "flexsync_is_leader", node_label(c, leader)) == 1);
  CHECK(sample(text, "flexsync_log_fsync_duration_seconds_count",
               node_label(c, leader))
        > 0);
}
