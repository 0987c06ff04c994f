#include "protocol/commit_rule.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

const node_id s1{"s1"};
const node_id s2{"s2"};
const node_id s3{"s3"};
const node_id s4{"s4"};
const node_id s5{"s5"};

std::vector<node_id> five() {
  return {s1, s2, s3, s4, s5};
}

// Match indexes of s1, s2, ... in order.
std::map<node_id, index_t> acks(std::vector<uint64_t> xs) {
  std::vector<node_id> ids{s1, s2, s3, s4, s5};
  std::map<node_id, index_t> result;
  for (size_t i = 0; i < xs.size(); ++i)
    result[ids[i]] = index_t{xs[i]};
  return result;
}

index_t advance(const quorum_system& q, std::vector<uint64_t> match,
                uint64_t first_index_of_term, uint64_t commit_index) {
  return advance_commit(q, acks(std::move(match)),
                        index_t{first_index_of_term}, index_t{commit_index});
}

} // namespace

TEST_CASE("entry of the current term on a majority is committed",
          "[commit_rule]") {
  auto q = quorum_system::majority(five());
  // The leader's term starts at index 3; s1..s3 hold up to 4.
  CHECK(advance(q, {4, 4, 4, 2, 0}, 3, 2) == index_t{4});
}

TEST_CASE("entry on a minority is not committed", "[commit_rule]") {
  auto q = quorum_system::majority(five());
  CHECK(advance(q, {4, 4, 2, 2, 0}, 3, 2) == index_t{2});
}

TEST_CASE("figure 8: old-term entry on a quorum is not committed",
          "[commit_rule]") {
  // Raft paper Figure 8 (c): S1 leads term 4 with log [1:1, 2:2, 3:4]. It
  // has replicated the term-2 entry at index 2 to S1, S2 and S3, a majority,
  // but its own term starts at index 3. Committing index 2 by counting
  // replicas would be unsafe: S5 (with a term-3 entry at index 2) could
  // still be elected and overwrite it (Figure 8 (d)).
  auto q = quorum_system::majority(five());
  CHECK(advance(q, {3, 2, 2, 1, 1}, 3, 1) == index_t{1});
  // Nor while the current-term entry is on a minority only.
  CHECK(advance(q, {3, 3, 2, 1, 1}, 3, 1) == index_t{1});
}

TEST_CASE("figure 8: current-term entry on a quorum commits the old entries "
          "with it",
          "[commit_rule]") {
  // Figure 8 (e): once index 3 (term 4) reaches S1, S2, S3, commit jumps
  // from 1 to 3, committing index 2 indirectly (§5.4.2).
  auto q = quorum_system::majority(five());
  CHECK(advance(q, {3, 3, 3, 1, 1}, 3, 1) == index_t{3});
}

TEST_CASE("commit lands on the quorum's highest index, not the term start",
          "[commit_rule]") {
  auto q = quorum_system::majority(five());
  CHECK(advance(q, {9, 8, 7, 3, 1}, 5, 2) == index_t{7});
}

TEST_CASE("leader commit index never decreases", "[commit_rule]") {
  auto q = quorum_system::majority(five());
  // Match indexes of a new leader start low; the commit index it learned as a
  // follower stays.
  CHECK(advance(q, {9, 0, 0, 0, 0}, 8, 6) == index_t{6});
  // Even if the quorum's index is of the current term but below the commit.
  CHECK(advance(q, {9, 7, 7, 0, 0}, 7, 8) == index_t{8});
  // Unchanged when the quorum's index equals it.
  CHECK(advance(q, {9, 8, 8, 0, 0}, 7, 8) == index_t{8});
}

TEST_CASE("voters missing from the match map count as zero", "[commit_rule]") {
  auto q = quorum_system::majority(five());
  std::map<node_id, index_t> match{{s1, index_t{5}}, {s2, index_t{5}}};
  CHECK(advance_commit(q, match, index_t{1}, index_t{0}) == index_t{0});
  match[s3] = index_t{4};
  CHECK(advance_commit(q, match, index_t{1}, index_t{0}) == index_t{4});
}

TEST_CASE("non-voter acknowledgements do not count towards commit",
          "[commit_rule]") {
  auto q = quorum_system::majority({s1, s2, s3});
  std::map<node_id, index_t> match{{s1, index_t{5}},
                                   {node_id{"learner"}, index_t{5}},
                                   {node_id{"other"}, index_t{5}}};
  CHECK(advance_commit(q, match, index_t{1}, index_t{0}) == index_t{0});
}

TEST_CASE("counting quorum commits with the replication quorum only",
          "[commit_rule]") {
  // n=4, election 3, replication 2: two acknowledgements commit.
  auto q = quorum_system::counting({s1, s2, s3, s4}, 3, 2);
  CHECK(advance(q, {6, 6, 0, 0}, 4, 3) == index_t{6});
  CHECK(advance(q, {6, 5, 0, 0}, 4, 3) == index_t{5});
  // One acknowledgement (the leader's own) is not enough.
  CHECK(advance(q, {6, 3, 0, 0}, 4, 3) == index_t{3});
}

TEST_CASE("counting quorum also refuses to commit old-term entries by "
          "counting",
          "[commit_rule]") {
  auto q = quorum_system::counting({s1, s2, s3, s4}, 3, 2);
  CHECK(advance(q, {6, 3, 3, 3}, 6, 2) == index_t{2});
  CHECK(advance(q, {6, 6, 3, 3}, 6, 2) == index_t{6});
}

TEST_CASE("single-node cluster commits its own entries", "[commit_rule]") {
  auto q = quorum_system::majority({s1});
  CHECK(advance(q, {4}, 3, 0) == index_t{4});
  CHECK(advance(q, {2}, 3, 0) == index_t{0});
}
