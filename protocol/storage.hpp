#pragma once

// The durable state of one node: current_term, voted_for, the log and the
// commit index. The log store actor is its only user. Implementations: memory
// (this issue) and an on-disk journal (next issue).
//
// Durability contract: mutating calls may buffer; sync() makes everything
// before it as durable as the implementation promises (memory: process
// lifetime; journal: per its fsync policy). The log store sends nothing that
// depends on a change before the sync() after it returned. Storage failures
// (disk full, EIO) throw; the node stops on them.

#include <cstddef>
#include <optional>

#include "protocol/log_entry.hpp"
#include "protocol/log_view.hpp"

namespace flexsync {

class storage : public log_view {
public:
  /// The latest term this node has seen (§5.1).
  virtual term_t current_term() const = 0;

  /// The candidate that received this node's vote in current_term().
  virtual std::optional<node_id> voted_for() const = 0;

  /// Atomically replaces term and vote.
  virtual void save_term_and_vote(term_t term,
                                  std::optional<node_id> voted_for) = 0;

  /// Makes every change so far durable (see the contract above).
  virtual void sync() = 0;

  /// True when every change is as durable as it gets the moment it is made
  /// (memory: sync() has nothing to do), so what depends on a change need
  /// not wait for a sync().
  virtual bool durable_at_once() const { return false; }

  /// Appends entries; the first must have index last_index() + 1.
  virtual void append(entry_list entries) = 0;

  /// Removes every entry with an index >= `from` (> snapshot_index()).
  virtual void truncate_suffix(index_t from) = 0;

  /// Copies entries [from, to] into `out`, stopping early once `max_bytes` is
  /// reached (at least one entry is copied). Requires
  /// snapshot_index() < from <= to <= last_index().
  virtual void entries(index_t from, index_t to, size_t max_bytes,
                       entry_list& out) const = 0;

  /// The highest index known to be committed, persisted so a restarted node
  /// can replay committed entries without waiting for peers.
  virtual index_t commit_index() const = 0;

  /// Raises the persisted commit index; it never decreases.
  virtual void save_commit_index(index_t index) = 0;

  /// Moves the snapshot boundary to `index` (of term `term`, stamped `time`),
  /// whose state a snapshot now holds: entries up to it are dropped. If the
  /// log holds `index` with another term, or not at all, every entry is
  /// dropped (§7); otherwise the entries after it stay. The commit index
  /// becomes at least `index`.
  virtual void install_snapshot(index_t index, term_t term, int64_t time) = 0;

  /// Time stamped on the last entry, or on the snapshot's last entry when
  /// the log is empty.
  virtual int64_t last_time() const = 0;

  /// Number of entries held and their payload bytes (status).
  virtual size_t entry_count() const = 0;
  virtual size_t byte_size() const = 0;
};

} // namespace flexsync
