// The journal and snapshot files on the real file system, in a fresh
// directory under /tmp: the memory-disk round trips hold there too, and
// failures (missing file, permission denied, file too large) throw a
// storage_error that names the path instead of shortening the log.

#include <catch2/catch.hpp>

#include <csignal>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/files/snapshot_store.hpp"
#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

namespace {

/// Gives `path` and everything in it to `uid` (root only).
void give_to(const std::string& path, uid_t uid) {
  REQUIRE(::chown(path.c_str(), uid, uid) == 0);
  for (auto& e : std::filesystem::directory_iterator(path))
    REQUIRE(::chown(e.path().c_str(), uid, uid) == 0);
}

/// Runs `fn` in a child as a user who owns `dir` but has no write permission
/// on it: as root (who ignores permissions) the child first becomes nobody.
child_result run_with_read_only_dir(const std::string& dir,
                                    const std::function<int()>& fn) {
  bool root = ::geteuid() == 0;
  if (root)
    give_to(dir, 65534);
  auto r = run_in_child([&] {
    if (root && (::setgid(65534) != 0 || ::setuid(65534) != 0))
      return 77; // cannot drop privileges: skipped
    if (::chmod(dir.c_str(), 0500) != 0)
      return 78;
    return fn();
  });
  if (root)
    give_to(dir, 0);
  ::chmod(dir.c_str(), 0700);
  return r;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("journal_unit on a real disk: entries, truncation and a dropped "
          "prefix survive reopen",
          "[storage][posix]") {
  temp_dir dir;
  std::shared_ptr<disk> d = make_posix_disk(dir.sub("journal"));
  auto cmd1 = make_entry(1, 1, "cmd1");
  auto cmd2 = make_entry(2, 1, "cmd2");
  auto cmd3 = make_entry(3, 1, "cmd3");
  {
    auto j = open_journal(d, {});
    j->append({cmd1, cmd2, cmd3});
    j->sync();
  }
  {
    auto j = open_journal(make_posix_disk(dir.sub("journal")), {});
    CHECK(all_entries(*j) == entry_list{cmd1, cmd2, cmd3});
    j->truncate_suffix(index_t{3});
    j->sync();
  }
  {
    auto j = open_journal(make_posix_disk(dir.sub("journal")), {});
    CHECK(all_entries(*j) == entry_list{cmd1, cmd2});
    j->install_snapshot(index_t{1}, term_t{1}, 0);
    j->sync();
  }
  auto j = open_journal(make_posix_disk(dir.sub("journal")), {}, index_t{1},
                        term_t{1});
  CHECK(all_entries(*j) == entry_list{cmd2});
}

TEST_CASE("a journal on a real disk rotates, truncates, persists term, vote "
          "and commit, and reopens",
          "[storage][posix]") {
  temp_dir dir;
  manual_clock clock;
  journal_options o;
  o.segment_bytes = 4096;
  o.clock = clock.fn();
  o.commit_persist_interval_ns = 10;
  auto path = dir.sub("j");
  {
    auto j = open_journal(make_posix_disk(path), o);
    j->save_term_and_vote(term_t{3}, node_id{"127.0.0.1:7000"});
    for (uint64_t i = 1; i <= 300; i += 10) {
      j->append(generated_entries(i, i + 9, 3));
      j->sync();
    }
    j->truncate_suffix(index_t{251});
    j->append(generated_entries(251, 260, 4));
    j->save_commit_index(index_t{200});
    clock.set(10);
    j->sync();
  }
  auto d = make_posix_disk(path);
  CHECK(segment_files(*d).size() > 5);
  CHECK_FALSE(d->exists("meta.tmp"));
  auto j = open_journal(std::move(d), o);
  auto expected = generated_entries(1, 250, 3);
  auto tail = generated_entries(251, 260, 4);
  expected.insert(expected.end(), tail.begin(), tail.end());
  CHECK(all_entries(*j) == expected);
  CHECK(j->current_term() == term_t{3});
  CHECK(j->voted_for() == std::optional<node_id>{node_id{"127.0.0.1:7000"}});
  CHECK(j->commit_index() == index_t{200});
  // Compaction: a snapshot at 200 and the segments below it deleted.
  j->install_snapshot(index_t{200}, term_t{3}, 0);
  j->drop_segments_through(index_t{200});
  j.reset();
  auto d2 = make_posix_disk(path);
  CHECK(segment_first(segment_files(*d2).front()) <= 201);
  CHECK(segment_first(segment_files(*d2).front()) > 150);
  j = open_journal(std::move(d2), o, index_t{200}, term_t{3});
  CHECK(all_entries(*j)
        == entry_list(expected.begin() + 200, expected.end()));
}

TEST_CASE("a single 20 MB entry survives reopen on a real disk",
          "[storage][posix][big]") {
  temp_dir dir;
  auto big = make_entry(2, 1, random_bytes(2, 20'000'000));
  {
    auto j = open_journal(make_posix_disk(dir.path()), {});
    j->append({make_entry(1, 1, "small")});
    j->append({big});
    j->append({make_entry(3, 1, "after")});
    j->sync();
  }
  auto j = open_journal(make_posix_disk(dir.path()), {});
  REQUIRE(j->last_index() == index_t{3});
  entry_list got;
  j->entries(index_t{2}, index_t{2}, 1, got);
  REQUIRE(got.size() == 1);
  CHECK(got[0].data.size() == 20'000'000);
  CHECK(got[0] == big);
  CHECK(j->byte_size() == 20'000'000 + 10);
}

TEST_CASE("posix disk: list is sorted, rename replaces, remove tolerates a "
          "missing file, reads past the end throw",
          "[storage][posix]") {
  temp_dir dir;
  auto d = make_posix_disk(dir.path());
  CHECK(d->where() == dir.path());
  for (auto name : {"b", "a", "c"}) {
    auto f = d->open(name, true);
    f->append(name, 1);
    f->sync();
  }
  CHECK(d->list() == std::vector<std::string>{"a", "b", "c"});
  d->rename("a", "c");
  d->sync_dir();
  CHECK(d->list() == std::vector<std::string>{"b", "c"});
  CHECK(d->read_all("c") == "a");
  d->remove("b");
  d->remove("b");
  CHECK_FALSE(d->exists("b"));
  auto f = d->open("c", false);
  CHECK(f->size() == 1);
  char buf[4];
  CHECK_THROWS_WITH(f->read(0, buf, 4), Catch::Contains(dir.sub("c")));
  f->truncate(0);
  CHECK(f->size() == 0);
  f->append("xyz", 3);
  CHECK(d->read_all("c") == "xyz");
  // Reopening sees the size on disk.
  CHECK(d->open("c", true)->size() == 3);
  // A second disk on the same directory sees the same files.
  CHECK(make_posix_disk(dir.path())->list()
        == std::vector<std::string>{"c"});
}

TEST_CASE("opening a missing file without create names the path",
          "[storage][posix]") {
  temp_dir dir;
  auto d = make_posix_disk(dir.path());
  try {
    d->open("missing.seg", false);
    FAIL("opened a missing file");
  } catch (const storage_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(dir.sub("missing.seg")));
    CHECK_THAT(e.what(), Catch::Contains("No such file"));
  }
  CHECK_THROWS_WITH(d->read_all("nope"), Catch::Contains(dir.sub("nope")));
  CHECK_THROWS_WITH(d->rename("nope", "x"), Catch::Contains(dir.sub("nope")));
}

TEST_CASE("a disk under a path that is a file is refused, naming the path",
          "[storage][posix]") {
  temp_dir dir;
  {
    auto d = make_posix_disk(dir.path());
    d->open("plain", true);
  }
  CHECK_THROWS_WITH(make_posix_disk(dir.sub("plain")),
                    Catch::Contains(dir.sub("plain")));
  CHECK_THROWS_WITH(make_posix_disk(dir.sub("plain/sub")),
                    Catch::Contains(dir.sub("plain/sub"))
                      && Catch::Contains("Not a directory"));
}

TEST_CASE("a read-only directory makes journal writes fail with a clear "
          "storage_error",
          "[storage][posix]") {
  temp_dir dir;
  journal_options o;
  o.segment_bytes = 2000;
  {
    auto j = open_journal(make_posix_disk(dir.path()), o);
    j->save_term_and_vote(term_t{2}, node_id{"a"});
    j->append(generated_entries(1, 5));
    j->sync();
  }
  auto r = run_with_read_only_dir(dir.path(), [&] {
    std::unique_ptr<journal> j;
    try {
      j = open_journal(make_posix_disk(dir.path()), o);
    } catch (const storage_error& e) {
      std::fprintf(stderr, "open: %s\n", e.what());
      return 10;
    }
    if (j->last_index() != index_t{5})
      return 11;
    // A vote needs a new file (write temp, rename): refused.
    try {
      j->save_term_and_vote(term_t{3}, node_id{"b"});
      return 12;
    } catch (const storage_error& e) {
      std::string what = e.what();
      if (!contains(what, dir.path()) || !contains(what, "Permission denied")) {
        std::fprintf(stderr, "vote: %s\n", e.what());
        return 13;
      }
    }
    // Appends fill the segment, then need a new one: refused.
    try {
      for (uint64_t i = 6; i < 200; ++i) {
        j->append(generated_entries(i, i));
        j->sync();
      }
      return 14;
    } catch (const storage_error& e) {
      std::string what = e.what();
      if (!contains(what, dir.path()) || !contains(what, "Permission denied")) {
        std::fprintf(stderr, "append: %s\n", e.what());
        return 15;
      }
    }
    return 0;
  });
  if (r.exited && r.exit_code == 77) {
    WARN("cannot drop root privileges: skipped");
    return;
  }
  INFO("child exited " << r.exited << " code " << r.exit_code << " signal "
                       << r.signal);
  REQUIRE(r.exited);
  REQUIRE(r.exit_code == 0);
  // What was durable before is intact.
  auto j = open_journal(make_posix_disk(dir.path()), o);
  CHECK(j->current_term() == term_t{2});
  CHECK(j->voted_for() == std::optional<node_id>{node_id{"a"}});
  auto got = all_entries(*j);
  REQUIRE(got.size() >= 5);
  CHECK(got == generated_entries(1, got.size()));
}

TEST_CASE("a fresh journal in a read-only directory refuses to start",
          "[storage][posix]") {
  temp_dir dir;
  auto r = run_with_read_only_dir(dir.path(), [&] {
    try {
      open_journal(make_posix_disk(dir.path()), {});
      return 20;
    } catch (const storage_error& e) {
      std::string what = e.what();
      return contains(what, dir.path()) && contains(what, "Permission denied")
               ? 0
               : 21;
    }
  });
  if (r.exited && r.exit_code == 77) {
    WARN("cannot drop root privileges: skipped");
    return;
  }
  INFO("child exited " << r.exited << " code " << r.exit_code << " signal "
                       << r.signal);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
}

TEST_CASE("a write failing half way (file size limit) throws, and reopening "
          "keeps every synced entry",
          "[storage][posix]") {
  // RLIMIT_FSIZE makes pwrite stop at the limit and then fail with EFBIG,
  // like a disk filling up in the middle of a record. Set in a child only.
  temp_dir dir;
  journal_options o;
  o.segment_bytes = 1 << 20;
  auto r = run_in_child([&] {
    struct rlimit lim = {60'000, 60'000};
    std::signal(SIGXFSZ, SIG_IGN);
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0)
      return 200;
    auto j = open_journal(make_posix_disk(dir.path()), o);
    int synced = 0;
    try {
      for (int i = 1; i < 199; i += 3) {
        entry_list batch;
        for (int k = 0; k < 3; ++k)
          batch.push_back(make_entry(static_cast<uint64_t>(i + k), 1,
                                     payload_for(static_cast<uint64_t>(i + k),
                                                1001)
                                       + std::string(600, 'p')));
        j->append(batch);
        j->sync();
        synced = i + 2;
      }
      return 201;
    } catch (const storage_error& e) {
      if (!contains(e.what(), dir.path())
          || !contains(e.what(), "File too large")) {
        std::fprintf(stderr, "%s\n", e.what());
        return 202;
      }
    }
    return synced;
  });
  INFO("child exited " << r.exited << " code " << r.exit_code << " signal "
                       << r.signal);
  REQUIRE(r.exited);
  REQUIRE(r.exit_code > 0);
  REQUIRE(r.exit_code < 199);
  auto synced = static_cast<uint64_t>(r.exit_code);
  log_lines log;
  o.log = log.fn();
  auto j = open_journal(make_posix_disk(dir.path()), o);
  // The record cut at the limit is a torn tail: cut and logged.
  CHECK(j->last_index() >= index_t{synced});
  CHECK(j->last_index() < index_t{synced + 3});
  CHECK(log.any_contains("cutting torn journal tail"));
  for (uint64_t i = 1; i <= j->last_index().value; ++i) {
    entry_list got;
    j->entries(index_t{i}, index_t{i}, 1, got);
    REQUIRE(got[0].data.str()
            == payload_for(i, 1001) + std::string(600, 'p'));
  }
}

