#pragma once

// Counts the C++ heap allocations of the whole process (every thread): this
// file's translation unit replaces the global operator new and delete with
// versions that count and call malloc/free. Linked into flexsync-node only,
// so that its benchmark commands can say how many allocations one command
// costs (issue 13); the price is one relaxed atomic increment per
// allocation. Allocations by C code (malloc directly, OpenSSL) are not
// counted.

#include <cstdint>

namespace flexsync::examples {

/// Allocations through operator new since the process started.
uint64_t allocations();

} // namespace flexsync::examples
