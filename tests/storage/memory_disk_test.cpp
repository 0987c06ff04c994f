// The memory disk's crash model, which the journal tests and the simulator
// rely on: what was not synced (file data) or not sync_dir'ed (creations,
// renames, removals) is lost at crash(), a torn crash keeps a prefix of the
// unsynced appends, and fail_writes() refuses every write.

#include <catch2/catch.hpp>

#include <memory>
#include <random>

#include "snapshot/disk/memory_disk.hpp"
#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

namespace {

void put(disk& d, const std::string& name, const std::string& bytes,
         bool sync) {
  auto f = d.open(name, true);
  f->append(bytes.data(), bytes.size());
  if (sync)
    f->sync();
}

} // namespace

TEST_CASE("memory disk: a creation not made durable by sync_dir is lost at a "
          "crash",
          "[storage][memory_disk]") {
  memory_disk d;
  std::mt19937_64 rng{1};
  put(d, "a", "xyz", true);
  CHECK(d.exists("a"));
  d.crash(rng, false);
  CHECK_FALSE(d.exists("a"));
  put(d, "a", "xyz", true);
  d.sync_dir();
  d.crash(rng, false);
  CHECK(d.read_all("a") == "xyz");
}

TEST_CASE("memory disk: unsynced appends and truncations are undone at a "
          "crash",
          "[storage][memory_disk]") {
  memory_disk d;
  std::mt19937_64 rng{2};
  put(d, "f", "durable", true);
  d.sync_dir();
  put(d, "f", "+lost", false);
  CHECK(d.read_all("f") == "durable+lost");
  CHECK(d.bytes() == 12);
  d.crash(rng, false);
  CHECK(d.read_all("f") == "durable");
  d.open("f", false)->truncate(3);
  CHECK(d.read_all("f") == "dur");
  d.crash(rng, false);
  CHECK(d.read_all("f") == "durable");
  d.open("f", false)->truncate(3);
  d.open("f", false)->sync();
  d.crash(rng, true);
  CHECK(d.read_all("f") == "dur");
}

TEST_CASE("memory disk: removals and renames not made durable are undone at "
          "a crash",
          "[storage][memory_disk]") {
  memory_disk d;
  std::mt19937_64 rng{3};
  put(d, "old", "1", true);
  put(d, "new", "2", true);
  d.sync_dir();
  d.remove("old");
  d.rename("new", "renamed");
  CHECK(d.list() == std::vector<std::string>{"renamed"});
  d.crash(rng, false);
  CHECK(d.list() == std::vector<std::string>{"new", "old"});
  d.rename("new", "old");
  d.sync_dir();
  d.crash(rng, false);
  CHECK(d.list() == std::vector<std::string>{"old"});
  CHECK(d.read_all("old") == "2");
  CHECK_THROWS_WITH(d.rename("missing", "x"), Catch::Contains("missing"));
}

TEST_CASE("memory disk: write_atomically survives any crash once it returns",
          "[storage][memory_disk]") {
  memory_disk d;
  d.write_atomically("meta", "version 1");
  for (uint64_t seed = 0; seed < 10; ++seed) {
    std::mt19937_64 rng{seed};
    d.write_atomically("meta", "version " + std::to_string(seed + 2));
    d.crash(rng, true);
    CHECK(d.read_all("meta") == "version " + std::to_string(seed + 2));
    CHECK_FALSE(d.exists("meta.tmp"));
  }
}

TEST_CASE("memory disk: a torn crash keeps a prefix of the unsynced appends",
          "[storage][memory_disk]") {
  int none = 0;
  int all = 0;
  int part = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    memory_disk d;
    std::mt19937_64 rng{seed};
    put(d, "f", "durable:", true);
    d.sync_dir();
    std::string extra = random_bytes(seed, 1 + seed % 50);
    put(d, "f", extra, false);
    d.crash(rng, true);
    auto got = d.read_all("f");
    REQUIRE(got.size() >= 8);
    REQUIRE(got.size() <= 8 + extra.size());
    REQUIRE(got == ("durable:" + extra).substr(0, got.size()));
    if (got.size() == 8)
      ++none;
    else if (got.size() == 8 + extra.size())
      ++all;
    else
      ++part;
    // The torn state is the new durable state.
    d.crash(rng, true);
    REQUIRE(d.read_all("f") == got);
  }
  CHECK(none > 0);
  CHECK(all > 0);
  CHECK(part > 100);
}

TEST_CASE("memory disk: a reader sees a short file as an error naming it",
          "[storage][memory_disk]") {
  memory_disk d{"node-1"};
  CHECK(d.where() == "node-1");
  put(d, "f", "abc", false);
  char buf[8];
  CHECK_THROWS_WITH(d.open("f", false)->read(1, buf, 3),
                    Catch::Contains("node-1/f"));
  CHECK_THROWS_WITH(d.open("g", false), Catch::Contains("node-1/g"));
}

TEST_CASE("memory disk: fail_writes refuses every write and keeps the "
          "content",
          "[storage][memory_disk]") {
  memory_disk d{"full"};
  put(d, "f", "abc", true);
  d.sync_dir();
  d.fail_writes(true);
  auto f = d.open("f", false);
  CHECK_THROWS_WITH(f->append("x", 1), Catch::Contains("full/f")
                                         && Catch::Contains("No space left"));
  CHECK_THROWS_AS(f->sync(), storage_error);
  CHECK_THROWS_AS(f->truncate(0), storage_error);
  CHECK_THROWS_AS(d.open("new", true), storage_error);
  CHECK_THROWS_AS(d.sync_dir(), storage_error);
  CHECK_THROWS_AS(d.write_atomically("f", "zzz"), storage_error);
  // Reads still work.
  CHECK(d.read_all("f") == "abc");
  CHECK(d.list() == std::vector<std::string>{"f"});
  d.fail_writes(false);
  f->append("d", 1);
  CHECK(d.read_all("f") == "abcd");
}

TEST_CASE("memory disk: fail_writes refuses removals and renames too",
          "[storage][memory_disk]") {
  // disk.hpp: every operation reports failure by throwing; memory_disk.hpp:
  // "every operation that writes fails". Removing and renaming write the
  // directory.
  memory_disk d;
  put(d, "a", "1", true);
  put(d, "b", "2", true);
  d.sync_dir();
  d.fail_writes(true);
  CHECK_THROWS_AS(d.remove("a"), storage_error);
  CHECK_THROWS_AS(d.rename("b", "a"), storage_error);
  d.fail_writes(false);
  CHECK(d.list() == std::vector<std::string>{"a", "b"});
  CHECK(d.read_all("a") == "1");
}
