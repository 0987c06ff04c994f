// The journal over a memory disk, without crashes: what is written comes back
// after reopening (a process restart with the page cache intact): entries,
// term and vote, the commit index, across segments and truncations.

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

TEST_CASE("journal_unit: three entries survive reopen, truncation and a "
          "dropped prefix",
          "[storage][journal]") {
  // FEATURES journal_unit, with positions 0..2 as indexes 1..3.
  auto d = std::make_shared<memory_disk>();
  auto cmd1 = make_entry(1, 1, "cmd1");
  auto cmd2 = make_entry(2, 1, "cmd2");
  auto cmd3 = make_entry(3, 1, "cmd3");
  {
    auto j = open_journal(d, {});
    j->append({cmd1, cmd2, cmd3});
    j->sync();
  }
  {
    auto j = open_journal(d, {});
    REQUIRE(j->last_index() == index_t{3});
    CHECK(all_entries(*j) == entry_list{cmd1, cmd2, cmd3});
    j->truncate_suffix(index_t{3});
    j->sync();
  }
  {
    auto j = open_journal(d, {});
    REQUIRE(j->last_index() == index_t{2});
    CHECK(all_entries(*j) == entry_list{cmd1, cmd2});
    // A snapshot now holds entry 1: the prefix before position 1 goes.
    j->install_snapshot(index_t{1}, term_t{1}, 0);
    j->sync();
  }
  auto j = open_journal(d, {}, index_t{1}, term_t{1});
  CHECK(j->snapshot_index() == index_t{1});
  CHECK(j->last_index() == index_t{2});
  CHECK(all_entries(*j) == entry_list{cmd2});
}

TEST_CASE("every field of an entry round trips, binary and empty data "
          "included",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  entry_list written;
  for (uint64_t i = 1; i <= 4; ++i) {
    log_entry e;
    e.index = index_t{i};
    e.term = term_t{i * 1000003};
    e.kind = static_cast<entry_kind>(i % 4);
    e.client_id = 0xfedcba9876543210ull + i;
    e.request_id = ~uint64_t{0} - i;
    e.time = i == 2 ? -5 : static_cast<int64_t>(1'700'000'000'000'000'000 + i);
    if (i == 3)
      e.data = std::string("\0\xff\x00zz\n", 6);
    else if (i == 4)
      e.data = std::string(70'000, 'x');
    written.push_back(e);
  }
  {
    auto j = open_journal(d, {});
    j->append(written);
    j->sync();
    CHECK(j->last_time() == written.back().time);
  }
  auto j = open_journal(d, {});
  CHECK(all_entries(*j) == written);
  CHECK(j->last_term() == written.back().term);
  CHECK(j->term_at(index_t{2}) == written[1].term);
  CHECK(j->entry_count() == 4);
  CHECK(j->byte_size() == 6 + 70'000);
  CHECK(j->last_time() == written.back().time);
}

TEST_CASE("a fresh journal is empty with term 0 and no vote",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto j = open_journal(d, {});
  CHECK(j->last_index() == index_t{0});
  CHECK(j->snapshot_index() == index_t{0});
  CHECK(j->current_term() == term_t{0});
  CHECK_FALSE(j->voted_for().has_value());
  CHECK(j->commit_index() == index_t{0});
  CHECK(j->entry_count() == 0);
  j->sync();
  j.reset();
  auto again = open_journal(d, {});
  CHECK(again->last_index() == index_t{0});
}

TEST_CASE("term and vote are written at once and reloaded",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  {
    auto j = open_journal(d, {});
    j->save_term_and_vote(term_t{5}, node_id{"n2"});
    // No sync(): a vote is durable when save_term_and_vote returns.
  }
  std::mt19937_64 rng{1};
  d->crash(rng, true);
  {
    auto j = open_journal(d, {});
    CHECK(j->current_term() == term_t{5});
    REQUIRE(j->voted_for().has_value());
    CHECK(*j->voted_for() == node_id{"n2"});
    j->save_term_and_vote(term_t{6}, std::nullopt);
  }
  d->crash(rng, true);
  {
    auto j = open_journal(d, {});
    CHECK(j->current_term() == term_t{6});
    CHECK_FALSE(j->voted_for().has_value());
    // An empty name is a vote too, distinct from no vote.
    j->save_term_and_vote(term_t{7}, node_id{""});
  }
  auto j = open_journal(d, {});
  CHECK(j->current_term() == term_t{7});
  REQUIRE(j->voted_for().has_value());
  CHECK(j->voted_for()->name.empty());
}

TEST_CASE("the commit index is persisted at sync() at most once per interval",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  manual_clock clock;
  journal_options o;
  o.clock = clock.fn();
  o.commit_persist_interval_ns = 100;
  auto reopened_commit = [&] {
    auto j = open_journal(d, o);
    return j->commit_index();
  };
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 10));
  j->save_commit_index(index_t{4});
  CHECK(j->commit_index() == index_t{4});
  clock.set(99);
  j->sync();
  CHECK(reopened_commit() == index_t{0}); // too early
  clock.set(100);
  j->sync();
  CHECK(reopened_commit() == index_t{4});
  j->save_commit_index(index_t{7});
  clock.set(150);
  j->sync();
  CHECK(reopened_commit() == index_t{4}); // 50 ns after the last write
  clock.set(199);
  j->sync();
  CHECK(reopened_commit() == index_t{4});
  clock.set(200);
  j->sync();
  CHECK(reopened_commit() == index_t{7});
  // It never decreases.
  j->save_commit_index(index_t{3});
  CHECK(j->commit_index() == index_t{7});
  clock.set(1000);
  j->sync();
  CHECK(reopened_commit() == index_t{7});
}

