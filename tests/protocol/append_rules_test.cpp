#include "protocol/append_rules.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace flexsync;

namespace {

const node_id self{"f"};
const node_id leader{"l"};

// A log given by the terms of its entries after a snapshot boundary.
class vector_log : public log_view {
public:
  explicit vector_log(std::vector<uint64_t> terms, uint64_t snapshot_index = 0,
                      uint64_t snapshot_term = 0)
    : terms_(std::move(terms)),
      snapshot_index_(snapshot_index),
      snapshot_term_(snapshot_term) {
    // nop
  }

  index_t snapshot_index() const override { return index_t{snapshot_index_}; }

  index_t last_index() const override {
    return index_t{snapshot_index_ + terms_.size()};
  }

  term_t term_at(index_t i) const override {
    if (i.value == snapshot_index_)
      return term_t{snapshot_term_};
    if (i.value < snapshot_index_ || i > last_index())
      return term_t{0};
    return term_t{terms_[i.value - snapshot_index_ - 1]};
  }

private:
  std::vector<uint64_t> terms_;
  uint64_t snapshot_index_;
  uint64_t snapshot_term_;
};

// An append in `term` after (prev_index, prev_term) carrying entries with the
// given terms at prev_index + 1, ...
append_entries append(uint64_t term, uint64_t prev_index, uint64_t prev_term,
                      std::vector<uint64_t> entry_terms,
                      uint64_t leader_commit = 0) {
  append_entries req;
  req.term = term_t{term};
  req.leader = leader;
  req.prev_log_index = index_t{prev_index};
  req.prev_log_term = term_t{prev_term};
  for (size_t k = 0; k < entry_terms.size(); ++k) {
    log_entry e;
    e.index = index_t{prev_index + k + 1};
    e.term = term_t{entry_terms[k]};
    e.kind = entry_kind::command;
    req.entries.push_back(e);
  }
  req.leader_commit = index_t{leader_commit};
  return req;
}

append_decision decide(uint64_t current_term, const vector_log& log,
                       uint64_t commit_index, const append_entries& req) {
  return decide_append(self, term_t{current_term}, log, index_t{commit_index},
                       req);
}

// Checks a failed append: nothing to truncate or append, commit unchanged.
void check_rejected(const append_decision& d, const append_entries& req,
                    uint64_t commit_index) {
  CHECK_FALSE(d.reply.success);
  CHECK(d.first_new == req.entries.size());
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.commit_index == index_t{commit_index});
  CHECK(d.reply.follower == self);
  CHECK(d.reply.index == req.prev_log_index);
}

} // namespace

// -- term check (§5.1) --------------------------------------------------------

TEST_CASE("append with stale term is rejected", "[append_rules]") {
  vector_log log{{1, 1, 2}};
  auto req = append(1, 3, 2, {3, 3}, 5);
  auto d = decide(2, log, 1, req);
  check_rejected(d, req, 1);
  CHECK(d.term == term_t{2});
  CHECK(d.reply.term == term_t{2});
  CHECK_FALSE(d.term_changed);
  CHECK_FALSE(d.from_current_leader);
  CHECK(d.reply.last_log_index == index_t{3});
}

TEST_CASE("append with a newer term adopts it", "[append_rules]") {
  vector_log log{{1, 1}};
  auto d = decide(1, log, 0, append(3, 2, 1, {3}));
  CHECK(d.term == term_t{3});
  CHECK(d.term_changed);
  CHECK(d.from_current_leader);
  CHECK(d.reply.term == term_t{3});
  CHECK(d.reply.success);
}

TEST_CASE("append in the current term does not change the term",
          "[append_rules]") {
  vector_log log{{1, 1}};
  auto d = decide(3, log, 0, append(3, 2, 1, {3}));
  CHECK(d.term == term_t{3});
  CHECK_FALSE(d.term_changed);
  CHECK(d.from_current_leader);
}

TEST_CASE("rejected append with a newer term still adopts it",
          "[append_rules]") {
  vector_log log{{1}};
  auto req = append(4, 5, 3, {4});
  auto d = decide(2, log, 0, req);
  check_rejected(d, req, 0);
  CHECK(d.term == term_t{4});
  CHECK(d.term_changed);
  CHECK(d.from_current_leader);
  CHECK(d.reply.term == term_t{4});
}

// -- log matching (§5.3) ------------------------------------------------------

