// The journal and snapshots: installing a snapshot keeps or drops the suffix,
// recover() starts after the snapshot the node restored (skipping covered
// entries, refusing gaps), and segments below a boundary are deleted.

#include <catch2/catch.hpp>

#include <memory>

#include "snapshot/disk/memory_disk.hpp"
#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

namespace {

journal_options small_segments(uint64_t bytes) {
  journal_options o;
  o.segment_bytes = bytes;
  return o;
}

} // namespace

TEST_CASE("install_snapshot with the log's term at the index keeps the suffix",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto o = small_segments(1500);
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 100, 3));
  j->sync();
  j->install_snapshot(index_t{60}, term_t{3}, 60'000);
  CHECK(j->snapshot_index() == index_t{60});
  CHECK(j->last_index() == index_t{100});
  CHECK(j->commit_index() == index_t{60});
  CHECK(all_entries(*j) == generated_entries(61, 100, 3));
  // Appends and truncation still find their records after the boundary.
  j->append(generated_entries(101, 110, 3));
  j->truncate_suffix(index_t{105});
  j->append(generated_entries(105, 107, 4));
  j->sync();
  j.reset();
  j = open_journal(d, o, index_t{60}, term_t{3}, 60'000);
  auto expected = generated_entries(61, 104, 3);
  auto tail = generated_entries(105, 107, 4);
  expected.insert(expected.end(), tail.begin(), tail.end());
  CHECK(all_entries(*j) == expected);
  CHECK(j->commit_index() == index_t{60});
  CHECK(j->term_at(index_t{60}) == term_t{3});
  // Installing at the very last index keeps an empty suffix.
  j->install_snapshot(index_t{107}, term_t{4}, 107'000);
  CHECK(j->last_index() == index_t{107});
  CHECK(j->entry_count() == 0);
  CHECK(j->last_time() == 107'000);
  j.reset();
  j = open_journal(d, o, index_t{107}, term_t{4}, 107'000);
  CHECK(j->entry_count() == 0);
  j->append(generated_entries(108, 109, 4));
  j->sync();
  j.reset();
  j = open_journal(d, o, index_t{107}, term_t{4}, 107'000);
  CHECK(all_entries(*j) == generated_entries(108, 109, 4));
}

TEST_CASE("install_snapshot with another term, or beyond the log, starts over",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto o = small_segments(1500);
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 50, 1));
  j->sync();
  SECTION("a different term at the index") {
    j->install_snapshot(index_t{30}, term_t{2}, 1);
    CHECK(j->snapshot_index() == index_t{30});
    CHECK(j->last_index() == index_t{30});
    CHECK(j->entry_count() == 0);
    CHECK(segment_files(*d) == std::vector<std::string>{segment_file(31)});
    j->append(generated_entries(31, 35, 2));
    j->sync();
    j.reset();
    j = open_journal(d, o, index_t{30}, term_t{2}, 1);
    CHECK(all_entries(*j) == generated_entries(31, 35, 2));
  }
  SECTION("an index beyond the last entry") {
    j->install_snapshot(index_t{80}, term_t{2}, 1);
    CHECK(j->last_index() == index_t{80});
    CHECK(segment_files(*d) == std::vector<std::string>{segment_file(81)});
    j->append(generated_entries(81, 82, 2));
    j->sync();
    j.reset();
    j = open_journal(d, o, index_t{80}, term_t{2}, 1);
    CHECK(all_entries(*j) == generated_entries(81, 82, 2));
    CHECK(j->commit_index() == index_t{80});
  }
  SECTION("an index at or below the boundary is ignored") {
    j->install_snapshot(index_t{10}, term_t{1}, 1);
    j->install_snapshot(index_t{10}, term_t{9}, 1);
    j->install_snapshot(index_t{5}, term_t{9}, 1);
    CHECK(j->snapshot_index() == index_t{10});
    CHECK(j->last_index() == index_t{50});
  }
}

TEST_CASE("recover skips entries a snapshot covers", "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto o = small_segments(800);
  {
    auto j = open_journal(d, o);
    j->append(generated_entries(1, 100));
    j->sync();
  }
  for (uint64_t snap : {0u, 1u, 37u, 99u, 100u}) {
    INFO("snapshot at " << snap);
    auto j = open_journal(d, o, index_t{snap}, term_t{snap ? 1u : 0u}, 5);
    CHECK(j->snapshot_index() == index_t{snap});
    CHECK(j->last_index() == index_t{100});
    CHECK(j->commit_index() >= index_t{snap});
    CHECK(all_entries(*j) == (snap == 100 ? entry_list{}
                                          : generated_entries(snap + 1, 100)));
  }
  // A snapshot newer than the whole journal: empty, continuing after it.
  auto j = open_journal(d, o, index_t{150}, term_t{2}, 5);
  CHECK(j->last_index() == index_t{150});
  CHECK(j->entry_count() == 0);
  CHECK(j->last_time() == 5);
  j->append(generated_entries(151, 160, 2));
  j->sync();
  j.reset();
  j = open_journal(d, o, index_t{150}, term_t{2}, 5);
  CHECK(all_entries(*j) == generated_entries(151, 160, 2));
}

TEST_CASE("recover refuses a journal that leaves a gap after the snapshot",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10));
    j->install_snapshot(index_t{20}, term_t{2}, 0); // starts over at 21
    j->append(generated_entries(21, 25, 2));
    j->sync();
  }
  // Restoring from an older snapshot (say the newest was corrupt) would
  // miss entries 11..20.
  auto seg = segment_file(21);
  for (uint64_t snap : {0u, 15u}) {
    INFO("snapshot at " << snap);
    try {
      open_journal(d, {}, index_t{snap}, term_t{1}, 0);
      FAIL("recover accepted a gap");
    } catch (const storage_error& e) {
      std::string what = e.what();
      CHECK_THAT(what, Catch::Contains(seg));
      CHECK_THAT(what, Catch::Contains("offset 32"));
      CHECK_THAT(what, Catch::Contains("expected " + std::to_string(snap + 1)));
    }
  }
  CHECK(open_journal(d, {}, index_t{20}, term_t{2}, 0)->last_index()
        == index_t{25});
}

