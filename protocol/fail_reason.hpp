#pragma once

/// @enum flexsync::fail_reason
/// Why a replicated call did not succeed. Every failed call carries exactly one
/// of these, and each says whether the command may still have been applied:
/// callers can safely retry a command whose outcome is `not_applied`.

#include <cstdint>
#include <string>

namespace flexsync {

enum class fail_reason : uint8_t {
  /// Applied on this node; the result is valid.
  success = 0,
  /// The pending-command queue was full; not applied.
  queue_full = 1,
  /// No leader was known and the node does not wait for one; not applied.
  no_leader = 2,
  /// The command was appended by this node as leader, but a later leader
  /// overwrote it; not applied.
  discarded = 3,
  /// The command was forwarded to a node that is not the leader of the term
  /// the forwarder assumed; not applied.
  not_leader = 4,
  /// Leadership changed before the command was committed; an entry of a later
  /// term was applied first, so it can never be applied; not applied.
  leader_changed = 5,
  /// A membership or version change was refused; not applied.
  request_denied = 6,
  /// The node stopped while the call was pending; outcome unknown.
  stopped = 7,
  /// The call's deadline passed; outcome unknown.
  timeout = 8,
  /// The leader the command was bound to stepped down because it lost
  /// contact with a replication quorum (check-quorum); outcome unknown.
  quorum_lost = 9,
  /// The command could not be encoded or names an unknown state machine or
  /// operation; not applied.
  bad_command = 10,
  /// A blocking call was made from inside the node's own context, where it
  /// would deadlock; not submitted.
  would_block = 11,
  /// A membership change was asked for while another one is still in
  /// flight (one configuration change at a time); not applied.
  change_in_progress = 12,
};

/// The highest fail_reason value (for tables indexed by reason).
constexpr fail_reason last_fail_reason = fail_reason::change_in_progress;

/// The reason's name, e.g. "queue_full".
const char* to_string(fail_reason x);

/// True when the reason proves the command was never applied anywhere.
constexpr bool proves_not_applied(fail_reason x) {
  switch (x) {
    case fail_reason::queue_full:
    case fail_reason::no_leader:
    case fail_reason::discarded:
    case fail_reason::not_leader:
    case fail_reason::leader_changed:
    case fail_reason::request_denied:
    case fail_reason::bad_command:
    case fail_reason::would_block:
    case fail_reason::change_in_progress:
      return true;
    default:
      return false;
  }
}

} // namespace flexsync
