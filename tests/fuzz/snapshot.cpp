// Fuzz target "snapshot": snapshot files (snapshot/files/snapshot_store.hpp)
// read from a data directory and received from a leader in chunks.
//
// Input: a flags byte (bit 0: append the file's correct SHA-256, so the
// fuzzer gets past the checksum into the header; bits 1-7: chunk size
// parameter), then the file's bytes.
//
// Properties:
// - loading never changes the disk, and a file it accepts round-trips: the
//   loaded meta and payload, written by a fresh store, load back equal;
// - receiving the same bytes in chunks (with a repeated chunk and one at a
//   wrong offset among them, both ignored) builds the same file, and
//   finishing it accepts exactly what loading accepts, with the same
//   result; a refused transfer leaves no file behind.

#include <openssl/sha.h>

#include "snapshot/disk/codec.hpp"
#include "snapshot/disk/memory_disk.hpp"
#include "snapshot/files/snapshot_store.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;

namespace {

bool same(const std::optional<loaded_snapshot>& a,
          const std::optional<loaded_snapshot>& b) {
  if (!a || !b)
    return a.has_value() == b.has_value();
  auto& x = a->meta;
  auto& y = b->meta;
  return x.last_index == y.last_index && x.last_term == y.last_term
         && x.last_time == y.last_time && x.voters == y.voters
         && x.objects == y.objects && a->payload == b->payload;
}

/// The index a file claims in its meta (the store names files by it).
index_t claimed_index(const std::string& bytes) {
  // magic (8), version (4), meta length (4), then the last index.
  uint64_t x = 0;
  codec::reader in{bytes.data(), bytes.size()};
  std::string skip;
  if (in.bytes(skip, 16))
    in.u64(x);
  return index_t{x};
}

std::string with_checksum(std::string bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  bytes.append(reinterpret_cast<char*>(digest), sizeof(digest));
  return bytes;
}

std::optional<loaded_snapshot> load(const std::string& bytes, index_t idx) {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  auto name = snapshot_store::file_name(idx);
  d->open(name, true)->append(bytes.data(), bytes.size());
  auto result = store.load(idx);
  FUZZ_CHECK(d->list() == std::vector<std::string>{name}
               && d->read_all(name) == bytes,
             "loading changed the disk");
  return result;
}

void check_round_trip(const loaded_snapshot& s) {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  auto w = store.begin(s.meta);
  w->append(s.payload.data(), s.payload.size());
  w->finish();
  FUZZ_CHECK(same(store.load(s.meta.last_index), s),
             "a loaded snapshot does not survive a rewrite");
}

/// Receives `bytes` in chunks of `step`, as the snapshotter does from a
/// leader's install messages, with a duplicate and a misplaced chunk.
std::optional<loaded_snapshot> receive(const std::string& bytes, index_t idx,
                                       size_t step) {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  uint64_t at = 0;
  do {
    auto chunk = bytes.substr(at, step);
    auto size = store.receive_chunk(idx, at, chunk);
    FUZZ_CHECK(size == at + chunk.size(), "chunk not appended");
    if (at > 0) {
      FUZZ_CHECK(store.receive_chunk(idx, at, chunk) == size,
                 "a repeated chunk was appended");
      FUZZ_CHECK(store.receive_chunk(idx, size + 1, chunk) == size,
                 "a chunk at a wrong offset was appended");
    }
    at += chunk.size();
  } while (at < bytes.size());
  auto result = store.finish_receive(idx);
  auto name = snapshot_store::file_name(idx);
  if (result)
    FUZZ_CHECK(d->list() == std::vector<std::string>{name}
                 && d->read_all(name) == bytes,
               "the received file is not the sent one");
  else
    FUZZ_CHECK(d->list().empty(), "a refused transfer left a file");
  return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto flags = in.u8();
  auto bytes = in.rest();
  if (flags & 1)
    bytes = with_checksum(std::move(bytes));
  auto idx = claimed_index(bytes);
  auto loaded = load(bytes, idx);
  if (loaded)
    check_round_trip(*loaded);
  size_t step = 1 + (flags >> 1) * 7;
  FUZZ_CHECK(same(receive(bytes, idx, step), loaded),
             "receiving and loading disagree");
  return 0;
}
