#include "protocol/read_index.hpp"

#include <catch2/catch.hpp>

#include "tests/protocol/field_filler.hpp"

using namespace flexsync;

namespace {

const node_id n1{"1"};
const node_id n2{"2"};
const node_id n3{"3"};
const node_id n4{"4"};
const node_id n5{"5"};

quorum_system majority(size_t n) {
  std::vector<node_id> xs{n1, n2, n3, n4, n5};
  xs.resize(n);
  return quorum_system::majority(xs);
}

std::vector<uint64_t> tickets(const std::vector<released_read>& xs) {
  std::vector<uint64_t> out;
  for (auto& x : xs)
    out.push_back(x.ticket);
  return out;
}

} // namespace

TEST_CASE("a lone voter confirms its reads as soon as a round starts",
          "[read_index]") {
  read_index_queue q;
  q.add(1, index_t{7}, true);
  REQUIRE(q.round_wanted());
  // Before the round starts nothing is confirmed, even alone.
  CHECK(q.confirmed(majority(1), n1, {}).empty());
  CHECK(q.start_round() == 1);
  auto out = q.confirmed(majority(1), n1, {});
  REQUIRE(out.size() == 1);
  CHECK(out[0].ticket == 1);
  CHECK(out[0].index == index_t{7});
  CHECK(q.size() == 0);
}

TEST_CASE("a read is confirmed only by echoes of its own round or later, "
          "from a replication quorum of followers that count",
          "[read_index]") {
  read_index_queue q;
  auto qs = majority(5);
  node_set all{n2, n3, n4, n5};
  q.add(1, index_t{10}, true);
  q.start_round(); // round 1
  q.add(2, index_t{11}, true);
  CHECK(q.round_wanted());
  q.start_round(); // round 2
  CHECK_FALSE(q.round_wanted());
  // Echoes of round 1 from 2 and 3: with the leader, 3 of 5.
  q.on_ack(n2, 1);
  CHECK(q.confirmed(qs, n1, all).empty());
  q.on_ack(n3, 1);
  CHECK(tickets(q.confirmed(qs, n1, all)) == std::vector<uint64_t>{1});
  // Round 2 needs echoes of 2 (or later): the old ones do not count.
  CHECK(q.confirmed(qs, n1, all).empty());
  q.on_ack(n4, 2);
  CHECK(q.confirmed(qs, n1, all).empty());
  // 5 echoes round 2 but recovers a lost state: it does not count.
  q.on_ack(n5, 2);
  CHECK(q.confirmed(qs, n1, node_set{n2, n3, n4}).empty());
  q.on_ack(n2, 2);
  auto out = q.confirmed(qs, n1, node_set{n2, n3, n4});
  REQUIRE(out.size() == 1);
  CHECK(out[0].ticket == 2);
  CHECK(out[0].index == index_t{11});
}

TEST_CASE("reads before the leader's first commit in its term wait for it "
          "and take the commit index it reaches",
          "[read_index]") {
  read_index_queue q;
  q.add(1, index_t{3}, false);
  q.add(2, index_t{3}, false);
  CHECK_FALSE(q.round_wanted());
  q.start_round();
  CHECK(q.confirmed(majority(1), n1, {}).empty());
  q.on_term_commit(index_t{9});
  REQUIRE(q.round_wanted());
  q.start_round();
  auto out = q.confirmed(majority(1), n1, {});
  REQUIRE(out.size() == 2);
  CHECK(out[0].index == index_t{9});
  CHECK(out[1].index == index_t{9});
}

TEST_CASE("echoes of rounds never sent and of learners are ignored, "
          "stepping down returns every read",
          "[read_index]") {
  read_index_queue q;
  auto qs = majority(3);
  q.add(1, index_t{5}, true);
  q.add(2, index_t{5}, false);
  // A peer echoing a round this leader never started.
  q.on_ack(n2, 9);
  q.start_round();
  CHECK(q.confirmed(qs, n1, node_set{n2, n3}).empty());
  // A learner (not a voter of the system) echoing does not make a quorum.
  q.on_ack(n4, 1);
  CHECK(q.confirmed(qs, n1, node_set{n2, n3, n4}).empty());
  auto failed = q.clear();
  std::sort(failed.begin(), failed.end());
  CHECK(failed == std::vector<uint64_t>{1, 2});
  CHECK(q.size() == 0);
  // Rounds keep growing across leaderships; old acks are gone.
  q.add(3, index_t{6}, true);
  CHECK(q.start_round() == 2);
  q.on_ack(n2, 1);
  CHECK(q.confirmed(qs, n1, node_set{n2, n3}).empty());
  q.on_ack(n2, 2);
  CHECK(tickets(q.confirmed(qs, n1, node_set{n2, n3}))
        == std::vector<uint64_t>{3});
}

