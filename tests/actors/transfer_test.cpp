// Leadership transfer on real CAF threads (node::transfer_leadership): the
// simulator checks it under faults (transfer.scenario, flexsync-sim
// --transfers); here each case is one operator story.

#include <future>
#include <set>

#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using cluster = local_cluster<repl_counter>;

/// The members other than `i`.
std::vector<size_t> others(const cluster& c, size_t i) {
  std::vector<size_t> out;
  for (size_t j = 0; j < c.size(); ++j)
    if (j != i)
      out.push_back(j);
  return out;
}

} // namespace

TEST_CASE("a named follower takes over, asked of the leader or a follower",
          "[transfer]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).add(1).get(5s) == 1);
  auto rest = others(c, *leader);
  auto target = rest[0];
  auto r = c.at(*leader).transfer_leadership(node_id{c.name(target)}, 5s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(r.detail == "handed over to " + c.name(target));
  CHECK(c.at(*leader).leader() == node_id{c.name(target)});
  CHECK(c.await_leader() == target);
  // Asked of a follower (forwarded to the leader), back to the first one.
  auto asker = rest[1];
  r = c.at(asker).transfer_leadership(node_id{c.name(*leader)}, 5s);
  INFO(r.detail);
  REQUIRE(r.ok());
  CHECK(c.await_leader() == *leader);
  // The state survived both hand-overs and the cluster takes commands.
  CHECK(c.object(asker).add(1).get(5s) == 2);
}

TEST_CASE("without a target the best voter takes over", "[transfer]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto r = c.at(*leader).transfer_leadership(std::nullopt, 5s);
  INFO(r.detail);
  REQUIRE(r.ok());
  auto now = c.await_leader();
  REQUIRE(now);
  CHECK(*now != *leader);
}

TEST_CASE("calls made during a transfer are answered by the new leader",
          "[transfer]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto target = others(c, *leader)[0];
  auto moved = std::async(std::launch::async, [&] {
    return c.at(*leader).transfer_leadership(node_id{c.name(target)}, 5s);
  });
  // Calls on the old leader while it hands over: held, then forwarded.
  std::vector<std::future<int64_t>> calls;
  for (int i = 0; i < 20; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      return c.object(*leader).add(1).get(5s);
    }));
  auto r = moved.get();
  INFO(r.detail);
  REQUIRE(r.ok());
  // Each call applied exactly once: the answers are 1..20, once each.
  std::set<int64_t> answers;
  for (auto& f : calls)
    answers.insert(f.get());
  CHECK(answers.size() == 20);
  CHECK(*answers.begin() == 1);
  CHECK(*answers.rbegin() == 20);
  CHECK(c.object(target).add(0).get(5s) == 20);
}

TEST_CASE("transfers that cannot happen are refused and change nothing",
          "[transfer]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto term = c.at(*leader).term();
  auto r = c.at(*leader).transfer_leadership(node_id{"nobody"}, 2s);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail == "nobody is not a member");
  r = c.at(*leader).transfer_leadership(node_id{c.name(*leader)}, 2s);
  CHECK(r.ok());
  // A stopped follower has not answered within the election timeout.
  auto down = others(c, *leader)[0];
  c.stop(down);
  CHECK(wait_until([&] {
    auto x = c.at(*leader).transfer_leadership(node_id{c.name(down)}, 2s);
    return x.reason == fail_reason::request_denied
           && x.detail.find("has not answered") != std::string::npos;
  }));
  CHECK(c.at(*leader).is_leader());
  CHECK(c.at(*leader).term() == term);
}
