// Fuzz target "recovery_marker": the recovery record of a disk node
// (snapshot/files/recovery_marker.hpp).
//
// Input: a flags byte (bit 0: append the file's correct CRC32C, so the
// fuzzer gets past the checksum into the fields), then the file's bytes.
//
// Properties: loading either returns the record or throws storage_error,
// and never changes the disk; a record it returns round-trips (saved by a
// fresh marker, it loads back equal).

#include "snapshot/disk/codec.hpp"
#include "snapshot/disk/crc32c.hpp"
#include "snapshot/disk/memory_disk.hpp"
#include "snapshot/files/recovery_marker.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;

namespace {

const std::string file_name = "recovering";

std::optional<recovery_marker::contents> load(std::shared_ptr<memory_disk> d) {
  auto bytes = d->read_all(file_name);
  std::optional<recovery_marker::contents> result;
  try {
    result = recovery_marker{d}.load();
    FUZZ_CHECK(result.has_value(), "an existing record loads as none");
  } catch (const storage_error&) {
    // refused: a clear error, checked below to have changed nothing
  }
  FUZZ_CHECK(d->list() == std::vector<std::string>{file_name}
               && d->read_all(file_name) == bytes,
             "loading changed the disk");
  return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto flags = in.u8();
  auto bytes = in.rest();
  if (flags & 1)
    codec::put_u32(bytes, crc32c(0, bytes.data(), bytes.size()));
  auto d = std::make_shared<memory_disk>();
  d->open(file_name, true)->append(bytes.data(), bytes.size());
  auto loaded = load(d);
  if (!loaded)
    return 0;
  auto fresh = std::make_shared<memory_disk>();
  recovery_marker{fresh}.save(loaded->promised);
  auto again = load(fresh);
  FUZZ_CHECK(again && again->promised == loaded->promised,
             "a loaded record does not survive a rewrite");
  return 0;
}
