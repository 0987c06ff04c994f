#pragma once

// The on-disk storage: an append-only journal of segment files plus a small
// meta file, over the disk interface.
//
// - Segments `journal-<first index>.seg` start with a versioned header; each
//   record is [length][CRC32C][entry], little-endian. Offsets are 64-bit and
//   segments rotate at a configurable size: there is no 4 GiB limit.
// - `meta` holds current_term, voted_for and the commit index, replaced
//   atomically (write temp, sync, rename, sync dir). The snapshot boundary
//   comes from the snapshot the node restores (see recover()).
//   Term and vote are written before save_term_and_vote returns; the commit
//   index (an optimization for replay at restart) at most every
//   commit_persist_interval, at a sync().
// - sync() applies the fsync policy: `always` fsyncs the segment (group
//   commit: the log store calls it once per batch of messages), `periodic`
//   only once the oldest unsynced write is older than fsync_period (a bounded
//   loss window), `never` not at all (tests and benchmarks only).
// - Opening scans every segment: a torn or corrupt last record is cut off
//   and logged; corruption followed by valid data refuses to start with a
//   storage_error naming the file and offset.
//
// Entries since the snapshot boundary are also kept in memory (served from
// there); compaction keeps that bounded. Segments are deleted only below a
// boundary the caller names (drop_segments_through), so the previous
// snapshot stays usable with the journal after it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/memory_storage.hpp"
#include "snapshot/disk/disk.hpp"

namespace flexsync {

/// Thrown by journal::recover() when the journal does not continue the
/// given snapshot (entries between them are missing): an older snapshot may
/// still fit.
class journal_gap_error : public storage_error {
public:
  using storage_error::storage_error;
};

class work_progress;

struct journal_options {
  fsync_policy fsync = fsync_policy::always;
  /// `periodic`: the longest time written data may stay unsynced.
  int64_t fsync_period_ns = 10'000'000;
  /// A new segment starts once the current one reaches this size.
  uint64_t segment_bytes = 64ull << 20;
  /// The commit index is written to `meta` at most this often.
  int64_t commit_persist_interval_ns = 100'000'000;
  /// Monotonic nanoseconds (for the periodic policies); steady_clock when
  /// unset.
  std::function<int64_t()> clock;
  /// Receives one line per notable recovery event (cut tails).
  std::function<void(const std::string&)> log;
  /// Receives the replay's progress (protocol/work_progress.hpp): a line
  /// every 2 s while it runs, and one at its end. Optional.
  std::function<void(const std::string&)> progress;
};

class journal : public storage {
public:
  /// Opens the journal in `d` (reading its meta file). Call recover()
  /// before anything else.
  /// @throws storage_error on I/O errors or a corrupt meta file.
  journal(std::shared_ptr<disk> d, journal_options opts);

  /// Loads the entries after the snapshot the node restored from (index 0
  /// without one), cutting a torn tail.
  /// @throws storage_error on I/O errors, on corruption that is not a torn
  /// tail, and when the journal does not continue the snapshot.
  void recover(index_t snapshot_index, term_t snapshot_term,
               int64_t snapshot_time);
  ~journal() override;

  // -- log_view / storage ------------------------------------------------------

  index_t snapshot_index() const override { return mem_.snapshot_index(); }
  index_t last_index() const override { return mem_.last_index(); }
  term_t term_at(index_t i) const override { return mem_.term_at(i); }
  term_t current_term() const override { return mem_.current_term(); }
  std::optional<node_id> voted_for() const override {
    return mem_.voted_for();
  }
  void save_term_and_vote(term_t term,
                          std::optional<node_id> voted_for) override;
  void sync() override;
  void append(entry_list entries) override;
  void truncate_suffix(index_t from) override;
  void entries(index_t from, index_t to, size_t max_bytes,
               entry_list& out) const override {
    mem_.entries(from, to, max_bytes, out);
  }
  index_t commit_index() const override { return mem_.commit_index(); }
  void save_commit_index(index_t index) override;
  void install_snapshot(index_t index, term_t term, int64_t time) override;
  int64_t last_time() const override { return mem_.last_time(); }
  size_t entry_count() const override { return mem_.entry_count(); }
  size_t byte_size() const override { return mem_.byte_size(); }

  // -- journal-specific ----------------------------------------------------------

  /// Deletes the segments that hold only entries up to `index`.
  void drop_segments_through(index_t index);

  /// Bytes of all segment files.
  uint64_t disk_bytes() const;

  const disk& storage_disk() const { return *disk_; }

private:
  struct segment;
  struct location {
    size_t segment;
    uint64_t offset;
  };

  void load_meta();
  void write_meta();
  /// Scans segment `i`; reports to `progress` (when set) with `base`
  /// bytes of earlier segments done.
  void scan_segment(size_t i, bool last, work_progress* progress = nullptr,
                    uint64_t base = 0);
  void open_new_segment(index_t first);
  void drop_from(size_t segment, uint64_t offset);
  location& location_of(index_t i);

  std::shared_ptr<disk> disk_;
  journal_options opts_;
  memory_storage mem_;
  std::vector<std::unique_ptr<segment>> segments_;
  std::vector<location> locations_; // one per entry in mem_, in order
  bool dirty_ = false;
  bool dropped_tail_ = false;
  int64_t oldest_unsynced_ = 0;
  index_t persisted_commit_;
  int64_t commit_persisted_at_ = 0;
};

} // namespace flexsync
