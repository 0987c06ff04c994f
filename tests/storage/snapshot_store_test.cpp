// Snapshot files over a memory disk: written, listed and loaded with their
// meta data; a corrupt newest file falls back to the previous one; the
// newest two are kept; a snapshot streams to another store in chunks and is
// verified before it is installed.

#include <catch2/catch.hpp>

#include <memory>
#include <random>

#include "snapshot/disk/memory_disk.hpp"
#include "snapshot/files/snapshot_store.hpp"
#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

namespace {

snapshot_meta meta_at(uint64_t index, uint64_t term = 2) {
  snapshot_meta m;
  m.last_index = index_t{index};
  m.last_term = term_t{term};
  m.last_time = static_cast<int64_t>(index) * 1'000'000 + 17;
  m.voters = {node_id{"10.0.0.1:4000"}, node_id{"10.0.0.2:4000"},
              node_id{"n3"}};
  m.objects = {"counter", "kv", ""};
  return m;
}

std::string payload_of(uint64_t index, size_t size) {
  std::mt19937_64 gen{index};
  std::string s(size, '\0');
  for (auto& c : s)
    c = static_cast<char>(gen());
  return s;
}

/// Writes a snapshot in pieces of `piece` bytes.
void write_snapshot(snapshot_store& store, const snapshot_meta& m,
                    const std::string& payload, size_t piece = 4096) {
  auto w = store.begin(m);
  for (size_t at = 0; at < payload.size(); at += piece)
    w->append(payload.data() + at, std::min(piece, payload.size() - at));
  w->finish();
}

void check_meta(const snapshot_meta& got, const snapshot_meta& want) {
  CHECK(got.last_index == want.last_index);
  CHECK(got.last_term == want.last_term);
  CHECK(got.last_time == want.last_time);
  CHECK(got.voters == want.voters);
  CHECK(got.objects == want.objects);
  CHECK(got.configuration == want.configuration);
  CHECK(got.code_version == want.code_version);
}

/// Streams snapshot `index` from one store to another in `chunk`-sized
/// pieces, the way a leader feeds a follower.
void transfer(const snapshot_store& from, snapshot_store& to, index_t index,
              size_t chunk) {
  uint64_t offset = 0;
  auto size = from.file_size(index);
  while (offset < size) {
    auto data = from.read_chunk(index, offset, chunk);
    REQUIRE(!data.empty());
    auto acked = to.receive_chunk(index, offset, data);
    REQUIRE(acked == offset + data.size());
    offset = acked;
  }
}

} // namespace

