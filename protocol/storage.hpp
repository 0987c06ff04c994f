#pragma once

// The durable state of one node: current_term, voted_for, the log and the
// commit index. The log store actor is its only user. Implementations: memory
// (this issue) and an on-disk journal (next issue).
//
// Durability contract: every mutating call returns once its effect is as
// durable as the implementation promises (memory: process lifetime). The log
// store sends nothing that depends on a change before the call returned.

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

  /// Number of entries held and their payload bytes (status).
  virtual size_t entry_count() const = 0;
  virtual size_t byte_size() const = 0;
};

} // namespace flexsync
