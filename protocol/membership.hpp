#pragma once

// Cluster configurations and how they change: the membership manager's rules
// as pure values (Raft thesis §4.3, joint consensus; ScyllaDB's
// enter_joint/leave_joint; etcd's confchange).
//
// A configuration lives in the log as a `config` entry and takes effect on a
// node as soon as that entry is in its log, committed or not (thesis §4.1);
// truncating the entry reverts to the one before. Every change of voters or
// of the quorum system goes through a joint configuration C_old,new, in
// which an election and a commit need a quorum of C_old *and* one of C_new,
// and only then to C_new; a change of learners alone (they never count)
// goes directly. The leader proposes a change only when the latest
// configuration in its log is committed, not joint, and it has committed an
// entry of its own term, so at most one change is ever in flight. New voters
// first join as learners and are promoted only once caught up, so adding a
// node never leaves the cluster waiting for it.
//
// Invariants: every configuration a node holds is one its log produced; a
// joint configuration is followed only by its own C_new.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/fail_reason.hpp"
#include "protocol/quorum.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// A configuration as users name it: who votes, who only learns, and which
/// quorum system the voters use.
struct membership {
  /// The voters, sorted, without duplicates.
  std::vector<node_id> voters;
  /// Read-only members (Raft learners), sorted, none of them a voter.
  std::vector<node_id> learners;
  /// The quorum system with every voter's label (a weight, a zone, a
  /// grid's order), or nothing for majority.
  std::optional<quorum_spec> quorum;
  /// How terms are given to candidates (the cluster's node_config::terms);
  /// it never changes at run time (see admit_change).
  term_mode terms = term_mode::shared;

  /// The quorum system of the voters, under `terms`.
  /// @throws config_error when it is unsafe or invalid.
  quorum_system make_quorum() const;

  bool is_voter(const node_id& x) const;
  bool is_learner(const node_id& x) const;
  /// Voters and learners.
  bool is_member(const node_id& x) const;

  /// Sorts, removes duplicates and drops learners that are voters; a
  /// majority spec becomes nothing and a grid without an order gets the
  /// sorted voters as its order.
  membership& normalize();

  /// E.g. "voters {a,b,c}, learners {d}, majority".
  std::string to_string() const;

  bool operator==(const membership&) const;
};

/// Why `m` cannot be a configuration (no voter, an empty name, an unsafe
/// quorum system), or nothing.
std::optional<std::string> check_membership(const membership& m);

/// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
/// U+10FFFF): config entries hold node names and zones as JSON strings.
bool valid_utf8(const std::string& s);

/// The configuration a node holds: C_new and, during a change of voters or
/// quorum system, C_old (a joint configuration).
struct configuration {
  /// C_new (the only configuration when not joint).
  membership current;
  /// C_old while joint.
  std::optional<membership> old;

  bool joint() const { return old.has_value(); }

  /// The quorum system of the configuration: current's, or both at once
  /// while joint. A configuration without voters (a node that joins and has
  /// not heard from the cluster yet) has an empty system: nothing is a
  /// quorum.
  quorum_system quorum() const;

  /// Voters of either part.
  bool is_voter(const node_id& x) const;
  /// Everyone the leader replicates to, besides itself: the voters of both
  /// parts and the learners, sorted.
  std::vector<node_id> members() const;

  std::string to_string() const;

  bool operator==(const configuration&) const;
};

/// The configuration before any config entry: the node's static voters,
/// learners and quorum; no voters when it joins an existing cluster.
configuration bootstrap_configuration(const node_config& cfg);

/// Entry payload of a configuration (self-describing, versioned).
std::string encode_configuration(const configuration& x);

/// Parses a payload of encode_configuration; nothing when malformed.
std::optional<configuration> decode_configuration(const std::string& data);

/// The outcome of a membership request.
struct change_result {
  fail_reason reason = fail_reason::success;
  /// One line: what happened or why it was refused.
  std::string detail;

  bool ok() const { return reason == fail_reason::success; }

  static change_result success(std::string detail = {}) {
    return {fail_reason::success, std::move(detail)};
  }
  static change_result denied(std::string detail) {
    return {fail_reason::request_denied, std::move(detail)};
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change_result& x) {
  return f(x.reason, x.detail);
}

/// On the wire, majority is a quorum_spec of kind majority.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, membership& x) {
  auto q = x.quorum.value_or(quorum_spec{});
  auto load = [&] {
    if constexpr (Inspector::writes_state) {
      if (q.kind != quorum_kind::majority)
        x.quorum = std::move(q);
      else
        x.quorum.reset();
    }
  };
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(x.voters, x.learners, q, x.terms);
    load();
  } else {
    auto result = f(x.voters, x.learners, q, x.terms);
    load();
    return result;
  }
}

