#include "protocol/quorum.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <random>

using namespace flexsync;

namespace {

// Voters "a", "b", ... in sorted order, so bit i of a mask names voter i.
std::vector<node_id> voters_of(size_t n) {
  std::vector<node_id> result;
  for (size_t i = 0; i < n; ++i)
    result.emplace_back(std::string(1, static_cast<char>('a' + i)));
  return result;
}

node_set set_of(const std::vector<node_id>& voters, uint32_t mask) {
  node_set result;
  for (size_t i = 0; i < voters.size(); ++i)
    if (mask & (1u << i))
      result.insert(voters[i]);
  return result;
}

size_t size_of(uint32_t mask) {
  return static_cast<size_t>(std::popcount(mask));
}

// Brute force over all pairs of subsets: every election quorum meets every
// replication quorum and every other election quorum.
bool brute_force_safe(size_t n, size_t q1, size_t q2) {
  uint32_t all = 1u << n;
  for (uint32_t a = 0; a < all; ++a) {
    if (size_of(a) < q1)
      continue;
    for (uint32_t b = 0; b < all; ++b) {
      auto b_is_q1 = size_of(b) >= q1;
      auto b_is_q2 = size_of(b) >= q2;
      if ((b_is_q1 || b_is_q2) && (a & b) == 0)
        return false;
    }
  }
  return true;
}

// Brute force: the highest N such that the voters with match >= N form a
// replication quorum.
index_t brute_force_committed(const std::vector<node_id>& voters, size_t q2,
                              const std::map<node_id, index_t>& match) {
  uint64_t highest = 0;
  for (auto& [id, i] : match)
    highest = std::max(highest, i.value);
  for (auto n = highest;; --n) {
    size_t holders = 0;
    for (auto& v : voters) {
      auto i = match.find(v);
      auto m = i == match.end() ? 0 : i->second.value;
      if (m >= n)
        ++holders;
    }
    if (holders >= q2)
      return index_t{n};
    if (n == 0)
      return index_t{0};
  }
}

// The `{x,y}` sets named in a refusal message, in order of appearance.
std::vector<std::vector<std::string>> named_sets(const std::string& msg) {
  std::vector<std::vector<std::string>> result;
  size_t pos = 0;
  while ((pos = msg.find('{', pos)) != std::string::npos) {
    auto end = msg.find('}', pos);
    REQUIRE(end != std::string::npos);
    std::vector<std::string> names;
    std::string current;
    for (auto c : msg.substr(pos + 1, end - pos - 1)) {
      if (c == ',') {
        names.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    if (!current.empty())
      names.push_back(current);
    result.push_back(names);
    pos = end + 1;
  }
  return result;
}

// Checks that a refusal names two disjoint quorums of the kinds it states.
void check_refusal_names_disjoint_quorums(const std::vector<node_id>& voters,
                                          size_t q1, size_t q2,
                                          const std::string& msg) {
  INFO(msg);
  auto sets = named_sets(msg);
  REQUIRE(sets.size() == 2);
  auto two_election = msg.find("election quorums {") != std::string::npos;
  auto mixed = msg.find("election quorum {") != std::string::npos
               && msg.find("replication quorum {") != std::string::npos;
  REQUIRE(two_election != mixed);
  node_set first;
  node_set second;
  for (auto& x : sets[0])
    first.insert(node_id{x});
  for (auto& x : sets[1])
    second.insert(node_id{x});
  // Every named node is a voter and named once.
  for (auto* s : {&first, &second})
    for (auto& x : *s)
      CHECK(std::binary_search(voters.begin(), voters.end(), x));
  CHECK(first.size() == sets[0].size());
  CHECK(second.size() == sets[1].size());
  CHECK(first.size() >= q1);
  CHECK(second.size() >= (two_election ? q1 : q2));
  for (auto& x : first)
    CHECK(second.count(x) == 0);
}

} // namespace

TEST_CASE("majority of three needs two", "[quorum]") {
  auto q = quorum_system::majority(voters_of(3));
  CHECK(q.type() == quorum_system::kind::majority);
  CHECK(q.election_quorum() == 2);
  CHECK(q.replication_quorum() == 2);
  CHECK(q.is_election_quorum({node_id{"a"}, node_id{"b"}}));
  CHECK(q.is_replication_quorum({node_id{"b"}, node_id{"c"}}));
  CHECK_FALSE(q.is_election_quorum({node_id{"a"}}));
  CHECK_FALSE(q.is_replication_quorum({node_id{"c"}}));
}

TEST_CASE("majority size is more than half for every cluster size",
          "[quorum]") {
  for (size_t n = 1; n <= 7; ++n) {
    auto voters = voters_of(n);
    auto q = quorum_system::majority(voters);
    CHECK(q.election_quorum() == n / 2 + 1);
    CHECK(q.replication_quorum() == n / 2 + 1);
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      auto xs = set_of(voters, mask);
      auto expected = 2 * size_of(mask) > n;
      CHECK(q.is_election_quorum(xs) == expected);
      CHECK(q.is_replication_quorum(xs) == expected);
    }
  }
}

TEST_CASE("duplicate voter names are counted once", "[quorum]") {
  auto a = node_id{"a"};
  auto b = node_id{"b"};
  auto c = node_id{"c"};
  auto q = quorum_system::majority({c, a, b, a, c});
  CHECK(q.voters() == std::vector<node_id>{a, b, c});
  CHECK(q.election_quorum() == 2);
  auto k = quorum_system::counting({b, b, a, c, a}, 2, 2);
  CHECK(k.voters() == std::vector<node_id>{a, b, c});
  // With duplicates counted, n would be 5 and 2 + 2 <= 5 would be unsafe; with
  // three distinct voters the system is safe.
  CHECK_FALSE(quorum_system::check_counting({a, a, b, b, c}, 2, 2));
}

TEST_CASE("empty voter list is refused", "[quorum]") {
  CHECK_THROWS_AS(quorum_system::majority({}), config_error);
  CHECK_THROWS_AS(quorum_system::counting({}, 1, 1), config_error);
  CHECK(quorum_system::check_counting({}, 1, 1).has_value());
}

TEST_CASE("counting quorum sizes out of range are refused with the option name",
          "[quorum]") {
  auto voters = voters_of(3);
  for (size_t q1 : {size_t{0}, size_t{4}}) {
    auto err = quorum_system::check_counting(voters, q1, 2);
    REQUIRE(err);
    CHECK_THAT(*err, Catch::Contains("election_quorum"));
    CHECK_THROWS_AS(quorum_system::counting(voters, q1, 2), config_error);
  }
  for (size_t q2 : {size_t{0}, size_t{4}}) {
    auto err = quorum_system::check_counting(voters, 2, q2);
    REQUIRE(err);
    CHECK_THAT(*err, Catch::Contains("replication_quorum"));
    CHECK_THROWS_AS(quorum_system::counting(voters, 2, q2), config_error);
  }
}

TEST_CASE("check_counting accepts exactly the brute-force safe systems",
          "[quorum]") {
  for (size_t n = 1; n <= 7; ++n) {
    auto voters = voters_of(n);
    for (size_t q1 = 1; q1 <= n; ++q1) {
      for (size_t q2 = 1; q2 <= n; ++q2) {
        INFO("n=" << n << " election=" << q1 << " replication=" << q2);
        auto err = quorum_system::check_counting(voters, q1, q2);
        CHECK(!err.has_value() == brute_force_safe(n, q1, q2));
        if (err) {
          check_refusal_names_disjoint_quorums(voters, q1, q2, *err);
          CHECK_THROWS_AS(quorum_system::counting(voters, q1, q2),
                          config_error);
        } else {
          CHECK_NOTHROW(quorum_system::counting(voters, q1, q2));
        }
      }
    }
  }
}

TEST_CASE("two disjoint election quorums are refused", "[quorum]") {
  // The example: any two voters elect, so {a,b} and {d,e} could elect
  // two leaders in one term although 2 + 4 > 5.
  auto voters = voters_of(5);
  auto err = quorum_system::check_counting(voters, 2, 4);
  REQUIRE(err);
  CHECK_THAT(*err, Catch::Contains("election quorums {"));
  check_refusal_names_disjoint_quorums(voters, 2, 4, *err);
  try {
    quorum_system::counting(voters, 2, 4);
    FAIL("counting(n=5, election=2, replication=4) was accepted");
  } catch (const config_error& e) {
    CHECK(std::string{e.what()} == *err);
  }
}

TEST_CASE("accepted counting systems classify every subset like brute force",
          "[quorum]") {
  // Non-voters are mixed into every set and must never count.
  std::vector<node_id> outsiders{node_id{"x"}, node_id{"y"}, node_id{"z"}};
  for (size_t n = 1; n <= 7; ++n) {
    auto voters = voters_of(n);
    for (size_t q1 = 1; q1 <= n; ++q1) {
      for (size_t q2 = 1; q2 <= n; ++q2) {
        if (!brute_force_safe(n, q1, q2))
          continue;
        auto q = quorum_system::counting(voters, q1, q2);
        INFO(q.to_string());
        for (auto& x : outsiders)
          CHECK_FALSE(q.is_voter(x));
        for (uint32_t mask = 0; mask < (1u << n); ++mask) {
          auto xs = set_of(voters, mask);
          auto with_outsiders = xs;
          with_outsiders.insert(outsiders.begin(),
                                outsiders.begin() + (mask % 4));
          auto size = size_of(mask);
          CHECK(q.is_election_quorum(xs) == (size >= q1));
          CHECK(q.is_replication_quorum(xs) == (size >= q2));
          CHECK(q.is_election_quorum(with_outsiders) == (size >= q1));
          CHECK(q.is_replication_quorum(with_outsiders) == (size >= q2));
        }
      }
    }
  }
}

TEST_CASE("non-voters alone never form a quorum", "[quorum]") {
  auto q = quorum_system::majority(voters_of(3));
  CHECK_FALSE(q.is_election_quorum({node_id{"x"}, node_id{"y"}}));
  CHECK_FALSE(q.is_replication_quorum({node_id{"x"}, node_id{"y"}}));
  CHECK(q.is_voter(node_id{"b"}));
  CHECK_FALSE(q.is_voter(node_id{"x"}));
}

TEST_CASE("committed index matches brute force on random match maps",
          "[quorum]") {
  std::mt19937_64 rng{20240601};
  std::uniform_int_distribution<uint64_t> index_dist{0, 12};
  std::uniform_int_distribution<int> coin{0, 3};
  for (size_t n = 1; n <= 7; ++n) {
    auto voters = voters_of(n);
    std::vector<quorum_system> systems{quorum_system::majority(voters)};
    for (size_t q1 = 1; q1 <= n; ++q1)
      for (size_t q2 = 1; q2 <= n; ++q2)
        if (brute_force_safe(n, q1, q2))
          systems.push_back(quorum_system::counting(voters, q1, q2));
    for (auto& q : systems) {
      for (int round = 0; round < 200; ++round) {
        std::map<node_id, index_t> match;
        // A quarter of the voters are missing from the map (count as 0).
        for (auto& v : voters)
          if (coin(rng) != 0)
            match[v] = index_t{index_dist(rng)};
        // Non-voters far ahead must not count.
        if (coin(rng) == 0)
          match[node_id{"x"}] = index_t{100};
        INFO(q.to_string() << " round " << round);
        CHECK(q.committed_index(match)
              == brute_force_committed(voters, q.replication_quorum(), match));
      }
    }
  }
}

TEST_CASE("committed index of an empty match map is zero", "[quorum]") {
  auto q = quorum_system::majority(voters_of(3));
  CHECK(q.committed_index({}) == index_t{0});
}

TEST_CASE("committed index with counting quorums needs only the replication "
          "quorum",
          "[quorum]") {
  auto voters = voters_of(4);
  auto q = quorum_system::counting(voters, 3, 2);
  std::map<node_id, index_t> match{{voters[0], index_t{9}},
                                   {voters[1], index_t{7}},
                                   {voters[2], index_t{3}}};
  CHECK(q.committed_index(match) == index_t{7});
  CHECK(quorum_system::majority(voters).committed_index(match) == index_t{3});
}

TEST_CASE("quorum systems render as their kind and sizes", "[quorum]") {
  CHECK(quorum_system::majority(voters_of(3)).to_string() == "majority(3)");
  CHECK(quorum_system::majority({node_id{"a"}, node_id{"a"}}).to_string()
        == "majority(1)");
  CHECK(quorum_system::counting(voters_of(4), 3, 2).to_string()
        == "counting(n=4, election=3, replication=2)");
}

TEST_CASE("quorum systems compare by kind, voters and sizes", "[quorum]") {
  auto voters = voters_of(3);
  CHECK(quorum_system::majority(voters) == quorum_system::majority(voters));
  CHECK_FALSE(quorum_system::majority(voters)
              == quorum_system::counting(voters, 2, 2));
  CHECK_FALSE(quorum_system::counting(voters, 2, 2)
              == quorum_system::counting(voters, 3, 1));
  CHECK_FALSE(quorum_system::majority(voters)
              == quorum_system::majority(voters_of(4)));
}
