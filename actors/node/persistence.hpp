#pragma once

// Opening a node's durable state at start: the storage the log store uses,
// the snapshot files, and the snapshot the state machines restart from.
// CAF-free.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "protocol/config.hpp"
#include "protocol/storage.hpp"
#include "snapshot/disk/disk.hpp"
#include "snapshot/log/journal.hpp"
#include "snapshot/files/recovery_marker.hpp"
#include "snapshot/files/snapshot_store.hpp"

namespace flexsync {

struct node_persistence {
  /// What the log store reads and writes.
  std::shared_ptr<storage> store;
  /// The journal behind `store` in disk mode; null in memory mode.
  std::shared_ptr<journal> log_journal;
  /// Snapshot files (on a memory disk in memory mode).
  std::shared_ptr<snapshot_store> snapshots;
  /// The snapshot the state machines restore before replaying the log.
  std::shared_ptr<const loaded_snapshot> restored;
  /// The node starts without its Raft state (protocol/recovery.hpp): memory
  /// mode always; disk mode when the data directory held no state, or the
  /// node was still recovering when it stopped.
  bool fresh = false;
  /// The promise a recovering disk node was bound by when it stopped.
  std::optional<promise> promised;
  /// Where a disk node records that it is recovering (records nothing in
  /// memory mode).
  std::shared_ptr<recovery_marker> marker;
};

/// Whether `s` holds no Raft state at all: term 0, no vote, no entry, no
/// snapshot (a first start, or a lost state).
bool holds_no_state(const storage& s);

/// Opens the node's durable state. In memory mode (no data_dir and no
/// `d`), everything starts empty. Otherwise, on `d` or on the directory
/// data_dir: the newest valid snapshot that the journal continues is chosen
/// (a corrupt newest snapshot falls back to the previous one), and the
/// journal is recovered after it. A disk node without state is marked as
/// recovering on disk before this returns.
/// @param log receives one line per recovery event.
/// @param clock monotonic nanoseconds, for the fsync policies.
/// @param progress receives the journal replay's progress lines (info).
/// @throws storage_error when the durable state cannot be used.
node_persistence open_persistence(const node_config& cfg,
                                  std::shared_ptr<disk> d,
                                  std::function<void(const std::string&)> log,
                                  std::function<int64_t()> clock,
                                  std::function<void(const std::string&)>
                                    progress = {});

} // namespace flexsync
