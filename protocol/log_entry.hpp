#pragma once

// One entry of the replicated log.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/shared_bytes.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// What an entry carries. Only `command` entries reach user state machines.
enum class entry_kind : uint8_t {
  /// Appended by every new leader to commit entries of earlier terms (§5.4.2).
  noop = 0,
  /// A client command for a registered state machine.
  command = 1,
  /// A cluster configuration change (dynamic membership, later issue).
  config = 2,
  /// A code-version switch (zero-downtime deploys, later issue).
  version = 3,
};

struct log_entry {
  /// Position of the entry in the log.
  index_t index;
  /// Term of the leader that created the entry.
  term_t term;
  /// What `data` means.
  entry_kind kind = entry_kind::noop;
  /// Identity of the submitting client incarnation (0 for internal entries);
  /// lets the submitter recognize its own command when it is applied and lets
  /// a leader drop duplicated forwards.
  uint64_t client_id = 0;
  /// Per-client sequence number of the command (0 for internal entries).
  uint64_t request_id = 0;
  /// Nanoseconds since the Unix epoch on the leader's clock when it appended
  /// the entry, never lower than the previous entry's: a time every replica
  /// agrees on (lock expiry, for instance, is measured with it).
  int64_t time = 0;
  /// Opaque payload; for commands, the encoded state machine call. Shared
  /// by the entry's copies (the log store's, each follower's frame, the
  /// apply's): copying an entry copies no payload.
  shared_bytes data;

  /// Bytes an entry costs beyond its payload (its fixed fields), for batching.
  static constexpr size_t overhead_bytes = 48;

  /// Approximate size on the wire, used for batching by bytes.
  size_t byte_size() const { return data.size() + overhead_bytes; }

  bool operator==(const log_entry&) const = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_entry& x) {
  return f(x.index, x.term, x.kind, x.client_id, x.request_id, x.time,
           x.data);
}

using entry_list = std::vector<log_entry>;

} // namespace flexsync