TEST_CASE("a joint configuration confirms a read only with a replication "
          "quorum of both halves",
          "[read_index]") {
  auto old_q = quorum_system::majority({n1, n2, n3});
  auto new_q = quorum_system::majority({n3, n4, n5});
  auto joint = quorum_system::joint(old_q, new_q);
  read_index_queue q;
  q.add(1, index_t{4}, true);
  q.start_round();
  node_set all{n2, n3, n4, n5};
  q.on_ack(n2, 1);
  CHECK(q.confirmed(joint, n1, all).empty());
  q.on_ack(n4, 1);
  CHECK(q.confirmed(joint, n1, all).empty());
  q.on_ack(n5, 1);
  CHECK(tickets(q.confirmed(joint, n1, all)) == std::vector<uint64_t>{1});
}

TEST_CASE("a confirmed round grants a lease from the time it was sent, "
          "rounds sent before end_lease grant none",
          "[read_index][lease]") {
  using namespace std::chrono_literals;
  read_index_queue q;
  auto qs = majority(3);
  node_set all{n2, n3};
  q.set_lease(100ms);
  CHECK_FALSE(q.lease_valid(sim_time{0}));
  auto r1 = q.start_round(10ms);
  // Nobody echoed yet: no lease.
  CHECK(q.confirmed(qs, n1, all).empty());
  CHECK_FALSE(q.lease_valid(20ms));
  q.on_ack(n2, r1);
  q.confirmed(qs, n1, all);
  // Valid until sent + lease, not ack time + lease.
  CHECK(q.lease_valid(109ms));
  CHECK_FALSE(q.lease_valid(110ms));
  // A later round extends it.
  auto r2 = q.start_round(50ms);
  q.on_ack(n3, r2);
  q.confirmed(qs, n1, all);
  CHECK(q.lease_valid(149ms));
  // A transfer ends it; a round sent before that cannot bring it back.
  auto r3 = q.start_round(60ms);
  q.end_lease();
  CHECK_FALSE(q.lease_valid(61ms));
  q.on_ack(n2, r3);
  q.confirmed(qs, n1, all);
  CHECK_FALSE(q.lease_valid(61ms));
  // A round sent afterwards can.
  auto r4 = q.start_round(70ms);
  q.on_ack(n2, r4);
  q.confirmed(qs, n1, all);
  CHECK(q.lease_valid(169ms));
  // Stepping down ends it too.
  q.clear();
  CHECK_FALSE(q.lease_valid(71ms));
}

TEST_CASE("without leases no round grants one, a newer echo confirms older "
          "rounds and their reads",
          "[read_index][lease]") {
  using namespace std::chrono_literals;
  read_index_queue q;
  auto qs = majority(3);
  q.add(1, index_t{3}, true);
  q.start_round(1ms);
  q.add(2, index_t{4}, true);
  auto r2 = q.start_round(2ms);
  q.on_ack(n3, r2);
  CHECK(tickets(q.confirmed(qs, n1, node_set{n2, n3}))
        == std::vector<uint64_t>{1, 2});
  CHECK_FALSE(q.lease_valid(2ms));
}

TEST_CASE("inspect visits every field of the read index messages",
          "[read_index]") {
  test::field_filler f;
  read_index_request req;
  inspect(f, req);
  CHECK(req.term != term_t{});
  CHECK_FALSE(req.from.empty());
  CHECK(req.id != 0);
  CHECK(req.lease);
  CHECK(f.visited == 4);
  test::field_filler g;
  read_index_reply rep;
  inspect(g, rep);
  CHECK(rep.id != 0);
  CHECK_FALSE(rep.from.empty());
  CHECK(rep.index != index_t{});
  CHECK(rep.ok);
  CHECK(g.visited == 4);
}
