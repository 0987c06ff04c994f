#pragma once

// The nemesis itself: carries out a fault event on the cluster and lifts it
// again, and counts what it did.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scenarios/nemesis/cluster.hpp"
#include "scenarios/nemesis/schedule.hpp"

namespace flexsync::nemesis {

class nemesis {
public:
  explicit nemesis(cluster& c) : cluster_(c) {}

  /// Starts `ev`; returns the node it hit (the leader for events aimed at
  /// the leader, when one is known).
  size_t start(const fault_event& ev);

  /// Lifts `ev`, started on `target`.
  void stop(const fault_event& ev, size_t target);

  /// Events carried out, by kind.
  const std::map<std::string, int>& counts() const { return counts_; }
  int total() const;

  /// What the last start() did beyond describe(ev) (the file size limit of
  /// a full disk), for the run's output; may be empty.
  const std::string& note() const { return note_; }

  /// Full-disk episodes in which the victim's write failed (it logged
  /// failed_write_text).
  int disk_full_bites() const { return disk_full_bites_; }

  /// What the victims of full disks did wrong: no exit after the failed
  /// write, an exit other than status 70, a flood of lines. Empty when
  /// nothing.
  const std::vector<std::string>& disk_full_problems() const {
    return disk_full_problems_;
  }

  /// How a write past the file size limit fails (strerror(EFBIG)).
  static constexpr const char* failed_write_text = "File too large";

  /// More lines than this about one failed write are a flood.
  static constexpr size_t max_lines_per_failed_write = 2;

private:
  size_t start_disk_full(const fault_event& ev, size_t target);
  void stop_disk_full(size_t target);

  cluster& cluster_;
  std::map<std::string, int> counts_;
  std::string note_;
  /// The victim's failed_write_text lines before the current episode.
  size_t lines_before_ = 0;
  int disk_full_bites_ = 0;
  std::vector<std::string> disk_full_problems_;
};

/// The lines of `n`'s whole log that contain `text`.
size_t count_lines(const node_child& n, const std::string& text);

/// The size of the newest journal segment in `data_dir` (the file the node
/// appends to), 0 without one.
uint64_t journal_size(const std::string& data_dir);

} // namespace flexsync::nemesis
