// Damaged journals: corruption followed by valid data refuses to start with
// a message naming the file and offset, a bad last record is cut and logged,
// a damaged meta file refuses to open.

#include <catch2/catch.hpp>

#include <memory>

#include "snapshot/disk/memory_disk.hpp"
#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

namespace {

/// Offset of the record of entry `index` in the segment starting at `first`,
/// for a log of generated_entries(first, ...).
uint64_t offset_of(uint64_t first, uint64_t index, uint64_t term = 1) {
  uint64_t offset = segment_header_bytes;
  for (auto i = first; i < index; ++i)
    offset += record_bytes(generated_entry(i, term));
  return offset;
}

/// Expects recovery to refuse with a message naming `file` and `offset`.
void require_refusal(const std::shared_ptr<disk>& d, const std::string& file,
                     uint64_t offset) {
  try {
    open_journal(d, {});
    FAIL("recover accepted a corrupt journal");
  } catch (const storage_error& e) {
    std::string what = e.what();
    INFO(what);
    CHECK_THAT(what, Catch::Contains(file));
    CHECK_THAT(what, Catch::Contains("offset " + std::to_string(offset)));
  }
}

} // namespace

TEST_CASE("a corrupt record in an earlier segment refuses to start, naming "
          "file and offset",
          "[storage][journal][corruption]") {
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.segment_bytes = 1500;
  {
    auto j = open_journal(d, o);
    j->append(generated_entries(1, 100));
    j->sync();
  }
  auto segs = segment_files(*d);
  REQUIRE(segs.size() >= 3);
  SECTION("a payload byte of the second record of the first segment") {
    auto at = offset_of(1, 2);
    flip_byte(*d, segs[0], at + 8 + 2);
    require_refusal(d, segs[0], at);
  }
  SECTION("the last record of a middle segment") {
    auto first = segment_first(segs[1]);
    auto next = segment_first(segs[2]);
    auto at = offset_of(first, next - 1);
    flip_byte(*d, segs[1], at + 5); // its CRC
    require_refusal(d, segs[1], at);
  }
  SECTION("the length of the last record of a middle segment") {
    auto first = segment_first(segs[1]);
    auto next = segment_first(segs[2]);
    auto at = offset_of(first, next - 1);
    flip_byte(*d, segs[1], at, 0x01);
    require_refusal(d, segs[1], at);
  }
  SECTION("a segment cut short in the middle of the journal") {
    auto bytes = d->read_all(segs[1]);
    overwrite_file(*d, segs[1], bytes.substr(0, bytes.size() - 3));
    auto first = segment_first(segs[1]);
    auto next = segment_first(segs[2]);
    require_refusal(d, segs[1], offset_of(first, next - 1));
  }
  SECTION("a bad segment header") {
    flip_byte(*d, segs[1], 2);
    CHECK_THROWS_WITH(open_journal(d, o), Catch::Contains(segs[1])
                                            && Catch::Contains("bad header"));
  }
}

TEST_CASE("a corrupt record followed by valid records in the last segment "
          "refuses to start",
          "[storage][journal][corruption]") {
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10));
    j->sync();
  }
  auto seg = segment_file(1);
  SECTION("a payload byte") {
    flip_byte(*d, seg, offset_of(1, 4) + 8 + 3);
    require_refusal(d, seg, offset_of(1, 4));
  }
  SECTION("the checksum") {
    flip_byte(*d, seg, offset_of(1, 9) + 4);
    require_refusal(d, seg, offset_of(1, 9));
  }
}

