// The journal over a memory disk that crashes: the fsync policies decide what
// survives, a torn tail is cut and logged with everything synced kept, and a
// failing disk throws without harming what was durable.

#include <catch2/catch.hpp>

#include <memory>
#include <random>

#include "snapshot/disk/memory_disk.hpp"
#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

// -- fsync policies -----------------------------------------------------------

TEST_CASE("with fsync always, appended and synced entries survive a crash",
          "[storage][journal][crash]") {
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.fsync = fsync_policy::always;
  o.segment_bytes = 3000;
  auto j = open_journal(d, o);
  j->save_term_and_vote(term_t{3}, node_id{"a"});
  j->append(generated_entries(1, 80, 3));
  j->sync();
  j.reset();
  std::mt19937_64 rng{9};
  d->crash(rng, true);
  j = open_journal(d, o);
  CHECK(all_entries(*j) == generated_entries(1, 80, 3));
  CHECK(j->current_term() == term_t{3});
  CHECK(j->voted_for() == std::optional<node_id>{node_id{"a"}});
}

TEST_CASE("with fsync always, a truncation synced before a crash stays",
          "[storage][journal][crash]") {
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.segment_bytes = 1000;
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 60));
  j->sync();
  j->truncate_suffix(index_t{20});
  j->append(generated_entries(20, 25, 2));
  j->sync();
  j.reset();
  std::mt19937_64 rng{10};
  d->crash(rng, true);
  j = open_journal(d, o);
  auto expected = generated_entries(1, 19);
  auto tail = generated_entries(20, 25, 2);
  expected.insert(expected.end(), tail.begin(), tail.end());
  CHECK(all_entries(*j) == expected);
}

TEST_CASE("with fsync never, a crash loses unsynced entries",
          "[storage][journal][crash]") {
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.fsync = fsync_policy::never;
  CHECK(std::string{to_string(o.fsync)} == "never");
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 10));
  j->sync();
  // Without a crash (process restart, page cache intact) everything is there.
  j.reset();
  j = open_journal(d, o);
  CHECK(j->last_index() == index_t{10});
  j.reset();
  std::mt19937_64 rng{11};
  d->crash(rng, false);
  j = open_journal(d, o);
  CHECK(j->last_index() == index_t{0});
  // It still works afterwards.
  j->append(generated_entries(1, 3));
  j->sync();
  j.reset();
  CHECK(open_journal(d, o)->last_index() == index_t{3});
}