TEST_CASE("snapshots on a real disk: corrupt newest falls back, chunked "
          "transfer installs",
          "[storage][posix][snapshot]") {
  temp_dir dir;
  std::shared_ptr<disk> leader_disk = make_posix_disk(dir.sub("leader"));
  std::shared_ptr<disk> follower_disk = make_posix_disk(dir.sub("follower"));
  log_lines log;
  snapshot_store leader{leader_disk, log.fn()};
  snapshot_store follower{follower_disk, log.fn()};
  auto write = [](snapshot_store& s, uint64_t index, const std::string& p) {
    snapshot_meta m;
    m.last_index = index_t{index};
    m.last_term = term_t{1};
    m.voters = {node_id{"a"}, node_id{"b"}};
    m.objects = {"kv"};
    auto w = s.begin(m);
    w->append(p.data(), p.size());
    w->finish();
  };
  auto p1 = random_bytes(1, 2'500'000);
  auto p2 = random_bytes(2, 2'600'000);
  auto p3 = random_bytes(3, 10);
  write(leader, 100, p1);
  write(leader, 200, p2);
  write(leader, 300, p3);
  CHECK(leader.retain(2) == index_t{200});
  CHECK(leader.list() == std::vector<index_t>{index_t{300}, index_t{200}});
  flip_byte(*leader_disk, snapshot_store::file_name(index_t{300}), 70);
  CHECK_FALSE(leader.load(index_t{300}).has_value());
  CHECK(log.any_contains(dir.sub("leader")));
  auto prev = leader.load(index_t{200});
  REQUIRE(prev.has_value());
  CHECK(prev->payload == p2);
  // Stream snapshot 200 to the follower in 1 MiB chunks.
  index_t idx{200};
  uint64_t offset = 0;
  while (offset < leader.file_size(idx))
    offset = follower.receive_chunk(idx, offset,
                                    leader.read_chunk(idx, offset, 1 << 20));
  auto installed = follower.finish_receive(idx);
  REQUIRE(installed.has_value());
  CHECK(installed->payload == p2);
  CHECK(snapshot_store{make_posix_disk(dir.sub("follower")), nullptr}.list()
        == std::vector<index_t>{idx});
  // The corrupt one does not transfer.
  offset = 0;
  while (offset < leader.file_size(index_t{300}))
    offset = follower.receive_chunk(
      index_t{300}, offset, leader.read_chunk(index_t{300}, offset, 1 << 20));
  CHECK_FALSE(follower.finish_receive(index_t{300}).has_value());
  CHECK(follower.list() == std::vector<index_t>{idx});
}