TEST_CASE("a corrupt length field in the middle of the last segment refuses "
          "to start",
          "[storage][journal][corruption]") {
  // The length of record 4 of 10 (all synced) is damaged. Whatever the
  // length now claims, records 5..10 are intact: this is corruption in the
  // middle, not a torn tail, and must not silently cut acknowledged entries.
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10));
    j->sync();
  }
  auto seg = segment_file(1);
  SECTION("a low bit") {
    flip_byte(*d, seg, offset_of(1, 4), 0x01);
  }
  SECTION("a high bit") {
    flip_byte(*d, seg, offset_of(1, 4) + 3, 0x80);
  }
  log_lines log;
  journal_options o;
  o.log = log.fn();
  try {
    auto j = open_journal(d, o);
    INFO(log.all());
    FAIL("recovered " << j->last_index() << " of 10 synced entries");
  } catch (const storage_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(seg));
    CHECK_THAT(e.what(),
               Catch::Contains("offset " + std::to_string(offset_of(1, 4))));
  }
}

TEST_CASE("two adjacent corrupt records followed by valid ones refuse to "
          "start",
          "[storage][journal][corruption]") {
  // A damaged sector can span records: 4 and 5 of 10 are bad, 6..10 good.
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10));
    j->sync();
  }
  auto seg = segment_file(1);
  flip_byte(*d, seg, offset_of(1, 4) + 4);
  flip_byte(*d, seg, offset_of(1, 5) + 4);
  log_lines log;
  journal_options o;
  o.log = log.fn();
  try {
    auto j = open_journal(d, o);
    INFO(log.all());
    FAIL("recovered " << j->last_index() << " of 10 synced entries");
  } catch (const storage_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(seg));
  }
}

TEST_CASE("a corrupt last record is cut off and logged",
          "[storage][journal][corruption]") {
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10));
    j->sync();
  }
  auto seg = segment_file(1);
  flip_byte(*d, seg, offset_of(1, 10) + 4);
  log_lines log;
  journal_options o;
  o.log = log.fn();
  auto j = open_journal(d, o);
  CHECK(all_entries(*j) == generated_entries(1, 9));
  CHECK(log.any_contains("cutting torn journal tail"));
  CHECK(log.any_contains(seg));
  CHECK(log.any_contains("offset " + std::to_string(offset_of(1, 10))));
}

TEST_CASE("a corrupt meta file refuses to open", "[storage][journal][corruption]") {
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->save_term_and_vote(term_t{4}, node_id{"n1"});
    j->append(generated_entries(1, 3));
    j->sync();
  }
  auto meta = d->read_all("meta");
  SECTION("a flipped byte in the term") {
    flip_byte(*d, "meta", 9);
    CHECK_THROWS_WITH(journal(d, {}), Catch::Contains("meta")
                                        && Catch::Contains("checksum"));
  }
  SECTION("a flipped byte in the vote") {
    flip_byte(*d, "meta", 21); // the 'n' of "n1"
    CHECK_THROWS_AS(journal(d, {}), storage_error);
  }
  SECTION("a flipped magic") {
    flip_byte(*d, "meta", 0);
    CHECK_THROWS_WITH(journal(d, {}), Catch::Contains("meta"));
  }
  SECTION("cut short") {
    for (size_t n : {size_t{0}, size_t{5}, size_t{12}, meta.size() - 1}) {
      INFO("kept " << n << " bytes");
      overwrite_file(*d, "meta", meta.substr(0, n));
      CHECK_THROWS_AS(journal(d, {}), storage_error);
    }
  }
}

TEST_CASE("a leftover temporary meta file from an interrupted write is "
          "ignored",
          "[storage][journal][crash]") {
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->save_term_and_vote(term_t{1}, node_id{"a"});
  }
  auto garbage = std::string(50, '\x17');
  d->open("meta.tmp", true)->append(garbage.data(), garbage.size());
  auto j = open_journal(d, {});
  CHECK(j->current_term() == term_t{1});
  j->save_term_and_vote(term_t{2}, node_id{"b"});
  j.reset();
  std::mt19937_64 rng{15};
  d->crash(rng, true);
  j = open_journal(d, {});
  CHECK(j->current_term() == term_t{2});
  CHECK(j->voted_for() == std::optional<node_id>{node_id{"b"}});
}