TEST_CASE("recover does not keep entries that conflict with the snapshot's "
          "term",
          "[storage][journal]") {
  // A follower installs a leader's snapshot (index 8, term 2) and crashes
  // before the journal learns of it: the journal still holds 1..10 of
  // term 1. The journal does not continue that snapshot (§7), so recover
  // must either refuse (journal.hpp: "throws ... when the journal does not
  // continue the snapshot") or drop entries 9 and 10; keeping them gives a
  // log whose terms go down (8: term 2, 9: term 1).
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10, 1));
    j->sync();
  }
  std::unique_ptr<journal> j;
  try {
    j = open_journal(d, {}, index_t{8}, term_t{2}, 0);
  } catch (const storage_error&) {
    SUCCEED("refused");
    return;
  }
  INFO("recovered last index " << j->last_index() << ", term at 9 "
                               << j->term_at(index_t{9}));
  CHECK(j->last_index() == index_t{8});
}

TEST_CASE("drop_segments_through deletes only whole segments up to the index",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto o = small_segments(1200);
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 150));
  j->sync();
  auto segs = segment_files(*d);
  REQUIRE(segs.size() >= 6);
  std::vector<uint64_t> firsts;
  for (auto& s : segs)
    firsts.push_back(segment_first(s));
  // Snapshot boundary in the middle of segment 3.
  auto snap = firsts[3] + 2;
  j->install_snapshot(index_t{snap}, term_t{1}, 0);
  // One short of the end of segment 0: nothing goes.
  j->drop_segments_through(index_t{firsts[1] - 2});
  CHECK(segment_files(*d) == segs);
  // Exactly the end of segment 0: segment 0 goes.
  j->drop_segments_through(index_t{firsts[1] - 1});
  CHECK(segment_files(*d)
        == std::vector<std::string>(segs.begin() + 1, segs.end()));
  // Into segment 3 (the boundary): segments 1 and 2 go, 3 stays.
  j->drop_segments_through(index_t{snap});
  CHECK(segment_files(*d)
        == std::vector<std::string>(segs.begin() + 3, segs.end()));
  uint64_t on_disk = 0;
  for (auto& s : segment_files(*d))
    on_disk += d->open(s, false)->size();
  CHECK(j->disk_bytes() == on_disk);
  // Entries after the boundary are still served and still truncate right.
  CHECK(all_entries(*j) == generated_entries(snap + 1, 150));
  j->truncate_suffix(index_t{140});
  j->append(generated_entries(140, 145, 2));
  j->sync();
  j.reset();
  j = open_journal(d, o, index_t{snap}, term_t{1}, 0);
  auto expected = generated_entries(snap + 1, 139);
  auto tail = generated_entries(140, 145, 2);
  expected.insert(expected.end(), tail.begin(), tail.end());
  CHECK(all_entries(*j) == expected);
  // The older boundaries are no longer recoverable: their entries are gone.
  CHECK_THROWS_AS(open_journal(d, o, index_t{firsts[1] - 1}, term_t{1}, 0),
                  storage_error);
}

TEST_CASE("drop_segments_through never deletes the segment being written",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto o = small_segments(1000);
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 60));
  j->sync();
  j->install_snapshot(index_t{60}, term_t{1}, 0);
  j->drop_segments_through(index_t{60});
  auto segs = segment_files(*d);
  REQUIRE(segs.size() == 1);
  j->append(generated_entries(61, 70));
  j->sync();
  j.reset();
  j = open_journal(d, o, index_t{60}, term_t{1}, 0);
  CHECK(all_entries(*j) == generated_entries(61, 70));
}
