#pragma once

// Client command forwarding between nodes. Followers forward client commands
// to the leader they know; the leader appends them or answers with a reason
// and a leader hint.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/fail_reason.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// One client command as submitted on some node.
struct command {
  /// Identity of the submitting client incarnation.
  uint64_t client_id = 0;
  /// Per-client sequence number; increases with every submission.
  uint64_t request_id = 0;
  /// The encoded state machine call.
  std::string data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command& x) {
  return f(x.client_id, x.request_id, x.data);
}

/// Sent by a follower to the leader it knows.
struct forward_command {
  /// The term the sender believes `leader` leads in. A node appends only if it
  /// leads exactly this term, so a late or duplicated forward can never be
  /// appended by a later leader the sender did not bind the command to.
  term_t term;
  /// The forwarding node, where rejections are sent.
  node_id origin;
  /// Lowest request id the origin still waits for, per client in `commands`;
  /// the leader forgets deduplication state below it.
  uint64_t watermark = 0;
  /// The commands, in submission order.
  std::vector<command> commands;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forward_command& x) {
  return f(x.term, x.origin, x.watermark, x.commands);
}

/// Sent by the node that received a `forward_command` it could not append.
/// Successes are not acknowledged: the origin learns them when it applies the
/// entry.
struct forward_reply {
  /// The replier's current term.
  term_t term;
  /// Why the commands were not appended.
  fail_reason reason = fail_reason::not_leader;
  /// The leader the replier knows; empty when it knows none (leader hint).
  node_id leader;
  /// The client of the rejected commands.
  uint64_t client_id = 0;
  /// The rejected request ids.
  std::vector<uint64_t> request_ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forward_reply& x) {
  return f(x.term, x.reason, x.leader, x.client_id, x.request_ids);
}

} // namespace flexsync