TEST_CASE("a persisted commit index beyond the journal is clamped and logged",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  manual_clock clock;
  log_lines log;
  journal_options o;
  o.clock = clock.fn();
  o.log = log.fn();
  o.fsync = fsync_policy::periodic;
  o.fsync_period_ns = 1000;
  o.commit_persist_interval_ns = 0;
  {
    auto j = open_journal(d, o);
    j->append(generated_entries(1, 5));
    clock.set(1000);
    j->sync(); // entries 1..5 durable
    j->save_commit_index(index_t{5});
    j->sync(); // commit 5 written
    j->append(generated_entries(6, 8));
    j->save_commit_index(index_t{8});
    j->save_term_and_vote(term_t{2}, std::nullopt); // writes commit 8 too
  }
  std::mt19937_64 rng{1};
  d->crash(rng, false); // 6..8 were never fsynced
  auto j = open_journal(d, o);
  CHECK(j->last_index() == index_t{5});
  CHECK(j->commit_index() == index_t{5});
  CHECK(log.any_contains("beyond the journal's last index"));
}

TEST_CASE("segments rotate at segment_bytes and reopen across many segments",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto written = generated_entries(1, 600);
  {
    auto j = open_journal(d, small_segments(2000));
    // Mixed batch sizes, one sync per batch.
    size_t at = 0;
    std::mt19937_64 gen{5};
    while (at < written.size()) {
      size_t n = std::min<size_t>(1 + gen() % 20, written.size() - at);
      j->append(entry_list(written.begin() + at, written.begin() + at + n));
      j->sync();
      at += n;
    }
    uint64_t on_disk = 0;
    for (auto& s : segment_files(*d))
      on_disk += d->open(s, false)->size();
    CHECK(j->disk_bytes() == on_disk);
  }
  auto segs = segment_files(*d);
  CHECK(segs.size() > 20);
  // Each segment is named after its first entry, and no segment grows past
  // the limit by more than one record.
  uint64_t expected_first = 1;
  for (auto& s : segs) {
    CHECK(segment_first(s) == expected_first);
    auto size = d->open(s, false)->size();
    uint64_t bytes = segment_header_bytes;
    while (bytes < size)
      bytes += record_bytes(written[expected_first++ - 1]);
    CHECK(bytes == size);
    CHECK(size < 2000 + record_bytes(written[expected_first - 2]));
  }
  CHECK(expected_first == 601);
  auto j = open_journal(d, small_segments(2000));
  CHECK(all_entries(*j) == written);
  // Appending after a reopen continues the last segment or starts a new one.
  j->append(generated_entries(601, 650));
  j->sync();
  j.reset();
  j = open_journal(d, small_segments(2000));
  CHECK(all_entries(*j) == generated_entries(1, 650));
}

TEST_CASE("truncating across segments removes later segments and reopens",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto o = small_segments(1000);
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 200));
  j->sync();
  auto before = segment_files(*d).size();
  REQUIRE(before > 5);
  j->truncate_suffix(index_t{40});
  j->sync();
  CHECK(segment_files(*d).size() < before);
  CHECK(j->last_index() == index_t{39});
  // New entries of a later term after the cut.
  j->append(generated_entries(40, 120, 2));
  j->sync();
  j.reset();
  j = open_journal(d, o);
  auto expected = generated_entries(1, 39);
  auto tail = generated_entries(40, 120, 2);
  expected.insert(expected.end(), tail.begin(), tail.end());
  CHECK(all_entries(*j) == expected);
  // Truncating at the first entry of a segment leaves a header-only segment.
  auto segs = segment_files(*d);
  auto first_of_last = segment_first(segs.back());
  j->truncate_suffix(index_t{first_of_last});
  j->sync();
  j.reset();
  j = open_journal(d, o);
  CHECK(j->last_index() == index_t{first_of_last - 1});
  expected.resize(first_of_last - 1);
  CHECK(all_entries(*j) == expected);
  // Truncating past the end changes nothing.
  j->truncate_suffix(index_t{first_of_last + 5});
  CHECK(j->last_index() == index_t{first_of_last - 1});
}

