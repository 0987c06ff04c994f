// Every kind of quorum system against brute force over clusters of up to nine
// voters: each kind is defined again here, directly over bit masks of voters
// and independently of protocol/quorum_kinds.cpp, and for many parameter
// choices the test enumerates every subset and every pair of subsets:
// - is_election_quorum / is_replication_quorum agree with the definition;
// - committed_index agrees with "the highest N whose holders are a
//   replication quorum" over random match maps;
// - election_quorum() / replication_quorum() are the smallest quorum sizes;
// - the validator's verdict, for shared and for owned terms, agrees with
//   pairwise intersection of all quorums, and when it refuses, the two sets
//   it names really are disjoint quorums;
// - tolerated_losses agrees with its definition.

#include "protocol/quorum.hpp"

#include <catch2/catch.hpp>

#include "tests/protocol/quorum_models.hpp"

#include <algorithm>
#include <bit>
#include <functional>
#include <map>
#include <numeric>
#include <random>

using namespace flexsync;
using namespace flexsync::quorum_models;

namespace {

/// The node_set of each mask, for each n (built once).
const std::vector<node_set>& sets_of(size_t n) {
  static std::map<size_t, std::vector<node_set>> cache;
  auto& out = cache[n];
  if (out.empty()) {
    auto voters = voters_of(n);
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      node_set xs;
      for (size_t i = 0; i < n; ++i)
        if (mask & (1u << i))
          xs.insert(voters[i]);
      out.push_back(std::move(xs));
    }
  }
  return out;
}

// -- brute force -------------------------------------------------------------

/// Whether some set of `a` and some set of `b` (masks over n voters) are
/// disjoint.
bool disjoint_pair(const std::vector<char>& a, const std::vector<char>& b,
                   size_t n) {
  uint32_t all = (1u << n) - 1;
  for (uint32_t x = 0; x <= all; ++x) {
    if (!a[x])
      continue;
    auto rest = all & ~x;
    // Every subset of the complement, the empty one included.
    for (uint32_t y = rest;; y = (y - 1) & rest) {
      if (b[y])
        return true;
      if (y == 0)
        break;
    }
  }
  return false;
}

/// The `{x,y}` sets named in a refusal, as masks over voters a, b, ...
std::vector<uint32_t> named_sets(const std::string& msg) {
  std::vector<uint32_t> out;
  for (size_t pos = 0; (pos = msg.find('{', pos)) != std::string::npos;) {
    auto end = msg.find('}', pos);
    REQUIRE(end != std::string::npos);
    uint32_t mask = 0;
    for (auto c : msg.substr(pos + 1, end - pos - 1))
      if (c != ',')
        mask |= 1u << (c - 'a');
    out.push_back(mask);
    pos = end + 1;
  }
  return out;
}

uint64_t brute_committed(const std::vector<uint64_t>& match,
                         const std::vector<char>& replication) {
  auto candidates = match;
  candidates.push_back(0);
  std::sort(candidates.begin(), candidates.end(), std::greater<>{});
  for (auto x : candidates) {
    uint32_t holders = 0;
    for (size_t i = 0; i < match.size(); ++i)
      if (match[i] >= x)
        holders |= 1u << i;
    if (replication[holders])
      return x;
  }
  return 0;
}

struct tally {
  size_t safe = 0;
  size_t unsafe = 0;
  size_t invalid = 0;
};