TEST_CASE("a snapshot is written, listed and loaded with its meta data",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  CHECK(store.list().empty());
  auto m = meta_at(42, 3);
  auto payload = payload_of(42, 100'000);
  write_snapshot(store, m, payload, 777);
  CHECK(store.list() == std::vector<index_t>{index_t{42}});
  CHECK(snapshot_store::file_name(index_t{42})
        == "snapshot-00000000000000000042.snap");
  CHECK(d->exists(snapshot_store::file_name(index_t{42})));
  auto loaded = store.load(index_t{42});
  REQUIRE(loaded.has_value());
  check_meta(loaded->meta, m);
  CHECK(loaded->payload == payload);
  // Header, meta, payload, length and hash: the file is a little larger.
  CHECK(store.file_size(index_t{42}) > payload.size());
  CHECK(store.file_size(index_t{42}) < payload.size() + 200);
}

TEST_CASE("empty meta lists and an empty payload round trip",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  snapshot_meta m;
  m.last_index = index_t{1};
  m.last_term = term_t{1};
  write_snapshot(store, m, "");
  auto loaded = store.load(index_t{1});
  REQUIRE(loaded.has_value());
  check_meta(loaded->meta, m);
  CHECK(loaded->payload.empty());
}

TEST_CASE("the configuration and the enabled code version round trip, each "
          "without the other",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  uint64_t index = 1;
  for (auto [config, version] :
       {std::pair<std::string, uint32_t>{"", 0}, {"{\"v\":1}", 0}, {"", 3},
        {"{\"v\":1}", 4294967295u}}) {
    auto m = meta_at(index);
    m.configuration = config;
    m.code_version = version;
    write_snapshot(store, m, "x");
    auto loaded = store.load(index_t{index});
    REQUIRE(loaded.has_value());
    check_meta(loaded->meta, m);
    ++index;
  }
}

TEST_CASE("snapshots are listed newest first and survive a crash once "
          "finished",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  for (uint64_t i : {5u, 120u, 9u, 1000u})
    write_snapshot(store, meta_at(i), payload_of(i, 3000));
  // Another file in the directory is not a snapshot.
  d->open("journal-00000000000000000001.seg", true);
  CHECK(store.list()
        == std::vector<index_t>{index_t{1000}, index_t{120}, index_t{9},
                                index_t{5}});
  std::mt19937_64 rng{1};
  d->crash(rng, true);
  for (uint64_t i : {5u, 120u, 9u, 1000u}) {
    auto loaded = store.load(index_t{i});
    REQUIRE(loaded.has_value());
    CHECK(loaded->payload == payload_of(i, 3000));
  }
}

TEST_CASE("an unfinished snapshot is neither listed nor left after a crash",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  write_snapshot(store, meta_at(10), payload_of(10, 500));
  {
    auto w = store.begin(meta_at(20));
    auto p = payload_of(20, 500);
    w->append(p.data(), p.size());
    CHECK(store.list() == std::vector<index_t>{index_t{10}});
    // The writer is dropped before finish(), as when the fork child dies.
  }
  CHECK(store.list() == std::vector<index_t>{index_t{10}});
  std::mt19937_64 rng{2};
  d->crash(rng, true);
  CHECK(store.list() == std::vector<index_t>{index_t{10}});
  // A later attempt at the same index succeeds.
  write_snapshot(store, meta_at(20), payload_of(20, 500));
  REQUIRE(store.load(index_t{20}).has_value());
  CHECK(store.load(index_t{20})->payload == payload_of(20, 500));
}

TEST_CASE("a corrupt newest snapshot is skipped with a log line and the "
          "previous one loads",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  log_lines log;
  snapshot_store store{d, log.fn()};
  write_snapshot(store, meta_at(100), payload_of(100, 20'000));
  write_snapshot(store, meta_at(200), payload_of(200, 20'000));
  auto newest = snapshot_store::file_name(index_t{200});
  SECTION("a flipped payload byte") {
    flip_byte(*d, newest, d->open(newest, false)->size() / 2);
  }
  SECTION("a flipped meta byte") {
    flip_byte(*d, newest, 20);
  }
  SECTION("a flipped hash byte") {
    flip_byte(*d, newest, d->open(newest, false)->size() - 1);
  }
  SECTION("cut short") {
    auto bytes = d->read_all(newest);
    overwrite_file(*d, newest, bytes.substr(0, bytes.size() - 100));
  }
  SECTION("cut to almost nothing") {
    auto bytes = d->read_all(newest);
    overwrite_file(*d, newest, bytes.substr(0, 10));
  }
  SECTION("emptied") {
    overwrite_file(*d, newest, "");
  }
  // What a node does at start: the newest snapshot that loads.
  std::optional<loaded_snapshot> chosen;
  for (auto i : store.list())
    if ((chosen = store.load(i)))
      break;
  REQUIRE(chosen.has_value());
  CHECK(chosen->meta.last_index == index_t{100});
  CHECK(chosen->payload == payload_of(100, 20'000));
  CHECK(log.any_contains("skipping corrupt snapshot"));
  CHECK(log.any_contains(newest));
}

TEST_CASE("a snapshot file under another index's name is skipped",
          "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  log_lines log;
  snapshot_store store{d, log.fn()};
  write_snapshot(store, meta_at(7), payload_of(7, 100));
  d->rename(snapshot_store::file_name(index_t{7}),
            snapshot_store::file_name(index_t{8}));
  CHECK_FALSE(store.load(index_t{8}).has_value());
  CHECK(log.any_contains("holds index 7"));
}

TEST_CASE("retain keeps the newest snapshots", "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  for (uint64_t i = 1; i <= 5; ++i)
    write_snapshot(store, meta_at(i * 10), payload_of(i, 100));
  CHECK(store.retain(2) == index_t{40});
  CHECK(store.list() == std::vector<index_t>{index_t{50}, index_t{40}});
  // Durable: a crash does not bring the deleted ones back.
  std::mt19937_64 rng{3};
  d->crash(rng, false);
  CHECK(store.list() == std::vector<index_t>{index_t{50}, index_t{40}});
  CHECK(store.retain(2) == index_t{40});
  CHECK(store.retain(5) == index_t{40});
  CHECK(store.retain(1) == index_t{50});
  CHECK(store.list() == std::vector<index_t>{index_t{50}});
  CHECK(store.load(index_t{50}).has_value());
}

TEST_CASE("retain on an empty store returns 0", "[storage][snapshot]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  CHECK(store.retain(2) == index_t{0});
}

TEST_CASE("retain(0) deletes every snapshot and returns 0",
          "[storage][snapshot]") {
  // In a child: the call may read out of bounds.
  auto r = run_in_child([] {
    auto d = std::make_shared<memory_disk>();
    snapshot_store store{d, nullptr};
    write_snapshot(store, meta_at(10), "a");
    write_snapshot(store, meta_at(20), "b");
    auto kept = store.retain(0);
    if (!store.list().empty())
      return 2;
    return kept == index_t{0} ? 0 : 3;
  });
  INFO("child exited " << r.exited << " code " << r.exit_code << " signal "
                       << r.signal);
  CHECK(r.exited);
  CHECK(r.exit_code == 0);
}

TEST_CASE("a snapshot streamed in 1 MiB chunks is verified and installed",
          "[storage][snapshot][transfer]") {
  auto leader_disk = std::make_shared<memory_disk>("leader");
  auto follower_disk = std::make_shared<memory_disk>("follower");
  snapshot_store leader{leader_disk, nullptr};
  snapshot_store follower{follower_disk, nullptr};
  auto m = meta_at(5000, 7);
  auto payload = payload_of(5000, (3u << 20) + 12345); // 3.01 MiB: 4 chunks
  write_snapshot(leader, m, payload, 1 << 16);
  transfer(leader, follower, index_t{5000}, 1 << 20);
  // Not installed until verified.
  CHECK(follower.list().empty());
  auto installed = follower.finish_receive(index_t{5000});
  REQUIRE(installed.has_value());
  check_meta(installed->meta, m);
  CHECK(installed->payload == payload);
  CHECK(follower.list() == std::vector<index_t>{index_t{5000}});
  auto name = snapshot_store::file_name(index_t{5000});
  CHECK(follower_disk->read_all(name) == leader_disk->read_all(name));
  CHECK_FALSE(follower_disk->exists(name + ".part"));
  // Installed durably.
  std::mt19937_64 rng{4};
  follower_disk->crash(rng, true);
  REQUIRE(follower.load(index_t{5000}).has_value());
  CHECK(follower.load(index_t{5000})->payload == payload);
}

TEST_CASE("read_chunk past the end is empty and the last chunk is short",
          "[storage][snapshot][transfer]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  write_snapshot(store, meta_at(3), payload_of(3, 1000));
  auto size = store.file_size(index_t{3});
  CHECK(store.read_chunk(index_t{3}, size, 100).empty());
  CHECK(store.read_chunk(index_t{3}, size + 50, 100).empty());
  CHECK(store.read_chunk(index_t{3}, size - 10, 100).size() == 10);
  CHECK(store.read_chunk(index_t{3}, 0, size * 2)
        == d->read_all(snapshot_store::file_name(index_t{3})));
}

TEST_CASE("a lost or repeated chunk is ignored and the sender resumes at the "
          "size returned",
          "[storage][snapshot][transfer]") {
  auto leader_disk = std::make_shared<memory_disk>("leader");
  auto follower_disk = std::make_shared<memory_disk>("follower");
  snapshot_store leader{leader_disk, nullptr};
  snapshot_store follower{follower_disk, nullptr};
  const size_t chunk = 1 << 20;
  auto payload = payload_of(77, 4 * chunk + 999);
  write_snapshot(leader, meta_at(77), payload, chunk);
  index_t idx{77};
  auto size = leader.file_size(idx);
  auto send = [&](uint64_t offset) {
    return follower.receive_chunk(idx, offset,
                                  leader.read_chunk(idx, offset, chunk));
  };
  CHECK(send(0) == chunk);
  // Chunk 1 is lost: chunk 2 arrives at a wrong offset and is ignored.
  CHECK(send(2 * chunk) == chunk);
  // The sender resumes where the follower is.
  CHECK(send(chunk) == 2 * chunk);
  // A duplicate of chunk 1 arrives late: ignored.
  CHECK(send(chunk) == 2 * chunk);
  uint64_t offset = 2 * chunk;
  while (offset < size)
    offset = send(offset);
  CHECK(offset == size);
  // A duplicate of the last chunk after the end: ignored.
  CHECK(send(4 * chunk) == size);
  auto installed = follower.finish_receive(idx);
  REQUIRE(installed.has_value());
  CHECK(installed->payload == payload);
}

TEST_CASE("a transfer restarted from offset 0 starts the partial file over",
          "[storage][snapshot][transfer]") {
  // A new leader resumes nothing: it sends from the beginning.
  auto leader_disk = std::make_shared<memory_disk>("leader");
  auto follower_disk = std::make_shared<memory_disk>("follower");
  snapshot_store leader{leader_disk, nullptr};
  snapshot_store follower{follower_disk, nullptr};
  write_snapshot(leader, meta_at(9), payload_of(9, 3000));
  index_t idx{9};
  CHECK(follower.receive_chunk(idx, 0, leader.read_chunk(idx, 0, 1000))
        == 1000);
  CHECK(follower.receive_chunk(idx, 1000, leader.read_chunk(idx, 1000, 1000))
        == 2000);
  transfer(leader, follower, idx, 700);
  auto installed = follower.finish_receive(idx);
  REQUIRE(installed.has_value());
  CHECK(installed->payload == payload_of(9, 3000));
}

TEST_CASE("a corrupt transfer is refused and installs nothing",
          "[storage][snapshot][transfer]") {
  auto leader_disk = std::make_shared<memory_disk>("leader");
  auto follower_disk = std::make_shared<memory_disk>("follower");
  log_lines log;
  snapshot_store leader{leader_disk, nullptr};
  snapshot_store follower{follower_disk, log.fn()};
  // The follower already has an older snapshot; it must stay usable.
  write_snapshot(follower, meta_at(10), payload_of(10, 100));
  const size_t chunk = 1 << 20;
  write_snapshot(leader, meta_at(30), payload_of(30, 2 * chunk + 5));
  index_t idx{30};
  auto size = leader.file_size(idx);
  SECTION("a flipped bit in transit") {
    uint64_t offset = 0;
    while (offset < size) {
      auto data = leader.read_chunk(idx, offset, chunk);
      if (offset == chunk)
        data[12345] = static_cast<char>(data[12345] ^ 1);
      offset = follower.receive_chunk(idx, offset, data);
    }
  }
  SECTION("the last chunk missing") {
    uint64_t offset = 0;
    while (offset + chunk < size)
      offset = follower.receive_chunk(idx, offset,
                                      leader.read_chunk(idx, offset, chunk));
  }
  SECTION("another snapshot's bytes under this index") {
    write_snapshot(leader, meta_at(31), payload_of(31, 1000));
    auto bytes = leader.read_chunk(index_t{31}, 0, 1 << 20);
    follower.receive_chunk(idx, 0, bytes);
  }
  CHECK_FALSE(follower.finish_receive(idx).has_value());
  CHECK(follower.list() == std::vector<index_t>{index_t{10}});
  CHECK_FALSE(follower_disk->exists(snapshot_store::file_name(idx) + ".part"));
  CHECK(follower.load(index_t{10}).has_value());
}

TEST_CASE("a follower's partial file does not disturb its snapshots",
          "[storage][snapshot][transfer]") {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  write_snapshot(store, meta_at(10), payload_of(10, 100));
  store.receive_chunk(index_t{20}, 0, "partial bytes");
  CHECK(store.list() == std::vector<index_t>{index_t{10}});
  CHECK(store.retain(1) == index_t{10});
  CHECK(store.load(index_t{10}).has_value());
}

TEST_CASE("after a follower crash in the middle of a transfer the sender "
          "resumes from what survived",
          "[storage][snapshot][transfer][crash]") {
  auto leader_disk = std::make_shared<memory_disk>("leader");
  snapshot_store leader{leader_disk, nullptr};
  const size_t chunk = 1 << 16;
  auto payload = payload_of(40, 5 * chunk);
  write_snapshot(leader, meta_at(40), payload, chunk);
  index_t idx{40};
  auto size = leader.file_size(idx);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    auto follower_disk = std::make_shared<memory_disk>("follower");
    snapshot_store follower{follower_disk, nullptr};
    std::mt19937_64 rng{seed};
    // Some chunks arrive, then the follower crashes and restarts.
    uint64_t offset = 0;
    auto before_crash = 1 + rng() % 4;
    for (uint64_t i = 0; i < before_crash; ++i)
      offset = follower.receive_chunk(idx, offset,
                                      leader.read_chunk(idx, offset, chunk));
    follower_disk->crash(rng, true);
    // The leader resends where it left off; the follower answers with what
    // it holds, and the leader continues from there.
    offset = follower.receive_chunk(idx, offset,
                                    leader.read_chunk(idx, offset, chunk));
    int rounds = 0;
    while (offset < size && ++rounds < 100)
      offset = follower.receive_chunk(idx, offset,
                                      leader.read_chunk(idx, offset, chunk));
    REQUIRE(offset == size);
    auto installed = follower.finish_receive(idx);
    REQUIRE(installed.has_value());
    CHECK(installed->payload == payload);
  }
}
