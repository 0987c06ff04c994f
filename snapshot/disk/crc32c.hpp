#pragma once

// CRC32C (Castagnoli), the checksum of journal records. No kept library
// offers it (OpenSSL has none), so it is written here: the SSE4.2 crc32
// instruction when the CPU has it, a table otherwise.

#include <cstddef>
#include <cstdint>

namespace flexsync {

/// Extends `crc` (0 to start) over `size` bytes.
uint32_t crc32c(uint32_t crc, const void* data, size_t size);

} // namespace flexsync
