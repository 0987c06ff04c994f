#include "protocol/config.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>

using namespace flexsync;

namespace {

node_config three_nodes() {
  return node_config{"b", {"a", "c"}};
}

// The message of the config_error that validating `cfg` throws.
std::string validation_error(node_config cfg) {
  try {
    cfg.normalize_and_validate();
  } catch (const config_error& e) {
    return e.what();
  }
  FAIL("normalize_and_validate accepted an invalid config");
  return {};
}

std::vector<node_id> ids(std::vector<std::string> names) {
  std::vector<node_id> result;
  for (auto& x : names)
    result.emplace_back(x);
  return result;
}

} // namespace

TEST_CASE("node_config from names sets self and partners", "[config]") {
  node_config cfg{"b", {"c", "a"}};
  CHECK(cfg.self == node_id{"b"});
  CHECK(cfg.partners == ids({"c", "a"}));
  CHECK(cfg.voters() == ids({"a", "b", "c"}));
  CHECK_FALSE(cfg.quorum);
}

TEST_CASE("default config is valid", "[config]") {
  auto cfg = three_nodes();
  CHECK_NOTHROW(cfg.normalize_and_validate());
  CHECK(cfg.pre_vote);
  CHECK(cfg.check_quorum);
  CHECK(cfg.election_timeout_min > 3 * cfg.heartbeat_interval);
}

TEST_CASE("normalize drops self and duplicates from partners", "[config]") {
  node_config cfg{"b", {"c", "b", "a", "c", "b"}};
  cfg.normalize_and_validate();
  CHECK(cfg.partners == ids({"a", "c"}));
  CHECK(cfg.voters() == ids({"a", "b", "c"}));
}

TEST_CASE("single-node config is valid", "[config]") {
  node_config cfg{"solo", {}};
  CHECK_NOTHROW(cfg.normalize_and_validate());
  CHECK(cfg.voters() == ids({"solo"}));
  CHECK(cfg.make_quorum_system().to_string() == "majority(1)");
}

TEST_CASE("voters include self once even before normalizing", "[config]") {
  node_config cfg{"b", {"b", "a", "a"}};
  CHECK(cfg.voters() == ids({"a", "b"}));
}

TEST_CASE("each invalid option is refused by name", "[config]") {
  struct bad_option {
    std::string name;
    std::function<void(node_config&)> spoil;
  };
  std::vector<bad_option> cases{
    {"self", [](node_config& c) { c.self = node_id{}; }},
    {"partners", [](node_config& c) { c.partners.emplace_back(""); }},
    {"heartbeat_interval", [](node_config& c) { c.heartbeat_interval = 0ns; }},
    {"election_timeout_min",
     [](node_config& c) { c.election_timeout_min = 3 * c.heartbeat_interval; }},
    {"election_timeout_max",
     [](node_config& c) { c.election_timeout_max = c.election_timeout_min; }},
    {"leader_fallback_timeout",
     [](node_config& c) { c.leader_fallback_timeout = c.heartbeat_interval; }},
    {"default_call_timeout",
     [](node_config& c) { c.default_call_timeout = 0ns; }},
    {"max_batch_entries", [](node_config& c) { c.max_batch_entries = 0; }},
    {"max_batch_bytes", [](node_config& c) { c.max_batch_bytes = 0; }},
    {"max_inflight", [](node_config& c) { c.max_inflight = 0; }},
    {"election_quorum", [](node_config& c) { c.quorum = quorum_spec{0, 2}; }},
    {"election_quorum", [](node_config& c) { c.quorum = quorum_spec{4, 2}; }},
    {"replication_quorum",
     [](node_config& c) { c.quorum = quorum_spec{2, 0}; }},
    {"replication_quorum",
     [](node_config& c) { c.quorum = quorum_spec{2, 4}; }},
  };
  for (auto& x : cases) {
    INFO(x.name);
    auto cfg = three_nodes();
    x.spoil(cfg);
    CHECK_THROWS_AS(cfg.normalize_and_validate(), config_error);
    CHECK_THAT(validation_error(cfg), Catch::Contains(x.name));
  }
}

TEST_CASE("negative durations are refused", "[config]") {
  auto cfg = three_nodes();
  cfg.heartbeat_interval = -1ms;
  CHECK_THAT(validation_error(cfg), Catch::Contains("heartbeat_interval"));
  cfg = three_nodes();
  cfg.default_call_timeout = -1s;
  CHECK_THAT(validation_error(cfg), Catch::Contains("default_call_timeout"));
}

TEST_CASE("unsafe counting quorum is refused", "[config]") {
  node_config cfg{"1", {"2", "3", "4", "5"}};
  cfg.quorum = quorum_spec{2, 4};
  auto msg = validation_error(cfg);
  CHECK_THAT(msg, Catch::Contains("unsafe"));
  CHECK_THAT(msg, Catch::Contains("election quorums"));
  cfg.quorum = quorum_spec{2, 3};
  CHECK_THAT(validation_error(cfg), Catch::Contains("replication quorum"));
}

TEST_CASE("safe counting quorum builds a counting system", "[config]") {
  node_config cfg{"1", {"2", "3", "4"}};
  cfg.quorum = quorum_spec{3, 2};
  CHECK_NOTHROW(cfg.normalize_and_validate());
  auto q = cfg.make_quorum_system();
  CHECK(q.type() == quorum_system::kind::counting);
  CHECK(q.election_quorum() == 3);
  CHECK(q.replication_quorum() == 2);
  CHECK(q.voters() == ids({"1", "2", "3", "4"}));
}

TEST_CASE("quorum is counted after self and duplicates are dropped",
          "[config]") {
  // Four names but three distinct voters: 2 + 2 > 3 is safe, while
  // 2 + 2 <= 4 would not be if self were counted twice.
  node_config cfg{"a", {"a", "b", "c", "c"}};
  cfg.quorum = quorum_spec{2, 2};
  CHECK_NOTHROW(cfg.normalize_and_validate());
  CHECK(cfg.make_quorum_system().voters().size() == 3);
}

TEST_CASE("without quorum sizes the system is a majority", "[config]") {
  auto q = three_nodes().make_quorum_system();
  CHECK(q.type() == quorum_system::kind::majority);
  CHECK(q.election_quorum() == 2);
  CHECK(q.voters() == ids({"a", "b", "c"}));
}

TEST_CASE("node names that are not UTF-8 are refused at start",
          "[config]") {
  node_config bad_partner{"a", {"b\xff", "c"}};
  CHECK_THROWS_WITH(bad_partner.normalize_and_validate(),
                    Catch::Contains("not valid UTF-8"));
  node_config bad_self{"a\xc0\x80", {"b", "c"}};
  CHECK_THROWS_WITH(bad_self.normalize_and_validate(),
                    Catch::Contains("not valid UTF-8"));
  node_config fine{"z\xc3\xbcrich", {"b", "c"}};
  CHECK_NOTHROW(fine.normalize_and_validate());
}

TEST_CASE("node names with control characters are refused at start",
          "[config]") {
  node_config bad_partner{"a", {"b\nc", "d"}};
  CHECK_THROWS_WITH(bad_partner.normalize_and_validate(),
                    Catch::Contains("control characters"));
  node_config bad_self{"a\t", {"b"}};
  CHECK_THROWS_WITH(bad_self.normalize_and_validate(),
                    Catch::Contains("control characters"));
}