TEST_CASE("a journal of 320 MB in 64 MiB segments reopens intact",
          "[.big][storage][posix]") {
  // Hidden (run with "[.big]"): about 2 s of writing and reading here.
  temp_dir dir;
  journal_options o;
  o.fsync = fsync_policy::always;
  const size_t entry_bytes = 1 << 20;
  const uint64_t count = 320;
  {
    auto j = open_journal(make_posix_disk(dir.path()), o);
    for (uint64_t i = 1; i <= count; i += 16) {
      entry_list batch;
      for (uint64_t k = i; k < i + 16; ++k)
        batch.push_back(make_entry(k, 1, random_bytes(k, entry_bytes)));
      j->append(std::move(batch));
      j->sync();
    }
    CHECK(j->disk_bytes() > count * entry_bytes);
  }
  auto d = make_posix_disk(dir.path());
  CHECK(segment_files(*d).size() == 5);
  auto j = open_journal(std::move(d), o);
  REQUIRE(j->last_index() == index_t{count});
  for (uint64_t i : {uint64_t{1}, uint64_t{64}, uint64_t{65}, count}) {
    entry_list got;
    j->entries(index_t{i}, index_t{i}, 1, got);
    CHECK(got[0].data.str() == random_bytes(i, entry_bytes));
  }
}