/// The validator against brute force for one term mode; counts verdicts.
void check_verdict(const model& m, const std::vector<char>& q1,
                   const std::vector<char>& q2, term_mode terms,
                   tally& counts) {
  auto voters = voters_of(m.n);
  auto err = quorum_system::check(voters, m.spec, terms);
  auto shared = terms == term_mode::shared;
  auto unsafe =
      disjoint_pair(q1, q2, m.n) || (shared && disjoint_pair(q1, q1, m.n));
  INFO(m.name << (shared ? " shared" : " owned")
              << " terms: " << err.value_or("accepted"));
  if (err && err->find("unsafe") == std::string::npos) {
    // Refused as invalid: only zones with too few voters are generated so.
    ++counts.invalid;
    CHECK(m.spec.kind == quorum_kind::zones);
    CHECK(err->find("fewer than fn+1") != std::string::npos);
    return;
  }
  ++(unsafe ? counts.unsafe : counts.safe);
  REQUIRE(err.has_value() == unsafe);
  if (!err)
    return;
  auto named = named_sets(*err);
  REQUIRE(named.size() == 2);
  auto second_replicates =
      err->find("replication quorum {") != std::string::npos;
  CHECK((shared || second_replicates));
  CHECK(q1[named[0]]);
  CHECK((second_replicates ? q2[named[1]] : q1[named[1]]));
  CHECK((named[0] & named[1]) == 0);
}

/// The built system against the definition (owned terms, so that systems
/// only safe with owned terms are checked too).
void check_system(const model& m, const std::vector<char>& q1,
                  const std::vector<char>& q2, std::mt19937_64& rng) {
  auto voters = voters_of(m.n);
  auto q = quorum_system::make(voters, m.spec, term_mode::owned);
  INFO(q.to_string());
  auto& sets = sets_of(m.n);
  size_t min1 = m.n;
  size_t min2 = m.n;
  for (uint32_t mask = 0; mask < sets.size(); ++mask) {
    auto xs = sets[mask];
    if (mask % 3 == 0)
      xs.insert(node_id{"x"}); // an outsider never counts
    if (q.is_election_quorum(xs) != bool(q1[mask]) ||
        q.is_replication_quorum(xs) != bool(q2[mask]))
      FAIL("subset " << mask << " classified wrongly");
    if (q1[mask])
      min1 = std::min(min1, popcount(mask));
    if (q2[mask])
      min2 = std::min(min2, popcount(mask));
  }
  CHECK(q.election_quorum() == min1);
  CHECK(q.replication_quorum() == min2);
  std::uniform_int_distribution<uint64_t> index{0, 9};
  for (int round = 0; round < 20; ++round) {
    std::vector<uint64_t> match(m.n);
    std::map<node_id, index_t> map{{node_id{"x"}, index_t{99}}};
    for (size_t i = 0; i < m.n; ++i) {
      match[i] = round % 4 == 0 && i % 2 ? 0 : index(rng);
      if (match[i] > 0 || round % 2)
        map[voters[i]] = index_t{match[i]};
    }
    if (q.committed_index(map).value != brute_committed(match, q2))
      FAIL("committed index differs in round " << round);
  }
}

/// tolerated_losses: the smallest lost set that is a quorum, or whose
/// complement is not one of both kinds, less one.
size_t brute_losses(size_t n, const std::vector<char>& q1,
                    const std::vector<char>& q2) {
  uint32_t all = (1u << n) - 1;
  auto smallest = n;
  for (uint32_t lost = 0; lost <= all; ++lost) {
    auto rest = all & ~lost;
    if (q1[lost] || q2[lost] || !q1[rest] || !q2[rest])
      smallest = std::min(smallest, popcount(lost));
  }
  return smallest - 1;
}

void check_models(const std::vector<model>& models, std::mt19937_64& rng) {
  tally shared;
  tally owned;
  for (auto& m : models) {
    std::vector<char> q1(1u << m.n);
    std::vector<char> q2(1u << m.n);
    for (uint32_t mask = 0; mask < q1.size(); ++mask) {
      q1[mask] = m.election(mask);
      q2[mask] = m.replication(mask);
    }
    check_verdict(m, q1, q2, term_mode::shared, shared);
    check_verdict(m, q1, q2, term_mode::owned, owned);
    if (quorum_system::check(voters_of(m.n), m.spec, term_mode::owned))
      continue;
    INFO(m.name);
    check_system(m, q1, q2, rng);
    if (!quorum_system::check(voters_of(m.n), m.spec))
      CHECK(tolerated_losses(quorum_system::make(voters_of(m.n), m.spec)) ==
            brute_losses(m.n, q1, q2));
  }
  // Both verdicts occur, in both modes: the comparison can fail.
  INFO(models.front().name << ": " << shared.safe << " safe, " << shared.unsafe
                           << " unsafe with shared terms; " << owned.safe
                           << " safe, " << owned.unsafe
                           << " unsafe with owned terms");
  CHECK(shared.safe > 0);
  CHECK(shared.unsafe > 0);
  CHECK(owned.safe > 0);
  CHECK(shared.unsafe > owned.unsafe);
}

} // namespace

