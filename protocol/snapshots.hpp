#pragma once

// Snapshot install (§7): a leader whose log no longer holds the entries a
// follower needs streams its latest snapshot file to it in chunks, one chunk
// in flight per follower, resuming where the follower's replies say it is.

#include <cstdint>
#include <string>

#include "protocol/incarnation.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// One chunk of the leader's snapshot file.
struct install_snapshot {
  /// The leader's term.
  term_t term;
  /// The leader.
  node_id leader;
  /// Last index and term the snapshot covers.
  index_t last_index;
  term_t last_term;
  /// Where this chunk starts in the snapshot file.
  uint64_t offset = 0;
  /// Size of the whole file.
  uint64_t total_size = 0;
  /// The chunk (about 1 MiB).
  std::string data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, install_snapshot& x) {
  return f(x.term, x.leader, x.last_index, x.last_term, x.offset,
           x.total_size, x.data);
}

/// The follower's answer to a chunk.
struct install_reply {
  /// The follower's current term.
  term_t term;
  /// Who answers.
  node_id follower;
  /// The snapshot this answer is about.
  index_t last_index;
  /// Bytes of that snapshot the follower holds: where the leader continues.
  uint64_t received = 0;
  /// True once the snapshot is verified and installed.
  bool installed = false;
  /// The follower's incarnation (see append_reply).
  incarnation_t incarnation;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, install_reply& x) {
  return f(x.term, x.follower, x.last_index, x.received, x.installed,
           x.incarnation);
}

} // namespace flexsync
