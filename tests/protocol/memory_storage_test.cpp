#include "protocol/memory_storage.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace flexsync;

namespace {

log_entry entry(uint64_t index, uint64_t term, std::string data = "") {
  log_entry e;
  e.index = index_t{index};
  e.term = term_t{term};
  e.kind = entry_kind::command;
  e.data = std::move(data);
  return e;
}

// A storage holding entries 1..terms.size() with the given terms and
// `payload` bytes of data each.
memory_storage with_terms(std::vector<uint64_t> terms, size_t payload = 10) {
  memory_storage s;
  entry_list xs;
  for (size_t i = 0; i < terms.size(); ++i)
    xs.push_back(entry(i + 1, terms[i], std::string(payload, 'x')));
  s.append(std::move(xs));
  return s;
}

entry_list read(const memory_storage& s, uint64_t from, uint64_t to,
                size_t max_bytes) {
  entry_list out;
  s.entries(index_t{from}, index_t{to}, max_bytes, out);
  return out;
}

} // namespace

TEST_CASE("new storage is empty", "[memory_storage]") {
  memory_storage s;
  CHECK(s.snapshot_index() == index_t{0});
  CHECK(s.last_index() == index_t{0});
  CHECK(s.last_term() == term_t{0});
  CHECK(s.term_at(index_t{0}) == term_t{0});
  CHECK(s.term_at(index_t{1}) == term_t{0});
  CHECK(s.current_term() == term_t{0});
  CHECK_FALSE(s.voted_for());
  CHECK(s.commit_index() == index_t{0});
  CHECK(s.entry_count() == 0);
  CHECK(s.byte_size() == 0);
}

TEST_CASE("appended entries are held with their terms", "[memory_storage]") {
  auto s = with_terms({1, 1, 2, 3});
  CHECK(s.last_index() == index_t{4});
  CHECK(s.last_term() == term_t{3});
  CHECK(s.term_at(index_t{1}) == term_t{1});
  CHECK(s.term_at(index_t{3}) == term_t{2});
  CHECK(s.term_at(index_t{5}) == term_t{0});
  CHECK(s.at(index_t{3}) == entry(3, 2, std::string(10, 'x')));
  CHECK(s.entry_count() == 4);
  CHECK(s.byte_size() == 40);
}

TEST_CASE("appends must be contiguous", "[memory_storage]") {
  auto s = with_terms({1, 1});
  CHECK_THROWS_AS(s.append({entry(4, 1)}), std::logic_error);
  CHECK_THROWS_AS(s.append({entry(2, 1)}), std::logic_error);
  CHECK(s.last_index() == index_t{2});
  CHECK(s.entry_count() == 2);
  s.append({entry(3, 2), entry(4, 2)});
  CHECK(s.last_index() == index_t{4});
}

TEST_CASE("append within a batch must be contiguous", "[memory_storage]") {
  memory_storage s;
  CHECK_THROWS_AS(s.append({entry(1, 1), entry(3, 1)}), std::logic_error);
}

TEST_CASE("empty append changes nothing", "[memory_storage]") {
  auto s = with_terms({1});
  s.append({});
  CHECK(s.last_index() == index_t{1});
}

TEST_CASE("entries are copied in order", "[memory_storage]") {
  auto s = with_terms({1, 1, 2, 2, 3});
  auto xs = read(s, 2, 4, 1 << 20);
  REQUIRE(xs.size() == 3);
  CHECK(xs[0].index == index_t{2});
  CHECK(xs[2].index == index_t{4});
  CHECK(xs[2].term == term_t{2});
}

TEST_CASE("entries are appended to the output", "[memory_storage]") {
  auto s = with_terms({1, 1, 2});
  entry_list out{entry(99, 9)};
  s.entries(index_t{1}, index_t{2}, 1 << 20, out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].index == index_t{99});
  CHECK(out[1].index == index_t{1});
}

TEST_CASE("entries stop after the entry that reaches max_bytes",
          "[memory_storage]") {
  // Each entry counts 10 payload bytes plus the fixed overhead.
  auto s = with_terms({1, 1, 1, 1, 1});
  auto per = s.at(index_t{1}).byte_size();
  REQUIRE(per == 10 + log_entry::overhead_bytes);
  CHECK(read(s, 1, 5, 2 * per).size() == 2); // reaches the limit with 2
  CHECK(read(s, 1, 5, 2 * per + 1).size() == 3); // the third passes it
  CHECK(read(s, 1, 5, 3 * per - 1).size() == 3);
  CHECK(read(s, 1, 5, 3 * per).size() == 3);
  CHECK(read(s, 1, 5, 3 * per + 1).size() == 4);
  CHECK(read(s, 1, 5, 1000).size() == 5);
}

TEST_CASE("entries return at least one entry", "[memory_storage]") {
  auto s = with_terms({1, 1, 1}, 1000);
  CHECK(read(s, 2, 3, 1).size() == 1);
  CHECK(read(s, 2, 3, 0).size() == 1);
}

TEST_CASE("truncating removes the suffix", "[memory_storage]") {
  auto s = with_terms({1, 1, 2, 2, 2});
  s.truncate_suffix(index_t{3});
  CHECK(s.last_index() == index_t{2});
  CHECK(s.last_term() == term_t{1});
  CHECK(s.term_at(index_t{3}) == term_t{0});
  CHECK(s.entry_count() == 2);
  CHECK(s.byte_size() == 20);
  // The log accepts new entries at the truncation point.
  s.append({entry(3, 4, "abc")});
  CHECK(s.last_term() == term_t{4});
  CHECK(s.byte_size() == 23);
}

