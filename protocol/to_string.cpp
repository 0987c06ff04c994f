// String forms of the protocol's enums.

#include "protocol/fail_reason.hpp"
#include "protocol/types.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

const char* to_string(raft_role x) {
  switch (x) {
    case raft_role::follower:
      return "follower";
    case raft_role::candidate:
      return "candidate";
    default:
      return "leader";
  }
}

const char* to_string(fail_reason x) {
  switch (x) {
    case fail_reason::success:
      return "success";
    case fail_reason::queue_full:
      return "queue_full";
    case fail_reason::no_leader:
      return "no_leader";
    case fail_reason::discarded:
      return "discarded";
    case fail_reason::not_leader:
      return "not_leader";
    case fail_reason::leader_changed:
      return "leader_changed";
    case fail_reason::request_denied:
      return "request_denied";
    case fail_reason::stopped:
      return "stopped";
    case fail_reason::timeout:
      return "timeout";
    case fail_reason::quorum_lost:
      return "quorum_lost";
    case fail_reason::bad_command:
      return "bad_command";
    case fail_reason::would_block:
      return "would_block";
    default:
      return "change_in_progress";
  }
}

const char* to_string(vote_kind x) {
  switch (x) {
    case vote_kind::normal:
      return "normal";
    case vote_kind::bootstrap:
      return "bootstrap";
    default:
      return "recover";
  }
}

} // namespace flexsync
