// Dynamic membership on real CAF threads: the node API (add_node,
// remove_node, add_learner, change_membership) carried out through the log
// with joint consensus. The simulator checks the same under faults; here
// each case is one operator story.

#include <filesystem>
#include <future>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/actors/temp_dir.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using cluster = local_cluster<repl_counter>;

/// `first` forms a cluster of its own; every other member joins later.
cluster_options grow_from(const std::string& first,
                          std::function<void(node_config&)> more = {}) {
  return with(
    [first, more](node_config& cfg) {
      if (cfg.self.name == first)
        cfg.partners.clear();
      else
        cfg.join = true;
      if (more)
        more(cfg);
    },
    {first});
}

std::vector<node_id> ids(std::initializer_list<const char*> xs) {
  std::vector<node_id> out;
  for (auto x : xs)
    out.emplace_back(x);
  return out;
}

/// Waits until member `i` holds the configuration with exactly `voters`
/// (not joint).
bool holds_voters(cluster& c, size_t i, const std::vector<node_id>& voters) {
  return wait_until([&] {
    auto st = c.at(i).status();
    return st.voters == voters
           && st.configuration.find("joint") == std::string::npos;
  });
}

/// Waits until member `i`'s counter shows `value`.
bool counter_at(cluster& c, size_t i, int64_t value) {
  return wait_until([&] { return c.object(i).get() == value; });
}

} // namespace