TEST_CASE("truncating past the end changes nothing", "[memory_storage]") {
  auto s = with_terms({1, 1});
  s.truncate_suffix(index_t{3});
  s.truncate_suffix(index_t{9});
  CHECK(s.last_index() == index_t{2});
}

TEST_CASE("truncating the whole log is allowed when nothing is committed",
          "[memory_storage]") {
  auto s = with_terms({1, 1});
  s.truncate_suffix(index_t{1});
  CHECK(s.last_index() == index_t{0});
  CHECK(s.byte_size() == 0);
  CHECK_THROWS_AS(s.truncate_suffix(index_t{0}), std::logic_error);
}

TEST_CASE("truncating committed entries is refused", "[memory_storage]") {
  auto s = with_terms({1, 1, 2, 2});
  s.save_commit_index(index_t{2});
  CHECK_THROWS_AS(s.truncate_suffix(index_t{2}), std::logic_error);
  CHECK_THROWS_AS(s.truncate_suffix(index_t{1}), std::logic_error);
  CHECK(s.last_index() == index_t{4});
  s.truncate_suffix(index_t{3});
  CHECK(s.last_index() == index_t{2});
}

TEST_CASE("saved commit index never decreases", "[memory_storage]") {
  auto s = with_terms({1, 1, 1});
  s.save_commit_index(index_t{2});
  CHECK(s.commit_index() == index_t{2});
  s.save_commit_index(index_t{1});
  CHECK(s.commit_index() == index_t{2});
  s.save_commit_index(index_t{3});
  CHECK(s.commit_index() == index_t{3});
}

TEST_CASE("term and vote are saved together", "[memory_storage]") {
  memory_storage s;
  s.save_term_and_vote(term_t{3}, node_id{"a"});
  CHECK(s.current_term() == term_t{3});
  CHECK(s.voted_for() == node_id{"a"});
  s.save_term_and_vote(term_t{4}, std::nullopt);
  CHECK(s.current_term() == term_t{4});
  CHECK_FALSE(s.voted_for());
  s.save_term_and_vote(term_t{4}, node_id{"b"});
  CHECK(s.voted_for() == node_id{"b"});
}

TEST_CASE("current term never decreases", "[memory_storage]") {
  memory_storage s;
  s.save_term_and_vote(term_t{5}, node_id{"a"});
  CHECK_THROWS_AS(s.save_term_and_vote(term_t{4}, node_id{"b"}),
                  std::logic_error);
  CHECK(s.current_term() == term_t{5});
  CHECK(s.voted_for() == node_id{"a"});
}

TEST_CASE("storage works as a log_view", "[memory_storage]") {
  auto s = with_terms({1, 2, 2});
  const log_view& view = s;
  CHECK(view.last_index() == index_t{3});
  CHECK(view.last_term() == term_t{2});
  CHECK(view.term_at(index_t{1}) == term_t{1});
  CHECK(view.snapshot_index() == index_t{0});
}

TEST_CASE("a snapshot compacts the log at once and its entries are released "
          "by later appends", "[memory_storage]") {
  std::vector<uint64_t> terms(2000, 1);
  auto s = with_terms(terms, 10);
  s.save_commit_index(index_t{2000});
  s.install_snapshot(index_t{1500}, term_t{1}, 0);
  // The log reads as compacted right away...
  CHECK(s.snapshot_index() == index_t{1500});
  CHECK(s.last_index() == index_t{2000});
  CHECK(s.entry_count() == 500);
  CHECK(s.term_at(index_t{1500}) == term_t{1});
  CHECK(s.term_at(index_t{1499}) == term_t{0});
  CHECK(s.at(index_t{1501}).index == index_t{1501});
  CHECK(read(s, 1501, 2000, 1 << 20).size() == 500);
  // ... while most compacted entries are still held, and counted in bytes.
  auto held = s.unreleased();
  CHECK(held > 0);
  CHECK(held < 1500);
  CHECK(s.byte_size() == (500 + held) * 10);
  // Each append releases more than it adds, so they go.
  uint64_t next = 2001;
  for (int round = 0; round < 10 && s.unreleased() > 0; ++round)
    s.append({entry(next++, 1, std::string(10, 'y'))});
  CHECK(s.unreleased() == 0);
  CHECK(s.entry_count() == next - 1501);
  CHECK(s.byte_size() == s.entry_count() * 10);
  CHECK(s.at(index_t{1501}).index == index_t{1501});
  CHECK(s.at(index_t{next - 1}).data == "yyyyyyyyyy");
  // Truncating after compaction removes only uncompacted entries.
  s.truncate_suffix(index_t{next - 1});
  CHECK(s.last_index() == index_t{next - 2});
}

TEST_CASE("a snapshot beyond the log drops it, held entries included",
          "[memory_storage]") {
  auto s = with_terms(std::vector<uint64_t>(1000, 1), 10);
  s.save_commit_index(index_t{1000});
  s.install_snapshot(index_t{600}, term_t{1}, 0);
  s.install_snapshot(index_t{5000}, term_t{7}, 0);
  CHECK(s.snapshot_index() == index_t{5000});
  CHECK(s.last_index() == index_t{5000});
  CHECK(s.entry_count() == 0);
  CHECK(s.term_at(index_t{5000}) == term_t{7});
  s.append({entry(5001, 7, "abc")});
  CHECK(s.at(index_t{5001}).data == "abc");
  CHECK(s.last_term() == term_t{7});
  for (uint64_t i = 5002; s.unreleased() > 0 && i < 5010; ++i)
    s.append({entry(i, 7, "abc")});
  CHECK(s.unreleased() == 0);
  CHECK(s.byte_size() == s.entry_count() * 3);
}
