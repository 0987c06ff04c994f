#pragma once

// Quorum systems as values (in the spirit of etcd's quorum package).
//
// A quorum system answers two questions over the voters of a configuration:
// is a set of nodes an election quorum (Q1), and is it a replication quorum
// (Q2)? Raft's safety needs every Q1 to meet every Q2 (a new leader sees every
// committed entry) and, when terms are shared between candidates, every Q1
// to meet every other Q1 (at most one leader per term); with owned terms
// (term_owner.hpp) one candidate per term gives that instead. Construction
// checks what the system's term mode needs and refuses an unsafe system with
// a config_error naming two disjoint quorums. The system remembers its term
// mode, so that campaigns and votes use the configuration's.
//
// Kinds (quorum_spec.hpp says how each is written):
// - majority: Q1 = Q2 = more than half of the voters;
// - counting: any |Q1| voters elect, any |Q2| voters commit;
// - grid: the voters in rows x columns; a full row elects and a full column
//   commits (or the reverse). Two rows are disjoint, so a grid of two or more
//   election lines is unsafe with shared terms;
// - weighted: each voter has a positive weight; voters of total weight W1
//   elect, of W2 commit;
// - zones (WPaxos): each voter has a zone; f_n+1 voters in each of f_z+1
//   zones commit (latency comes from the farthest of those zones, so a leader
//   commits fastest when they include its own), and size-f_n voters in each
//   of all but f_z zones elect, so every Q1 meets every Q2;
// - joint: two systems at once, during a membership change.
//
// Invariants: voters are sorted and distinct; a non-default system passed
// its validation; a default-constructed system has no voters and nothing is
// a quorum of it.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/config_error.hpp"
#include "protocol/quorum_spec.hpp"
#include "protocol/types.hpp"

namespace flexsync {

using node_set = std::set<node_id>;

class quorum_system {
 public:
  using kind = quorum_kind;

  /// Every set holding more than half of `voters`.
  static quorum_system majority(std::vector<node_id> voters);

  /// Any `election_quorum` voters elect a leader and any `replication_quorum`
  /// voters commit an entry (Flexible Paxos with counting quorums).
  /// @throws config_error when the sizes are out of range or unsafe.
  static quorum_system counting(std::vector<node_id> voters,
                                size_t election_quorum,
                                size_t replication_quorum);

  /// Returns why counting(n, election_quorum, replication_quorum) is unsafe
  /// (under `terms`) or invalid, or nothing when it is safe.
  static std::optional<std::string>
  check_counting(const std::vector<node_id>& voters, size_t election_quorum,
                 size_t replication_quorum,
                 term_mode terms = term_mode::shared);

  /// Returns why `spec` over `voters` is invalid (a parameter out of range, a
  /// voter without its label, a label for a non-voter, a grid whose shape
  /// does not fit, a zone too small) or unsafe under `terms` (naming two
  /// disjoint quorums), or nothing when it is a safe quorum system.
  static std::optional<std::string> check(const std::vector<node_id>& voters,
                                          const quorum_spec& spec,
                                          term_mode terms = term_mode::shared);

  /// The system `spec` describes over `voters`, with terms given by
  /// `terms`.
  /// @throws config_error with check's message.
  static quorum_system make(std::vector<node_id> voters,
                            const quorum_spec& spec,
                            term_mode terms = term_mode::shared);

  /// Both systems at once (a joint configuration C_old,new during a
  /// membership change): a set is a quorum only when it is one of `now`
  /// and one of `old`, and an entry is committed only when both commit it.
  /// Each part was validated on its own, so the joint system is safe too.
  static quorum_system joint(quorum_system now, quorum_system old);

  quorum_system() = default;

  /// The kind of this (C_new) part.
  kind type() const { return spec_.kind; }

  /// This (C_new) part as a spec, its labels and a grid's order filled in.
  const quorum_spec& spec() const { return spec_; }

  /// The voters (of both parts while joint), sorted and without duplicates.
  const std::vector<node_id>& voters() const {
    return old_.empty() ? voters_ : all_voters_;
  }

  /// How terms are given to candidates (of the C_new part while joint).
  term_mode terms() const { return terms_; }

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

  /// E.g. "majority(3)", "counting(n=4, election=3, replication=2)" or
  /// "grid(2x2, elect=rows, rows {a,b} {c,d})".
  std::string to_string() const;

  bool operator==(const quorum_system&) const = default;

 private:
  enum class phase : uint8_t { election, replication };

  /// A validated system; `spec` has its labels, `voters` are normalized.
  quorum_system(std::vector<node_id> voters, quorum_spec spec);

  /// Fills label_, zone_size_, q1_ and q2_ from spec_.
  void index_labels();

  /// Whether voter i (of voters_) is in `xs`, for each i.
  std::vector<char> present(const node_set& xs) const;

  /// Whether the voters marked in `in` are a quorum of this part.
  bool meets(phase p, const std::vector<char>& in) const;

  /// The voter-count, weight or zone-count threshold of `p`.
  size_t threshold(phase p) const;

  bool grid_meets(phase p, const std::vector<char>& in) const;
  bool zones_meet(phase p, const std::vector<char>& in) const;

  /// Whether a grid's lines of phase `p` are its rows.
  bool lines_are_rows(phase p) const;

  /// committed_index of this part alone; `m` is each voter's match index.
  uint64_t own_committed(const std::vector<uint64_t>& m) const;
  uint64_t grid_committed(const std::vector<uint64_t>& m) const;
  uint64_t weighted_committed(const std::vector<uint64_t>& m) const;
  uint64_t zones_committed(const std::vector<uint64_t>& m) const;

  /// This part without its C_old.
  quorum_system own_part() const;

  bool is_own_voter(const node_id& x) const;

  /// Kind, parameters and labels; for majority the sizes it implies.
  quorum_spec spec_;
  /// The voters of this (C_new) part.
  std::vector<node_id> voters_;
  /// Per voter of voters_: grid: its cell (row * columns + column);
  /// weighted: its weight; zones: its zone's number (zones sorted by name).
  std::vector<size_t> label_;
  /// zones: voters per zone number.
  std::vector<size_t> zone_size_;
  term_mode terms_ = term_mode::shared;
  /// While joint: the C_old part (one element) and the union of voters.
  std::vector<quorum_system> old_;
  std::vector<node_id> all_voters_;
  // A default-constructed system has no voters: nothing is a quorum.
  size_t q1_ = 1;
  size_t q2_ = 1;
};

/// How many voters may be without their state (down, or restarted without
/// it) at once while every election quorum keeps one that has it, and the
/// others still form an election and a replication quorum: the largest k
/// such that no set of k voters is a quorum of either kind and its
/// complement is one of both. For counting systems min(Q1 - 1, n - Q1,
/// n - Q2). Tries every subset for other kinds: meant for up to 20 voters
/// (larger ones of those kinds get 0).
size_t tolerated_losses(const quorum_system& q);

} // namespace flexsync