TEST_CASE("a single node grows to three voters and shrinks back to one",
          "[membership]") {
  cluster c{{"a", "b", "c"}, grow_from("a")};
  auto a = c.index_of("a"), b = c.index_of("b"), cc = c.index_of("c");
  REQUIRE(c.await_leader() == a);
  REQUIRE(c.object(a).add(1).get(5s) == 1);
  // 1 -> 2: b starts knowing no configuration and learns it from the log.
  c.start(b);
  CHECK(c.at(b).status().membership_note.find("joining")
        != std::string::npos);
  auto r = c.at(a).add_node(node_id{"b"}, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(holds_voters(c, a, ids({"a", "b"})));
  CHECK(holds_voters(c, b, ids({"a", "b"})));
  CHECK(counter_at(c, b, 1));
  REQUIRE(c.object(b).add(1).get(5s) == 2);
  // 2 -> 3, asked of a follower: forwarded to the leader.
  c.start(cc);
  auto follower = c.at(a).is_leader() ? b : a;
  r = c.at(follower).add_node(node_id{"c"}, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  for (auto i : {a, b, cc})
    CHECK(holds_voters(c, i, ids({"a", "b", "c"})));
  CHECK(counter_at(c, cc, 2));
  // Asking again is safe: the change is in effect.
  CHECK(c.at(cc).add_node(node_id{"c"}, 10s).ok());
  // 3 -> 2 -> 1.
  r = c.at(b).remove_node(node_id{"c"}, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(holds_voters(c, a, ids({"a", "b"})));
  REQUIRE(c.object(a).add(1).get(5s) == 3);
  r = c.at(a).remove_node(node_id{"b"}, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(holds_voters(c, a, ids({"a"})));
  CHECK(wait_until([&] { return c.at(a).is_leader(); }));
  REQUIRE(c.object(a).add(1).get(5s) == 4);
  // The removed nodes know it and never campaign.
  CHECK(wait_until([&] {
    return !c.at(cc).status().membership_note.empty();
  }));
  CHECK(c.at(cc).status().role != raft_role::leader);
}

TEST_CASE("removing the leader hands the cluster to the other voters",
          "[membership]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(5).get(5s) == 5);
  auto name = node_id{c.name(*leader)};
  auto r = c.at(*leader).remove_node(name, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  std::vector<size_t> rest;
  for (size_t i = 0; i < c.size(); ++i)
    if (i != *leader)
      rest.push_back(i);
  std::optional<size_t> next;
  CHECK(wait_until([&] {
    for (auto i : rest)
      if (c.at(i).is_leader())
        next = i;
    return next.has_value();
  }));
  REQUIRE(next);
  CHECK(c.at(*next).status().voters.size() == 2);
  REQUIRE(c.object(*next).add(1).get(5s) == 6);
  CHECK(counter_at(c, rest.front() == *next ? rest.back() : rest.front(), 6));
  CHECK(wait_until([&] {
    auto st = c.at(*leader).status();
    return st.role != raft_role::leader && !st.membership_note.empty();
  }));
}

TEST_CASE("membership requests that cannot be carried out say why",
          "[membership]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto& n = c.at(*leader);
  // Already in effect: nothing to do, success.
  CHECK(n.add_node(node_id{"b"}, 5s).ok());
  auto r = n.add_node(node_id{""}, 5s);
  CHECK(r.reason == fail_reason::request_denied);
  membership none;
  r = n.change_membership(none, 5s);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail == "a configuration needs at least one voter");
  membership unsafe;
  unsafe.voters = ids({"a", "b", "c"});
  unsafe.quorum = quorum_spec{1, 3};
  r = n.change_membership(unsafe, 5s);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail.find("do not intersect") != std::string::npos);
  // Nothing changed.
  CHECK(n.status().voters == ids({"a", "b", "c"}));
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
}

namespace {

/// a, b, c run; d joins, but starts only when the test starts it, so as a
/// learner it catches up only then and a change adding it waits.
cluster_options late_d() {
  return with(
    [](node_config& cfg) {
      cfg.partners = ids({"a", "b", "c"});
      if (cfg.self.name == "d")
        cfg.join = true;
      cfg.learner_promotion_lag = 0;
    },
    {"a", "b", "c"});
}

} // namespace

TEST_CASE("a second change while one waits for a learner is refused",
          "[membership]") {
  cluster c{{"a", "b", "c", "d"}, late_d()};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  // A deadline far beyond the test's steps: a loaded machine cannot make
  // the first change give up before the second is asked.
  auto first = std::async(std::launch::async, [&] {
    return c.at(*leader).add_node(node_id{"d"}, 120s);
  });
  CHECK(wait_until([&] {
    return c.at(*leader).status().readonly_nodes.size() == 1;
  }));
  auto r = c.at(*leader).remove_node(node_id{"c"}, 5s);
  CHECK(r.reason == fail_reason::change_in_progress);
  INFO(r.detail);
  CHECK(r.detail.find("another membership change") != std::string::npos);
  // d starts, catches up and is promoted: the first change completes.
  c.start(c.index_of("d"));
  auto r1 = first.get();
  INFO(r1.detail);
  CHECK(r1.ok());
  CHECK(c.at(*leader).status().voters == ids({"a", "b", "c", "d"}));
}

TEST_CASE("a change waiting for a learner that never catches up is given up "
          "at its deadline, and the learner stays",
          "[membership]") {
  cluster c{{"a", "b", "c", "d"}, late_d()};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  auto r1 = c.at(*leader).add_node(node_id{"d"}, 2s);
  CHECK(r1.reason == fail_reason::timeout);
  CHECK(r1.detail.find("learner d is catching up") != std::string::npos);
  CHECK(c.at(*leader).status().voters == ids({"a", "b", "c"}));
  CHECK(c.at(*leader).status().readonly_nodes.size() == 1);
  // Now another change goes through.
  CHECK(c.at(*leader).remove_node(node_id{"d"}, 5s).ok());
  CHECK(c.at(*leader).status().readonly_nodes.empty());
}

namespace {

namespace fs = std::filesystem;

/// Three static voters on disk grow to four (d joins), then every node
/// stops; `wipe` removes files before all restart with their original
/// options. The configuration must come back from what is left.
void grow_stop_restart(const std::function<void(const fs::path&)>& wipe,
                       bool compact) {
  temp_dir dir;
  auto opts = with(
    [&](node_config& cfg) {
      cfg.partners = ids({"a", "b", "c"});
      cfg.join = cfg.self.name == "d";
      cfg.persistence.data_dir = (dir.path / cfg.self.name).string();
    },
    {"a", "b", "c"});
  cluster c{{"a", "b", "c", "d"}, opts};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  c.start(c.index_of("d"));
  auto r = c.at(*leader).add_node(node_id{"d"}, 10s);
  INFO(r.detail);
  REQUIRE(r.ok());
  REQUIRE(c.object(*leader).add(1).get(5s) == 2);
  for (size_t i = 0; i < c.size(); ++i)
    REQUIRE(counter_at(c, i, 2));
  if (compact)
    CHECK(c.compact_all());
  for (size_t i = 0; i < c.size(); ++i)
    c.stop(i);
  wipe(dir.path);
  for (size_t i = 0; i < c.size(); ++i)
    c.restart(i);
  auto next = c.await_leader();
  REQUIRE(next);
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(holds_voters(c, i, ids({"a", "b", "c", "d"})));
  CHECK(c.object(*next).add(1).get(5s) == 3);
}

} // namespace

TEST_CASE("a full restart takes the configuration from the journal alone",
          "[membership]") {
  grow_stop_restart(
    [](const fs::path& root) {
      for (auto& n : {"a", "b", "c", "d"})
        remove_files(root / n, "snapshot-");
    },
    false);
}

TEST_CASE("a full restart takes the configuration from snapshots alone",
          "[membership]") {
  grow_stop_restart(
    [](const fs::path& root) {
      for (auto& n : {"a", "b", "c", "d"})
        CHECK(remove_files(root / n, "journal-") > 0);
    },
    true);
}