TEST_CASE("majority and counting systems agree with brute force",
          "[quorum][brute]") {
  std::mt19937_64 rng{12};
  auto models = counting_models();
  check_models(models, rng);
  // Owned terms only need election + replication > n.
  CHECK_FALSE(
      quorum_system::check_counting(voters_of(5), 2, 4, term_mode::owned));
}

TEST_CASE("grid systems agree with brute force", "[quorum][brute]") {
  std::mt19937_64 rng{13};
  check_models(grid_models(rng), rng);
}

TEST_CASE("weighted systems agree with brute force", "[quorum][brute]") {
  std::mt19937_64 rng{14};
  check_models(weighted_models(rng), rng);
}

TEST_CASE("zones systems agree with brute force", "[quorum][brute]") {
  std::mt19937_64 rng{15};
  check_models(zones_models(rng), rng);
}

TEST_CASE("joint systems of any two kinds agree with brute force",
          "[quorum][brute]") {
  // C_new over a..f, C_old over c..h: a quorum of the joint system is one of
  // each part, and an index is committed once both parts committed it.
  std::mt19937_64 rng{16};
  auto now = voters_of(6);
  auto all = voters_of(8);
  auto old_voters = std::vector<node_id>(all.begin() + 2, all.end());
  std::vector<quorum_spec> now_specs{quorum_spec::zones(1, 0,
                                                        {{now[0], "x"},
                                                         {now[1], "x"},
                                                         {now[2], "y"},
                                                         {now[3], "y"},
                                                         {now[4], "z"},
                                                         {now[5], "z"}}),
                                     quorum_spec::weighted(5, 4,
                                                           {{now[0], 3},
                                                            {now[1], 1},
                                                            {now[2], 1},
                                                            {now[3], 1},
                                                            {now[4], 1},
                                                            {now[5], 1}}),
                                     quorum_spec::counting(4, 3)};
  auto old_spec = quorum_spec::weighted(5, 4,
                                        {{old_voters[0], 2},
                                         {old_voters[1], 2},
                                         {old_voters[2], 1},
                                         {old_voters[3], 1},
                                         {old_voters[4], 1},
                                         {old_voters[5], 1}});
  auto old = quorum_system::make(old_voters, old_spec);
  auto& sets = sets_of(8);
  for (auto& spec : now_specs) {
    auto part = quorum_system::make(now, spec);
    auto q = quorum_system::joint(part, old);
    INFO(q.to_string());
    CHECK(q.voters() == all);
    for (auto& xs : sets) {
      CHECK(q.is_election_quorum(xs) ==
            (part.is_election_quorum(xs) && old.is_election_quorum(xs)));
      CHECK(q.is_replication_quorum(xs) ==
            (part.is_replication_quorum(xs) && old.is_replication_quorum(xs)));
    }
    std::uniform_int_distribution<uint64_t> index{0, 9};
    for (int round = 0; round < 50; ++round) {
      std::map<node_id, index_t> match;
      std::vector<char> q2(sets.size());
      std::vector<uint64_t> m(8);
      for (size_t i = 0; i < 8; ++i)
        match[all[i]] = index_t{m[i] = index(rng)};
      for (uint32_t mask = 0; mask < sets.size(); ++mask)
        q2[mask] = part.is_replication_quorum(sets[mask]) &&
                   old.is_replication_quorum(sets[mask]);
      CHECK(q.committed_index(match).value == brute_committed(m, q2));
    }
  }
}