// -- requests ---------------------------------------------------------------

/// What a membership request asks for.
enum class change_op : uint8_t {
  /// Make `node` a voter (through learner, then joint consensus).
  add_voter = 0,
  /// Make `node` a learner.
  add_learner = 1,
  /// Remove `node`, voter or learner.
  remove = 2,
  /// Make `target` the configuration.
  set = 3,
  /// Hand leadership to `node` (empty: the best voter, protocol/transfer.hpp);
  /// no configuration change, but it travels the same way to the leader.
  transfer_leader = 4,
  /// Enable code version `version` (protocol/code_version.hpp): no
  /// configuration change either; the leader appends a version entry.
  set_version = 5,
};

/// A membership request, handed to the leader's membership manager (by the
/// node it was asked of, over the peer link when that is not the leader).
struct change_request {
  change_op op = change_op::set;
  /// The node added or removed (add_voter, add_learner, remove), or the
  /// transfer target.
  node_id node;
  /// The whole target (set).
  membership target;
  /// Chosen by the asking node, echoed in the reply.
  uint64_t id = 0;
  /// The asking node, to send the reply to.
  node_id from;
  /// Nanoseconds the asker waits: a change that has not reached its joint
  /// configuration by then is given up (a learner that cannot catch up
  /// must not block every later change).
  uint64_t budget_ns = 0;
  /// The code version to enable (set_version).
  uint32_t version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change_request& x) {
  return f(x.op, x.node, x.target, x.id, x.from, x.budget_ns, x.version);
}

/// The leader's answer to a forwarded change_request.
struct change_reply {
  uint64_t id = 0;
  change_result result;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change_reply& x) {
  return f(x.id, x.result);
}

/// Whether `x` is one of change_op's values (peer input is checked).
bool is_known(change_op x);

/// The configuration `req` asks for, applied to `base` (the membership the
/// log will end in).
membership target_of(const change_request& req, const membership& base);


/// The membership `m` with `x` a voter (no longer a learner). The quorum
/// spec is unchanged: a system that labels its voters (weighted, zones,
/// grid) has no label for `x`, so check_membership refuses the result
/// unless `x` already was a voter. Such systems gain voters only through
/// a `set` request whose target labels them.
membership with_voter(membership m, const node_id& x);

/// The membership `m` with `x` a learner, unless it is a voter.
membership with_learner(membership m, const node_id& x);

/// The membership `m` without `x`, and without x's label (its weight, its
/// zone, its cell of a grid, whose shape then no longer fits).
membership without(membership m, const node_id& x);

// -- the leader's steps -------------------------------------------------------

/// Where the leader's log stands, for deciding the next step of a change.
struct change_context {
  /// The latest configuration in the leader's log and its index (0 when it
  /// is the bootstrap configuration or came with a snapshot).
  configuration config;
  index_t config_index;
  index_t commit_index;
  /// The leader's no-op of its term: nothing is proposed before it commits.
  index_t term_start;
  /// The leader's last log index and each follower's match index.
  index_t last_index;
  std::map<node_id, index_t> match;
  /// A learner becomes a voter once it acknowledged an entry and its match
  /// index is within this many entries of the leader's last index.
  uint64_t promotion_lag = 1000;
};

/// What the leader does next toward `target`.
struct change_step {
  enum class kind : uint8_t {
    /// The target is the committed configuration.
    done,
    /// Wait for a commit, or for a learner to catch up.
    wait,
    /// Append `next` as a config entry.
    propose,
  };
  kind what = kind::wait;
  configuration next;
  /// For wait: what is waited for (status and logs).
  std::string why;
};

/// The next step toward `target` (which check_membership accepted).
change_step next_change_step(const change_context& ctx,
                             const membership& target);

/// Leaving a joint configuration needs no request: once C_old,new is
/// committed the leader appends C_new. Returns C_new then, else nothing.
std::optional<configuration> leave_joint(const change_context& ctx);

/// Whether a request for `target` may start while the log stands at `ctx`
/// and `in_flight` is the target of a request already being carried out
/// (if any). Refuses with change_in_progress when another change is under
/// way, request_denied for an invalid target, and with owned terms any change
/// of the voters, the quorum system or the term mode (learners may still come
/// and go): the owner of a term is a slot of the sorted voters, so two
/// configurations could name two owners of one term. Success means "start or
/// join".
change_result admit_change(const change_context& ctx,
                           const std::optional<membership>& in_flight,
                           const membership& target);

/// The configuration a joint one will end in (its C_new), or itself.
membership eventual(const configuration& c);

} // namespace flexsync
