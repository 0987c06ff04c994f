#pragma once

// Read access to a log, as the pure decision functions need it. The storage
// interface extends it; tests implement it over a plain vector.

#include "protocol/types.hpp"

namespace flexsync {

class log_view {
public:
  virtual ~log_view() = default;

  /// Index of the last entry covered by the latest snapshot (0 without one).
  /// Entries at or below it are committed and no longer held.
  virtual index_t snapshot_index() const = 0;

  /// Index of the last entry, or snapshot_index() when the log is empty.
  virtual index_t last_index() const = 0;

  /// Term of the entry at `i` for snapshot_index() <= i <= last_index()
  /// (term 0 at index 0); term 0 for any other index.
  virtual term_t term_at(index_t i) const = 0;

  /// Term of the last entry (or of the snapshot boundary).
  term_t last_term() const { return term_at(last_index()); }
};

} // namespace flexsync
