#pragma once

// The durable record that a disk node is recovering a lost state
// (protocol/recovery.hpp): the file `recovering` in its data directory,
// written before the node takes part in anything after a start without
// state and removed once it is intact again. A node restarted while the
// file exists is still recovering, whatever its journal holds by then (its
// term and log were not yet trusted), and keeps the promise it records.
//
// Format: magic, a flag, the promise (term, candidate incarnation,
// candidate), CRC32C; replaced atomically. A corrupt file refuses to start,
// like a corrupt meta file.

#include <memory>
#include <optional>

#include "protocol/incarnation.hpp"
#include "snapshot/disk/disk.hpp"

namespace flexsync {

class recovery_marker {
public:
  /// `d` null: memory mode, which records nothing (it restarts empty).
  explicit recovery_marker(std::shared_ptr<disk> d);

  /// Whether the file exists, and the promise it holds.
  struct contents {
    std::optional<promise> promised;
  };

  /// @throws storage_error on a corrupt file.
  std::optional<contents> load() const;

  /// Records "recovering", bound by `p` if set; durable on return.
  void save(const std::optional<promise>& p);

  /// Removes the record (the node is intact); durable on return.
  void clear();

private:
  std::shared_ptr<disk> disk_;
};

} // namespace flexsync
