#pragma once

// Which configuration a node is in: the latest one its log holds, committed
// or not (Raft thesis §4.1). The log store keeps this value beside the log
// and updates it with every append, truncation, compaction and snapshot
// install, so the configuration always is the one the log produced:
// truncating a config entry reverts to the one before it.
//
// Invariants: entries are recorded in increasing index order; the base (the
// configuration of the snapshot, or the node's start) sits below every
// recorded entry.

#include <map>

#include "protocol/log_entry.hpp"
#include "protocol/membership.hpp"

namespace flexsync {

class config_log {
public:
  config_log() = default;

  /// `base` holds at `base_index` (a snapshot's last index, or 0).
  config_log(configuration base, index_t base_index);

  /// The configuration in effect: the newest one in the log.
  const configuration& latest() const;

  /// Index of the entry that holds latest() (the base index for the base).
  index_t latest_index() const;

  /// The configuration before latest() (latest() itself when the log holds
  /// no config entry).
  const configuration& previous() const;

  /// The configuration in effect at `index` (for a snapshot taken there).
  const configuration& at(index_t index) const;

  /// Records the config entries among appended `entries`. Returns whether
  /// latest() changed. Entries of other kinds are skipped.
  /// @pre every config entry decodes (the peer codec checks it).
  bool on_append(const entry_list& entries);

  /// The log lost every entry from `from` on. Returns whether latest()
  /// changed.
  bool on_truncate(index_t from);

  /// The log was compacted through `index`: configurations at or below it
  /// fold into the base.
  void on_compact(index_t index);

  /// A received snapshot holding `c` at `index` replaced the log through
  /// `index`; entries above `last_index` (the log's end afterwards) are gone
  /// too. Returns whether latest() changed.
  bool on_install(index_t index, configuration c, index_t last_index);

private:
  configuration base_;
  index_t base_index_;
  std::map<index_t, configuration> entries_;
};

} // namespace flexsync
