#pragma once

/// @struct flexsync::quorum_spec
/// A quorum system as configuration: its kind, its parameters and the labels
/// it needs of each voter, as plain data. Every node must hold the same one,
/// so it travels whole: in node_config at bootstrap, in config entries of the
/// log (JSON) and in snapshots, and in change requests (CAF inspect).
/// quorum_system (quorum.hpp) is built from it and validates it.
///
/// Text form (node_config, flexsync-node --quorum, scenario files):
///
/// @verbatim
///   majority                               more than half of the voters
///   counting(Q1,Q2)                        any Q1 voters elect, any Q2 commit
///   grid(RxC[,elect=rows|columns][,order=a/b/c/...])
///                                          the voters row by row (sorted
///                                          unless `order` is given); a full
///                                          row elects and a full column
///                                          commits, or the reverse
///   weighted(election=W1,replication=W2)   voters whose weights sum to W1
///                                          elect, to W2 commit
///   zones(fz=F,fn=G)                       WPaxos: G+1 nodes in each of F+1
///                                          zones commit; all but G nodes in
///                                          each of all but F zones elect
/// @endverbatim
///
/// Weights and zones are node labels (node_config::labels; written
/// "name=value,name=value", each split at its last '=').

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/types.hpp"

namespace flexsync {

/// The kind of a quorum system (see quorum_spec).
enum class quorum_kind : uint8_t {
  majority = 0,
  counting = 1,
  grid = 2,
  weighted = 3,
  zones = 4,
};

/// Whether `x` is one of quorum_kind's values (peer input is checked).
bool is_known(quorum_kind x);

/// The kind's name, as the text form writes it ("majority", "grid", ...).
const char* to_string(quorum_kind x);

/// Which lines of a grid are election quorums; the others replicate.
enum class grid_lines : uint8_t { rows = 0, columns = 1 };

/// Whether `x` is one of grid_lines' values (peer input is checked).
bool is_known(grid_lines x);

/// How terms are given to candidates, which decides what safety needs.
/// Every node of a cluster must use the same mode; it is part of the
/// configuration (membership::terms).
enum class term_mode : uint8_t {
  /// Raft's: any candidate may campaign in any term, so besides every
  /// election quorum meeting every replication quorum, every two election
  /// quorums must meet (at most one leader per term).
  shared = 0,
  /// A term number names its only candidate (protocol/term_owner.hpp), so
  /// only election and replication quorums must meet. Membership is static.
  owned = 1,
  /// Shared terms with the quorum system validated as if terms were owned:
  /// UNSAFE (two disjoint election quorums can crown two leaders in one
  /// term). Only the simulator sets it, to show why the validator refuses
  /// such systems (scenario option unchecked_quorum=on); node_config
  /// refuses it.
  unchecked = 2,
};

/// Whether `x` is one of term_mode's values (peer input is checked).
bool is_known(term_mode x);

/// "shared", "owned" or "unchecked".
const char* to_string(term_mode x);

/// Reads "shared" or "owned" (what users may choose).
/// @throws config_error naming the bad value.
term_mode parse_term_mode(const std::string& text);

/// Whether each term number names its only candidate.
inline bool terms_owned(term_mode x) {
  return x == term_mode::owned;
}

/// Whether the validator needs only election and replication quorums to
/// meet (owned terms, or the simulator's unchecked shared ones).
inline bool validated_as_owned(term_mode x) {
  return x != term_mode::shared;
}

struct quorum_spec {
  /// The kind of quorum system; each field below says which kinds use it.
  quorum_kind kind = quorum_kind::majority;
  /// counting: voters in an election quorum; weighted: their total weight.
  size_t election_quorum = 0;
  /// counting: voters in a replication quorum; weighted: their total weight.
  size_t replication_quorum = 0;
  /// grid: number of rows.
  size_t rows = 0;
  /// grid: number of columns.
  size_t columns = 0;
  /// grid: which lines elect (the others replicate).
  grid_lines elect = grid_lines::rows;
  /// zones: zone failures tolerated (f_z).
  size_t zone_failures = 0;
  /// zones: node failures tolerated per zone (f_n).
  size_t node_failures = 0;
  /// grid: the voters row by row; empty means sorted.
  std::vector<node_id> order;
  /// weighted: each voter's weight (positive; at most 10000 in total).
  std::map<node_id, uint64_t> weight_of;
  /// zones: each voter's zone.
  std::map<node_id, std::string> zone_of;

  /// Majority.
  quorum_spec() = default;

  /// Counting quorum sizes (quorum_spec{3, 2} as before).
  quorum_spec(size_t election, size_t replication);

  /// Majority.
  static quorum_spec majority() { return {}; }
  /// Counting: any `election` voters elect, any `replication` commit.
  static quorum_spec counting(size_t election, size_t replication);
  /// A `rows` x `columns` grid whose `elect` lines elect; `order` lists the
  /// voters row by row (empty: sorted).
  static quorum_spec grid(size_t rows, size_t columns,
                          grid_lines elect = grid_lines::rows,
                          std::vector<node_id> order = {});
  /// Weighted: voters whose weights sum to `election` elect, to `replication`
  /// commit; `weights` as weight_of (or from node labels).
  static quorum_spec weighted(size_t election, size_t replication,
                              std::map<node_id, uint64_t> weights = {});
  /// WPaxos zones tolerating `zone_failures` zone failures and `node_failures`
  /// node failures per zone; `zones` as zone_of (or from node labels).
  static quorum_spec zones(size_t zone_failures, size_t node_failures,
                           std::map<node_id, std::string> zones = {});

  /// Same kind, parameters and labels.
  bool operator==(const quorum_spec&) const = default;
};

/// CAF serialization of a quorum_spec (every field).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quorum_spec& x) {
  return f(x.kind, x.election_quorum, x.replication_quorum, x.rows, x.columns,
           x.elect, x.zone_failures, x.node_failures, x.order, x.weight_of,
           x.zone_of);
}

/// Parses the text form (labels are not part of it).
/// @throws config_error with one line saying what is wrong.
quorum_spec parse_quorum_spec(const std::string& text);

/// The text form of `x`, which parse_quorum_spec reads back (labels aside;
/// a grid's order only when it is not the sorted one).
std::string to_string(const quorum_spec& x);

/// The labels of `x` in label-list form ("a=2,b=1" for a weighted system,
/// "a=us,b=eu" for zones), or empty.
std::string labels_to_string(const quorum_spec& x);

// -- node labels -------------------------------------------------------------

/// What a node is labelled with in node_config.
struct node_labels {
  /// Its zone (zones systems).
  std::optional<std::string> zone;
  /// Its weight (weighted systems).
  std::optional<uint64_t> weight;

  /// Same zone and weight.
  bool operator==(const node_labels&) const = default;
};

/// Each labelled node's labels (node_config::labels).
using label_map = std::map<node_id, node_labels>;

/// Parses "name=zone,name=zone" into `into`.
/// @throws config_error (empty name or zone, a node named twice).
void parse_zone_labels(const std::string& text, label_map& into);

/// Parses "name=weight,name=weight" into `into`.
/// @throws config_error (not a positive integer, a node named twice).
void parse_weight_labels(const std::string& text, label_map& into);

/// `spec` for `voters` with their labels from `labels` added (a grid gets
/// its order filled in), as a configuration holds it.
/// @throws config_error when a label names a node that is no voter, a
/// label contradicts the spec, or the kind uses no such label.
quorum_spec with_labels(quorum_spec spec, const std::vector<node_id>& voters,
                        const label_map& labels);

} // namespace flexsync