TEST_CASE("a refused truncation of committed entries leaves the journal "
          "intact",
          "[storage][journal]") {
  // storage::truncate_suffix drops only uncommitted entries; memory_storage
  // refuses with logic_error. The journal must refuse before touching disk.
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 5));
  j->save_commit_index(index_t{4});
  j->sync();
  CHECK_THROWS_AS(j->truncate_suffix(index_t{3}), std::logic_error);
  CHECK(j->last_index() == index_t{5});
  j->sync();
  j.reset();
  auto again = open_journal(d, o);
  CHECK(again->last_index() == index_t{5});
  CHECK(all_entries(*again) == generated_entries(1, 5));
}

TEST_CASE("truncating at or below the snapshot boundary is refused",
          "[storage][journal]") {
  // Run in a child: the call may touch memory out of bounds.
  auto r = run_in_child([] {
    auto d = std::make_shared<memory_disk>();
    auto j = open_journal(d, {});
    j->append(generated_entries(1, 10));
    j->install_snapshot(index_t{5}, term_t{1}, 0);
    try {
      j->truncate_suffix(index_t{5});
      return 3; // accepted silently
    } catch (const std::logic_error&) {
    }
    if (j->last_index() != index_t{10})
      return 2;
    // Nothing changed on disk either.
    j->sync();
    j.reset();
    auto again = open_journal(d, {}, index_t{5}, term_t{1}, 0);
    if (all_entries(*again) == generated_entries(6, 10))
      return 0;
    std::fprintf(stderr, "after the refused truncation: last index %llu\n",
                 static_cast<unsigned long long>(again->last_index().value));
    return 4;
  });
  INFO("child exited " << r.exited << " code " << r.exit_code << " signal "
                       << r.signal);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
}

TEST_CASE("appending out of order is refused", "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto j = open_journal(d, {});
  j->append(generated_entries(1, 3));
  CHECK_THROWS_AS(j->append(generated_entries(5, 6)), std::logic_error);
  CHECK_THROWS_AS(j->append(generated_entries(3, 3)), std::logic_error);
  CHECK(j->last_index() == index_t{3});
  j->append({});
  j->sync();
  j.reset();
  CHECK(open_journal(d, {})->last_index() == index_t{3});
}

TEST_CASE("a journal of a few megabytes in many segments reopens intact",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  journal_options o = small_segments(256 << 10);
  auto written = generated_entries(1, 4000, 1, 4000);
  {
    auto j = open_journal(d, o);
    for (size_t at = 0; at < written.size(); at += 100) {
      j->append(entry_list(written.begin() + at, written.begin() + at + 100));
      j->sync();
    }
    CHECK(j->disk_bytes() > 7'000'000);
  }
  auto j = open_journal(d, o);
  CHECK(j->last_index() == index_t{4000});
  CHECK(all_entries(*j) == written);
}

TEST_CASE("a journal replay reports its progress while it runs and at its end",
          "[storage][journal]") {
  auto d = std::make_shared<memory_disk>();
  auto written = generated_entries(1, 20000);
  {
    auto j = open_journal(d, small_segments(64 << 10));
    j->append(entry_list(written));
    j->sync();
  }
  // A clock that advances one second per reading: lines are due every 2 s.
  int64_t now = 0;
  std::vector<std::string> lines;
  auto o = small_segments(64 << 10);
  o.clock = [&] { return now += 1'000'000'000; };
  o.progress = [&](const std::string& line) { lines.push_back(line); };
  auto j = open_journal(d, o);
  CHECK(all_entries(*j) == written);
  REQUIRE(lines.size() >= 2);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(lines[i].rfind("replaying journal ", 0) == 0);
    CHECK(lines[i].find(" MiB (") != std::string::npos);
  }
  INFO(lines.back());
  CHECK(lines.back().find(": done, ") != std::string::npos);
  CHECK(lines.back().find("(20000 entries after the snapshot)")
        != std::string::npos);
  // Without a progress sink nothing is reported (and the clock is not read
  // for it).
  j.reset();
  auto quiet = open_journal(d, small_segments(64 << 10));
  CHECK(quiet->last_index() == index_t{20000});
}
