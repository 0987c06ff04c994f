#pragma once

// Snapshot files: `snapshot-<last index>.snap`, each
//
//   "FSSNAP01" | version u32 | meta length u32 | meta | payload |
//   payload length u64 | SHA-256 of everything before the hash
//
// where meta holds the last included index, term and entry time, the voters
// (the cluster configuration), the names of the replicated objects and the
// enabled code version. The
// payload is opaque here (the state machine actor writes one record per
// object). A file is written to a temporary name, synced, renamed and the
// directory synced; loading verifies the checksum, and a corrupt file is
// skipped with a log line so the previous snapshot is used instead. The
// newest two snapshots are kept.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/types.hpp"
#include "snapshot/disk/disk.hpp"

namespace flexsync {

struct snapshot_meta {
  index_t last_index;
  term_t last_term;
  int64_t last_time = 0;
  std::vector<node_id> voters;
  std::vector<std::string> objects;
  /// The cluster configuration at last_index (protocol/membership.hpp's
  /// entry encoding); empty in snapshots written before dynamic membership.
  std::string configuration;
  /// The code version enabled at last_index (protocol/code_version.hpp); 0
  /// in snapshots written before versioned operations.
  uint32_t code_version = 0;
};

/// Streams one snapshot file; finish() makes it durable under its name.
class snapshot_writer {
public:
  virtual ~snapshot_writer() = default;
  virtual void append(const char* data, size_t size) = 0;
  /// Writes the trailer, syncs, renames into place and syncs the directory.
  virtual void finish() = 0;
};

struct loaded_snapshot {
  snapshot_meta meta;
  std::string payload;
};

class snapshot_store {
public:
  using log_fn = std::function<void(const std::string&)>;

  snapshot_store(std::shared_ptr<disk> d, log_fn log);

  /// Starts a snapshot file for `meta`.
  std::unique_ptr<snapshot_writer> begin(const snapshot_meta& meta);

  /// Indexes of the snapshot files present, newest first.
  std::vector<index_t> list() const;

  /// Loads and verifies one snapshot; nothing (and a log line) if corrupt.
  std::optional<loaded_snapshot> load(index_t index) const;

  /// Deletes all snapshot files but the newest `keep`. Returns the index of
  /// the oldest one kept (0 if none).
  index_t retain(size_t keep);

  // -- raw access, for streaming to followers ------------------------------

  uint64_t file_size(index_t index) const;

  /// Up to `size` bytes of the file at `offset`.
  std::string read_chunk(index_t index, uint64_t offset, size_t size) const;

  /// Appends received bytes to the partial file of `index` (a first chunk,
  /// offset 0, starts it over). Returns the partial file's size.
  uint64_t receive_chunk(index_t index, uint64_t offset, const std::string& data);

  /// Verifies the received file and moves it into place; nothing if corrupt.
  std::optional<loaded_snapshot> finish_receive(index_t index);

  disk& storage_disk() { return *disk_; }

  static std::string file_name(index_t index);

private:
  std::optional<loaded_snapshot> parse(const std::string& bytes,
                                       const std::string& name) const;

  std::shared_ptr<disk> disk_;
  log_fn log_;
};

} // namespace flexsync