TEST_CASE("append after the end of the log asks for last + 1",
          "[append_rules]") {
  vector_log log{{1, 1, 2}};
  auto req = append(3, 7, 3, {3, 3}, 6);
  auto d = decide(3, log, 2, req);
  check_rejected(d, req, 2);
  CHECK(d.reply.hint == index_t{4});
  CHECK(d.reply.last_log_index == index_t{3});
}

TEST_CASE("term mismatch at prev hints the first index of the conflicting term",
          "[append_rules]") {
  // Follower: 1 1 2 2 2 2; the leader's entry 6 has term 3.
  vector_log log{{1, 1, 2, 2, 2, 2}};
  auto req = append(4, 6, 3, {4});
  auto d = decide(4, log, 1, req);
  check_rejected(d, req, 1);
  // Skips the whole of term 2 in one round trip.
  CHECK(d.reply.hint == index_t{3});
  CHECK(d.reply.last_log_index == index_t{6});
}

TEST_CASE("conflict hint is the conflicting index when the previous entry "
          "has another term",
          "[append_rules]") {
  vector_log log{{1, 1, 2, 2, 5}};
  auto req = append(6, 5, 4, {6});
  auto d = decide(6, log, 0, req);
  check_rejected(d, req, 0);
  CHECK(d.reply.hint == index_t{5});
}

TEST_CASE("conflict hint never goes at or below the commit index",
          "[append_rules]") {
  // Entries 1..6 all have term 2 and 1..4 are committed: the hint stops at 5.
  vector_log log{{2, 2, 2, 2, 2, 2}};
  auto req = append(4, 6, 3, {4});
  auto d = decide(4, log, 4, req);
  check_rejected(d, req, 4);
  CHECK(d.reply.hint == index_t{5});
}

TEST_CASE("conflict hint reaches index 1 when the whole log has one term",
          "[append_rules]") {
  vector_log log{{2, 2, 2}};
  auto d = decide(4, log, 0, append(4, 3, 3, {4}));
  CHECK_FALSE(d.reply.success);
  CHECK(d.reply.hint == index_t{1});
}

TEST_CASE("append at the start of an empty log matches", "[append_rules]") {
  vector_log log{{}};
  auto req = append(1, 0, 0, {1, 1}, 1);
  auto d = decide(1, log, 0, req);
  CHECK(d.reply.success);
  CHECK(d.first_new == 0);
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.reply.index == index_t{2});
  CHECK(d.commit_index == index_t{1});
}

TEST_CASE("new entries after a matching prev are appended", "[append_rules]") {
  vector_log log{{1, 1}};
  auto req = append(2, 2, 1, {2, 2, 2});
  auto d = decide(2, log, 0, req);
  CHECK(d.reply.success);
  CHECK(d.first_new == 0);
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.reply.index == index_t{5});
}

// -- duplicates and conflicts -------------------------------------------------

TEST_CASE("duplicate append does not truncate matching entries",
          "[append_rules]") {
  // The follower already holds 1..5; a stale copy of an append of 3..4 must
  // not remove 5 (no_truncate_on_match).
  vector_log log{{1, 1, 2, 2, 2}};
  auto req = append(2, 2, 1, {2, 2}, 1);
  auto d = decide(2, log, 0, req);
  CHECK(d.reply.success);
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.first_new == 2);
  CHECK(d.reply.index == index_t{4});
  CHECK(d.commit_index == index_t{1});
}

TEST_CASE("append overlapping the end of the log appends only new entries",
          "[append_rules]") {
  vector_log log{{1, 1, 2, 2}};
  auto req = append(2, 2, 1, {2, 2, 2, 2});
  auto d = decide(2, log, 0, req);
  CHECK(d.reply.success);
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.first_new == 2); // entries 3 and 4 are held; 5 and 6 are new
  CHECK(d.reply.index == index_t{6});
}

TEST_CASE("conflicting entry truncates at the first differing index",
          "[append_rules]") {
  // Follower: 1 1 2 2 2; leader sends 3..5 with terms 2 3 3.
  vector_log log{{1, 1, 2, 2, 2}};
  auto req = append(3, 2, 1, {2, 3, 3});
  auto d = decide(3, log, 2, req);
  CHECK(d.reply.success);
  CHECK(d.truncate_from == index_t{4});
  CHECK(d.first_new == 1);
  CHECK(d.reply.index == index_t{5});
}

