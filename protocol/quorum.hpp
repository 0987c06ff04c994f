#pragma once

// Quorum systems as values (in the spirit of etcd's quorum package).
//
// A quorum system answers two questions over the voters of a configuration:
// is a set of nodes an election quorum (Q1), and is it a replication quorum
// (Q2)? Raft's safety needs every Q1 to meet every Q2 (a new leader sees every
// committed entry) and, because terms are shared between candidates, every Q1
// to meet every other Q1 (at most one leader per term). Construction checks
// both and refuses an unsafe system with a config_error naming two disjoint
// quorums. Majority is the special case Q1 = Q2 = floor(n/2) + 1.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/config_error.hpp"
#include "protocol/types.hpp"

namespace flexsync {

using node_set = std::set<node_id>;

class quorum_system {
public:
  enum class kind : uint8_t { majority, counting };

  /// Every set holding more than half of `voters`.
  static quorum_system majority(std::vector<node_id> voters);

  /// Any `election_quorum` voters elect a leader and any `replication_quorum`
  /// voters commit an entry (Flexible Paxos with counting quorums).
  /// @throws config_error when the sizes are out of range or unsafe.
  static quorum_system counting(std::vector<node_id> voters,
                                size_t election_quorum,
                                size_t replication_quorum);

  /// Returns why counting(n, election_quorum, replication_quorum) is unsafe
  /// or invalid, or nothing when it is safe.
  static std::optional<std::string>
  check_counting(const std::vector<node_id>& voters, size_t election_quorum,
                 size_t replication_quorum);

  /// Both systems at once (a joint configuration C_old,new during a
  /// membership change): a set is a quorum only when it is one of `now`
  /// and one of `old`, and an entry is committed only when both commit it.
  /// Each part was validated on its own, so the joint system is safe too.
  static quorum_system joint(quorum_system now, quorum_system old);

  quorum_system() = default;

  kind type() const { return kind_; }

  /// The voters (of both parts while joint), sorted and without duplicates.
  const std::vector<node_id>& voters() const {
    return old_.empty() ? voters_ : all_voters_;
  }

  /// Whether this is a joint system, and its C_old part.
  bool is_joint() const { return !old_.empty(); }
  const quorum_system* old_part() const {
    return old_.empty() ? nullptr : &old_.front();
  }

  bool is_voter(const node_id& x) const;

  /// Smallest number of voters that can form an election quorum (of the
  /// C_new part while joint).
  size_t election_quorum() const { return q1_; }

  /// Smallest number of voters that can form a replication quorum.
  size_t replication_quorum() const { return q2_; }

  /// Q1: may a candidate holding the votes of `xs` become leader?
  bool is_election_quorum(const node_set& xs) const;

  /// Q2: does an entry stored on `xs` count as committed?
  bool is_replication_quorum(const node_set& xs) const;

  /// The highest index N such that the voters whose match index is >= N form
  /// a replication quorum. Voters missing from `match` count as 0.
  index_t committed_index(const std::map<node_id, index_t>& match) const;

  /// E.g. "majority(3)" or "counting(n=4, election=3, replication=2)".
  std::string to_string() const;

  bool operator==(const quorum_system&) const = default;

private:
  quorum_system(kind k, std::vector<node_id> voters, size_t q1, size_t q2);

  size_t count_voters(const node_set& xs) const;

  bool is_own_voter(const node_id& x) const;

  kind kind_ = kind::majority;
  /// The voters of this (C_new) part.
  std::vector<node_id> voters_;
  /// While joint: the C_old part (one element) and the union of voters.
  std::vector<quorum_system> old_;
  std::vector<node_id> all_voters_;
  // A default-constructed system has no voters: nothing is a quorum.
  size_t q1_ = 1;
  size_t q2_ = 1;
};

} // namespace flexsync
