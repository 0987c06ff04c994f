#include "protocol/check_quorum.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

const node_id n1{"1"};
const node_id n2{"2"};
const node_id n3{"3"};
const node_id n4{"4"};
const node_id n5{"5"};

constexpr sim_time now = 10s;
constexpr sim_time window = 300ms;

bool active(const quorum_system& q, const std::map<node_id, sim_time>& seen) {
  return has_active_quorum(q, n1, seen, now, window);
}

} // namespace

TEST_CASE("leader with recent replies from a quorum keeps leading",
          "[check_quorum]") {
  auto q = quorum_system::majority({n1, n2, n3, n4, n5});
  CHECK(active(q, {{n2, now - 100ms}, {n3, now - 10ms}}));
}

TEST_CASE("leader without replies from a quorum steps down",
          "[check_quorum]") {
  auto q = quorum_system::majority({n1, n2, n3, n4, n5});
  CHECK_FALSE(active(q, {}));
  CHECK_FALSE(active(q, {{n2, now}}));
}

TEST_CASE("replies older than the window do not count", "[check_quorum]") {
  auto q = quorum_system::majority({n1, n2, n3, n4, n5});
  CHECK_FALSE(active(q, {{n2, now - 1ms}, {n3, now - 301ms}, {n4, now - 5s}}));
}

TEST_CASE("reply exactly at the window edge counts", "[check_quorum]") {
  auto q = quorum_system::majority({n1, n2, n3});
  CHECK(active(q, {{n2, now - window}}));
  CHECK_FALSE(active(q, {{n2, now - window - 1ns}}));
}

TEST_CASE("leader counts itself without a reply", "[check_quorum]") {
  auto q = quorum_system::majority({n1});
  CHECK(active(q, {}));
  auto three = quorum_system::majority({n1, n2, n3});
  // A stale entry for the leader itself does not remove it.
  CHECK(active(three, {{n1, now - 1h}, {n2, now}}));
}

TEST_CASE("non-voter replies do not make a quorum", "[check_quorum]") {
  auto q = quorum_system::majority({n1, n2, n3});
  CHECK_FALSE(
    active(q, {{node_id{"learner"}, now}, {node_id{"other"}, now}}));
}

TEST_CASE("check-quorum uses the replication quorum", "[check_quorum]") {
  // n=4, election 3, replication 2: one live follower is enough to commit,
  // so the leader keeps leading.
  auto q = quorum_system::counting({n1, n2, n3, n4}, 3, 2);
  CHECK(active(q, {{n3, now}}));
  CHECK_FALSE(active(q, {{n3, now - 1s}}));
}