TEST_CASE("conflict right after prev truncates and appends everything",
          "[append_rules]") {
  vector_log log{{1, 2, 2}};
  auto req = append(3, 1, 1, {3});
  auto d = decide(3, log, 1, req);
  CHECK(d.reply.success);
  CHECK(d.truncate_from == index_t{2});
  CHECK(d.first_new == 0);
  CHECK(d.reply.index == index_t{2});
}

TEST_CASE("truncating a committed entry is a logic error", "[append_rules]") {
  vector_log log{{1, 1, 2, 2}};
  SECTION("conflict below the commit index") {
    CHECK_THROWS_AS(decide(3, log, 3, append(3, 1, 1, {3})),
                    std::logic_error);
  }
  SECTION("conflict exactly at the commit index") {
    CHECK_THROWS_AS(decide(3, log, 3, append(3, 2, 1, {3})),
                    std::logic_error);
  }
  SECTION("conflict just above the commit index is fine") {
    auto d = decide(3, log, 3, append(3, 3, 2, {3}));
    CHECK(d.truncate_from == index_t{4});
  }
}

// -- follower commit (§5.3) ---------------------------------------------------

TEST_CASE("follower commits up to the leader commit within the append",
          "[append_rules]") {
  vector_log log{{1, 1}};
  SECTION("leader commit inside the append") {
    auto d = decide(1, log, 0, append(1, 2, 1, {1, 1, 1}, 4));
    CHECK(d.commit_index == index_t{4});
  }
  SECTION("leader commit beyond the append is capped at its last entry") {
    auto d = decide(1, log, 0, append(1, 2, 1, {1, 1}, 9));
    CHECK(d.commit_index == index_t{4});
  }
}

TEST_CASE("follower commit never decreases", "[append_rules]") {
  vector_log log{{1, 1, 1, 1, 1, 1}};
  // A delayed append with a low leader commit and a short prefix.
  auto d = decide(1, log, 5, append(1, 1, 1, {1}, 2));
  CHECK(d.reply.success);
  CHECK(d.commit_index == index_t{5});
}

TEST_CASE("follower does not commit entries the append did not verify",
          "[append_rules]") {
  // The follower holds 1..5 but only 1..2 are proven equal to the leader's.
  vector_log log{{1, 1, 1, 1, 1}};
  auto d = decide(1, log, 0, append(1, 2, 1, {}, 5));
  CHECK(d.reply.success);
  CHECK(d.commit_index == index_t{2});
}

TEST_CASE("heartbeat-like empty append matches and commits", "[append_rules]") {
  vector_log log{{1, 2, 2}};
  auto req = append(2, 3, 2, {}, 3);
  auto d = decide(2, log, 1, req);
  CHECK(d.reply.success);
  CHECK(d.first_new == 0);
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.reply.index == index_t{3});
  CHECK(d.commit_index == index_t{3});
  CHECK(d.reply.term == term_t{2});
  CHECK(d.reply.follower == self);
}

TEST_CASE("empty append with a mismatching prev is rejected",
          "[append_rules]") {
  vector_log log{{1, 2, 2}};
  auto req = append(3, 3, 3, {}, 3);
  auto d = decide(3, log, 1, req);
  check_rejected(d, req, 1);
  CHECK(d.reply.hint == index_t{2});
}

// -- snapshots ----------------------------------------------------------------

TEST_CASE("append below the snapshot boundary skips compacted entries",
          "[append_rules]") {
  // Entries 1..4 are in a snapshot (last term 2); the log holds 5..6.
  vector_log log{{2, 3}, 4, 2};
  auto req = append(3, 2, 1, {1, 2, 2, 3, 3}, 7);
  auto d = decide(3, log, 4, req);
  CHECK(d.reply.success);
  CHECK(d.truncate_from == index_t{0});
  CHECK(d.first_new == 4); // entries 3..6 are held; 7 is new
  CHECK(d.reply.index == index_t{7});
  CHECK(d.commit_index == index_t{7});
}

TEST_CASE("append right after the snapshot compares the snapshot term",
          "[append_rules]") {
  vector_log log{{}, 4, 2};
  auto match = decide(3, log, 4, append(3, 4, 2, {3}));
  CHECK(match.reply.success);
  CHECK(match.first_new == 0);
  auto beyond = decide(3, log, 4, append(3, 6, 3, {3}));
  CHECK_FALSE(beyond.reply.success);
  CHECK(beyond.reply.hint == index_t{5});
}