TEST_CASE("with fsync periodic, sync() fsyncs only once the period has passed",
          "[storage][journal][crash]") {
  // A script of (time, action); run(n) plays its first n steps on a fresh
  // disk, crashes it and reports the last index that survived.
  struct step {
    int64_t time;
    uint64_t from; // 0: sync(), else append(from..to)
    uint64_t to;
  };
  const std::vector<step> script = {
    {1'000, 1, 5},    // 0: the oldest unsynced write is at 1'000
    {5'000, 6, 8},    // 1
    {10'999, 0, 0},   // 2: 9'999 ns old: no fsync yet
    {11'000, 0, 0},   // 3: 10'000 ns old: fsynced
    {20'000, 9, 9},   // 4: a new period starts
    {29'999, 0, 0},   // 5
    {30'000, 0, 0},   // 6
    {31'000, 10, 12}, // 7
    {32'000, 0, 0},   // 8
  };
  auto run = [&](size_t n) {
    auto d = std::make_shared<memory_disk>();
    manual_clock clock;
    journal_options o;
    o.fsync = fsync_policy::periodic;
    o.fsync_period_ns = 10'000;
    o.clock = clock.fn();
    auto j = open_journal(d, o);
    for (size_t i = 0; i < n; ++i) {
      clock.set(script[i].time);
      if (script[i].from == 0)
        j->sync();
      else
        j->append(generated_entries(script[i].from, script[i].to));
    }
    j.reset();
    std::mt19937_64 rng{1};
    d->crash(rng, false);
    return open_journal(d, o)->last_index().value;
  };
  CHECK(run(2) == 0);
  CHECK(run(3) == 0);
  CHECK(run(4) == 8);
  CHECK(run(5) == 8);
  CHECK(run(6) == 8);
  CHECK(run(7) == 9);
  CHECK(run(8) == 9);
  CHECK(run(9) == 9); // a crash inside the window loses at most the window
}

TEST_CASE("with fsync periodic and no injected clock, sync() still fsyncs "
          "after the period",
          "[storage][journal][crash]") {
  // journal_options::clock defaults to a clock stuck at 0: with `periodic`
  // the oldest unsynced write is then never older than fsync_period_ns and
  // nothing is ever fsynced, and the commit index is never written at
  // sync(). Either a real monotonic clock is the default, or a journal
  // refuses to start with `periodic` and no clock.
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.fsync = fsync_policy::periodic;
  o.fsync_period_ns = 1; // any real clock moves by 1 ns between two calls
  std::unique_ptr<journal> j;
  try {
    j = open_journal(d, o);
  } catch (const std::exception&) {
    SUCCEED("a periodic journal without a clock is refused");
    return;
  }
  j->append(generated_entries(1, 5));
  j->sync();
  j.reset();
  std::mt19937_64 rng{13};
  d->crash(rng, false);
  CHECK(open_journal(d, o)->last_index() == index_t{5});
}

TEST_CASE("with no injected clock, sync() still persists the commit index "
          "once the interval has passed",
          "[storage][journal][crash]") {
  // Same cause: with the default clock stuck at 0, sync() never finds the
  // commit persist interval elapsed, so the commit index reaches `meta` only
  // as a side effect of a vote or a snapshot.
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.commit_persist_interval_ns = 1;
  std::unique_ptr<journal> j;
  try {
    j = open_journal(d, o);
  } catch (const std::exception&) {
    SUCCEED("a journal without a clock is refused");
    return;
  }
  j->append(generated_entries(1, 5));
  j->sync();
  j->save_commit_index(index_t{5});
  j->sync();
  j.reset();
  CHECK(open_journal(d, o)->commit_index() == index_t{5});
}

TEST_CASE("the fsync policies have names", "[storage][journal]") {
  CHECK(std::string{to_string(fsync_policy::always)} == "always");
  CHECK(std::string{to_string(fsync_policy::periodic)} == "periodic");
  CHECK(std::string{to_string(fsync_policy::never)} == "never");
}

// -- torn tails -----------------------------------------------------------------

namespace {

struct written_log {
  uint64_t written = 0;
  /// What the policy promises is durable (a lower bound: a rotation also
  /// fsyncs the segment it closes).
  uint64_t synced = 0;
};

/// Appends 1..12 random batches of generated entries, syncing after each
/// one but (usually) the last, the clock moving 0..59 ns per batch.
written_log write_random_batches(journal& j, const journal_options& o,
                                 manual_clock& clock, std::mt19937_64& gen) {
  written_log w;
  bool dirty = false;
  int64_t oldest_unsynced = 0;
  int batches = 1 + static_cast<int>(gen() % 12);
  for (int b = 0; b < batches; ++b) {
    auto n = 1 + gen() % 8;
    if (!dirty)
      oldest_unsynced = *clock.now;
    dirty = true;
    j.append(generated_entries(w.written + 1, w.written + n));
    w.written += n;
    clock.advance(static_cast<int64_t>(gen() % 60));
    bool last = b + 1 == batches;
    if (!last || gen() % 4 == 0) {
      j.sync();
      if (o.fsync == fsync_policy::always
          || *clock.now - oldest_unsynced >= o.fsync_period_ns) {
        w.synced = w.written;
        dirty = false;
      }
    }
  }
  return w;
}

} // namespace

TEST_CASE("a crash tearing unsynced appends leaves a prefix holding every "
          "synced entry",
          "[storage][journal][crash]") {
  int cuts = 0;
  int lost_unsynced = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 gen{seed};
    auto d = std::make_shared<memory_disk>();
    manual_clock clock;
    log_lines log;
    journal_options o;
    o.fsync = seed % 3 == 0 ? fsync_policy::periodic : fsync_policy::always;
    o.fsync_period_ns = 50;
    o.clock = clock.fn();
    o.log = log.fn();
    o.segment_bytes = 500 + gen() % 3000;
    auto w = write_random_batches(*open_journal(d, o), o, clock, gen);
    d->crash(gen, true);
    // The size of the last segment as the crash left it.
    auto segs = segment_files(*d);
    REQUIRE(!segs.empty());
    auto size_before = d->open(segs.back(), false)->size();
    auto j = open_journal(d, o);
    auto size_after = d->open(segs.back(), false)->size();
    auto got = all_entries(*j);
    REQUIRE(got.size() >= w.synced);
    REQUIRE(got.size() <= w.written);
    REQUIRE(got == generated_entries(1, got.size()));
    if (got.size() < w.written)
      ++lost_unsynced;
    // A cut, and only a cut, is logged, naming the file and offset.
    if (size_after < size_before) {
      ++cuts;
      CHECK(log.any_contains("cutting torn journal tail"));
      CHECK(log.any_contains(segs.back()));
      CHECK(log.any_contains("offset " + std::to_string(size_after)));
    } else {
      CHECK_FALSE(log.any_contains("cutting"));
    }
    // The journal goes on from the cut, and the cut is durable.
    j->append(generated_entries(got.size() + 1, got.size() + 3));
    clock.advance(o.fsync_period_ns); // due under `periodic` too
    j->sync();
    j.reset();
    d->crash(gen, true);
    auto again = open_journal(d, o);
    REQUIRE(all_entries(*again) == generated_entries(1, got.size() + 3));
  }
  // The seeds exercised both torn records and lost whole records.
  CHECK(cuts > 50);
  CHECK(lost_unsynced > 50);
}

TEST_CASE("a torn segment header left by a crash during rotation is removed",
          "[storage][journal][crash]") {
  // The newest segment holds only part of its header.
  auto d = std::make_shared<memory_disk>();
  log_lines log;
  journal_options o;
  o.log = log.fn();
  o.segment_bytes = 800;
  auto j = open_journal(d, o);
  j->append(generated_entries(1, 30));
  j->sync();
  j.reset();
  auto segs = segment_files(*d);
  auto last = segs.back();
  auto next = segment_file(31);
  auto partial = d->read_all(last).substr(0, 20);
  d->open(next, true)->append(partial.data(), partial.size());
  j = open_journal(d, o);
  CHECK(j->last_index() == index_t{30});
  CHECK(log.any_contains("removing torn journal segment"));
  CHECK_FALSE(d->exists(next));
  j->append(generated_entries(31, 40));
  j->sync();
  j.reset();
  CHECK(all_entries(*open_journal(d, o)) == generated_entries(1, 40));
}

// -- failing disk ------------------------------------------------------------------

TEST_CASE("a full disk makes appends, sync and votes throw, and what was "
          "durable stays",
          "[storage][journal][crash]") {
  auto d = std::make_shared<memory_disk>();
  journal_options o;
  o.segment_bytes = 2000;
  auto j = open_journal(d, o);
  j->save_term_and_vote(term_t{2}, node_id{"a"});
  j->append(generated_entries(1, 20, 2));
  j->sync();
  j->append(generated_entries(21, 22, 2)); // written, not yet synced
  d->fail_writes(true);
  CHECK_THROWS_AS(j->sync(), storage_error);
  CHECK_THROWS_WITH(j->append(generated_entries(23, 23, 2)),
                    Catch::Contains("No space left on device"));
  CHECK_THROWS_AS(j->save_term_and_vote(term_t{3}, node_id{"b"}),
                  storage_error);
  // A longer batch (which would rotate) fails too.
  CHECK_THROWS_AS(j->append(generated_entries(23, 60, 2)), storage_error);
  j.reset();
  d->fail_writes(false);
  std::mt19937_64 rng{14};
  d->crash(rng, false);
  j = open_journal(d, o);
  CHECK(all_entries(*j) == generated_entries(1, 20, 2));
  CHECK(j->current_term() == term_t{2});
  CHECK(j->voted_for() == std::optional<node_id>{node_id{"a"}});
}

TEST_CASE("a journal cannot be opened on a disk that refuses writes",
          "[storage][journal][crash]") {
  auto d = std::make_shared<memory_disk>();
  d->fail_writes(true);
  CHECK_THROWS_AS(open_journal(d, {}), storage_error);
}
