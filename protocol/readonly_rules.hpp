#pragma once

// Read-only nodes that join unconfigured (PySyncObj's read-only nodes): a
// node that no configuration lists dials the voters with the learner flag in
// its hello; voters configured with node_config::admit_non_member link with
// it, and the leader replicates to it with its own progress while it
// answers. The decisions, pure:
//
//  - which hello an acceptor admits (admit_hello);
//  - which admitted non-members the leader starts and stops replicating to
//    (sync_readonly): linked ones start, unlinked or silent ones are dropped;
//  - that such a node has no say in terms (outsider_reply_deposes).
//
// Safety: a non-member is never a voter of any configuration, so the quorum
// system ignores it for commit, elections, check-quorum and has_quorum
// (quorum.hpp counts voters only); its vote requests are refused by
// vote_rules.hpp, and its messages that reach a voter's election or log
// store are dropped by the transport (only replies, forwarded commands and
// reads pass). A non-member becomes a voter only through a membership change.

#include <algorithm>
#include <map>
#include <vector>

#include "protocol/check_quorum.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// What an acceptor knows about the sender of a hello.
struct hello_facts {
  /// The sender is one of this node's members (voters or configured
  /// learners): it links under the dial rule.
  bool member = false;
  /// The sender's address is greater than this node's: between members the
  /// greater address dials.
  bool sender_greater = false;
  /// The hello says the sender is a read-only node.
  bool learner = false;
  /// This node admits unconfigured read-only nodes (admit_non_member).
  bool admit_learners = false;
  /// A test hook admits this sender by name (tcp_transport_config).
  bool hook_admits = false;
};

enum class hello_verdict : uint8_t {
  /// Link as a member.
  admit_member,
  /// Link as an unconfigured read-only node.
  admit_non_member,
  /// A member that should wait to be dialed.
  dial_rule,
  /// Neither a member nor an admitted read-only node.
  not_member,
};

hello_verdict admit_hello(const hello_facts& f);

const char* to_string(hello_verdict x);

/// What the leader changes in its set of non-member read-only followers.
struct readonly_changes {
  /// Linked non-members it does not replicate to yet: start, with fresh
  /// progress.
  std::vector<node_id> add;
  /// Tracked ones that are no longer linked, or answered nothing for longer
  /// than the bound: forget their progress. They may come back later.
  std::vector<node_id> drop;
};

/// The leader's sync of its non-member followers. `linked`: the peers the
/// transport links it with; `is_member`: in the configuration in effect;
/// `tracked`: the non-member followers and when each last answered (or was
/// added); `bound`: how long one may stay silent. With `admit` false (this
/// node does not admit non-members) every tracked one is dropped and none
/// added. A tracked node that became a member is neither: the membership
/// code owns it from then on.
template <class IsMember>
readonly_changes sync_readonly(const node_id& self,
                               const std::vector<node_id>& linked,
                               IsMember is_member,
                               const std::map<node_id, sim_time>& tracked,
                               sim_time now, sim_time bound, bool admit) {
  readonly_changes out;
  for (auto& [id, last] : tracked) {
    if (is_member(id))
      continue;
    bool still_linked
      = std::find(linked.begin(), linked.end(), id) != linked.end();
    if (!admit || !still_linked || now - last > bound)
      out.drop.push_back(id);
  }
  if (!admit)
    return out;
  for (auto& p : linked)
    if (p != self && !is_member(p) && !tracked.count(p))
      out.add.push_back(p);
  return out;
}

/// §5.1: a reply with a newer term ends a leadership, but only a member's
/// reply: a node outside the configuration (an unconfigured read-only node,
/// or anyone unknown) never changes a voter's term. `outsider`: the sender
/// is not in the configuration and not a follower kept from it.
bool outsider_reply_deposes(bool outsider, term_t reply_term, term_t node_term,
                            term_t lead_term);

} // namespace flexsync
