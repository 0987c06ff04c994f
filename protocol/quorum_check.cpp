#include "protocol/quorum.hpp"
#include "protocol/term_owner.hpp"

#include <algorithm>
#include <bit>
#include <numeric>

#include "protocol/quorum_detail.hpp"

// Validation of quorum systems: parameters in range, every voter labelled
// as its kind needs, and safety. Every election quorum must meet every
// replication quorum; with shared terms every two election quorums must
// meet too. Each kind's rule is exact (tests/protocol/quorum_brute_test.cpp
// compares it with every pair of subsets), and an unsafe system is refused
// naming two disjoint quorums.

namespace flexsync {

namespace {

using voter_list = std::vector<node_id>;

std::string n(size_t x) {
  return std::to_string(x);
}

bool contains(const voter_list& sorted, const node_id& x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

/// Why a spec carries labels its kind does not use, or nothing.
std::optional<std::string> stray_labels(const quorum_spec& s) {
  auto name = "quorum system " + to_string(s);
  if (s.kind != quorum_kind::grid && !s.order.empty())
    return name + " uses no grid order (only a grid does)";
  if (s.kind != quorum_kind::weighted && !s.weight_of.empty())
    return name + " uses no weights, but " + s.weight_of.begin()->first.name +
           " has one";
  if (s.kind != quorum_kind::zones && !s.zone_of.empty())
    return name + " uses no zones, but " + s.zone_of.begin()->first.name +
           " has one";
  return std::nullopt;
}

/// Why the keys of `labels` are not exactly `xs`, or nothing.
template <class Map>
std::optional<std::string>
labelled_voters(const voter_list& xs, const Map& labels,
                const std::string& kind, const std::string& label) {
  for (auto& x : xs)
    if (labels.count(x) == 0)
      return kind + " quorum system: voter " + x.name + " has no " + label +
             " (every voter needs one; add_node cannot give one: a " + kind +
             " system gains voters only through change_membership with a " +
             "target that gives theirs)";
  for (auto& [x, value] : labels)
    if (!contains(xs, x))
      return kind + " quorum system: " + x.name + " has a " + label +
             " but is not a voter";
  return std::nullopt;
}

// -- grid --------------------------------------------------------------------

/// The voters of one line: row `i`, or column `i`.
voter_list grid_line(const quorum_spec& s, bool row, size_t i) {
  voter_list out;
  if (row)
    out.assign(s.order.begin() + i * s.columns,
               s.order.begin() + (i + 1) * s.columns);
  else
    for (size_t r = 0; r < s.rows; ++r)
      out.push_back(s.order[r * s.columns + i]);
  return out;
}

std::optional<std::string> check_grid(const voter_list& xs, quorum_spec s,
                                      term_mode terms) {
  auto name = "grid quorum system " + to_string(s);
  if (s.rows == 0 || s.columns == 0)
    return name + ": rows and columns must be positive";
  if (s.order.empty())
    s.order = xs;
  auto cells = detail::normalize(s.order);
  if (cells.size() != s.order.size())
    return name + ": the order names a node twice";
  for (auto& x : xs)
    if (!contains(cells, x))
      return name + ": voter " + x.name + " has no cell (a grid gains " +
             "voters only through change_membership with a new shape)";
  for (auto& x : cells)
    if (!contains(xs, x))
      return name + ": the order names " + x.name + ", which is not a voter";
  // (Compared one by one first: a peer's spec must not overflow the product.)
  if (s.rows > xs.size() || s.columns > xs.size() ||
      s.rows * s.columns != xs.size())
    return name + " needs " + n(s.rows * s.columns) + " voters, there are " +
           n(xs.size()) + " (a grid changes its voters only through " +
           "change_membership with a new shape)";
  // Every row meets every column, so election and replication quorums
  // always meet. Two rows (or two columns) never do: with shared terms a
  // grid of two election lines could elect two leaders in one term.
  auto rows = s.elect == grid_lines::rows;
  if (terms == term_mode::shared && (rows ? s.rows : s.columns) >= 2)
    return "unsafe quorum system " + to_string(s) + ": " +
           (rows ? "rows " : "columns ") +
           detail::render(grid_line(s, rows, 0)) + " and " +
           detail::render(grid_line(s, rows, 1)) +
           " are disjoint election quorums; a grid needs owned terms";
  return std::nullopt;
}

// -- weighted ----------------------------------------------------------------

/// Weights are summed exactly over subsets (a table of total + 1 sums, built
/// whenever a configuration's system is, e.g. for each status): this bounds
/// it. Real weights are small numbers.
constexpr uint64_t max_total_weight = 10000;

/// Indexes of a subset of `w` whose weight s has fits(s, total - s), or
/// nothing (0/1 knapsack over reachable sums; by[s] is the last item of one
/// subset of weight s, so walking back by[] yields distinct items).
std::optional<std::vector<size_t>>
split_by_weight(const std::vector<uint64_t>& w, uint64_t total,
                const std::function<bool(uint64_t, uint64_t)>& fits) {
  constexpr size_t none = size_t(-1);
  std::vector<size_t> by(total + 1, none);
  by[0] = w.size();
  for (size_t i = 0; i < w.size(); ++i)
    for (auto s = total; s >= w[i]; --s)
      if (by[s] == none && by[s - w[i]] != none)
        by[s] = i;
  for (uint64_t s = 0; s <= total; ++s) {
    if (by[s] == none || !fits(s, total - s))
      continue;
    std::vector<size_t> out;
    for (auto t = s; t > 0; t -= w[by[t]])
      out.push_back(by[t]);
    return out;
  }
  return std::nullopt;
}

std::optional<std::string>
check_weighted(const voter_list& xs, const quorum_spec& s, term_mode terms) {
  if (auto err = labelled_voters(xs, s.weight_of, "weighted", "weight"))
    return err;
  std::vector<uint64_t> w;
  uint64_t total = 0;
  for (auto& x : xs) {
    w.push_back(s.weight_of.at(x));
    if (w.back() == 0)
      return "weighted quorum system: voter " + x.name +
             " has weight 0; weights must be positive";
    if (w.back() > max_total_weight || (total += w.back()) > max_total_weight)
      return "weighted quorum system: the total weight must be at most " +
             n(max_total_weight);
  }
  auto name = "weighted quorum system " + to_string(s);
  for (auto [what, x] : {std::pair{"election", s.election_quorum},
                         std::pair{"replication", s.replication_quorum}})
    if (x < 1 || x > total)
      return name + ": " + what + " must be between 1 and " + n(total) +
             " (the total weight), got " + n(x);
  auto named = [&](const std::vector<size_t>& in, bool inside) {
    voter_list out;
    for (size_t i = 0; i < xs.size(); ++i)
      if ((std::find(in.begin(), in.end(), i) != in.end()) == inside)
        out.push_back(xs[i]);
    return detail::render(out);
  };
  auto w1 = s.election_quorum;
  auto w2 = s.replication_quorum;
  auto unsafe = "unsafe quorum system " + to_string(s) + ": election quorum";
  if (auto a = split_by_weight(w, total, [&](uint64_t in, uint64_t out) {
        return in >= w1 && out >= w2;
      }))
    return unsafe + " " + named(*a, true) + " and replication quorum " +
           named(*a, false) + " do not intersect (election + replication > " +
           n(total) + ", the total weight, always suffices)";
  if (terms == term_mode::shared)
    if (auto a = split_by_weight(w, total, [&](uint64_t in, uint64_t out) {
          return in >= w1 && out >= w1;
        }))
      return unsafe + "s " + named(*a, true) + " and " + named(*a, false) +
             " do not intersect (2 * election > " + n(total) +
             ", the total weight, always suffices)";
  return std::nullopt;
}

// -- zones -------------------------------------------------------------------

/// Two disjoint election quorums of a zones system, given the zones where
/// both may hold all but f_n voters (`splittable`); see check_zones.
std::string disjoint_zone_quorums(
    const std::map<std::string, voter_list>& zones, const quorum_spec& s,
    const std::vector<std::string>& splittable, size_t overlap) {
  voter_list a;
  voter_list b;
  auto need = [&](const voter_list& m) { return m.size() - s.node_failures; };
  for (size_t i = 0; i < overlap; ++i) {
    auto& m = zones.at(splittable[i]);
    a.insert(a.end(), m.begin(), m.begin() + need(m));
    b.insert(b.end(), m.end() - need(m), m.end());
  }
  auto each = zones.size() - s.zone_failures - overlap;
  size_t given = 0;
  for (auto& [zone, m] : zones) {
    if (std::find(splittable.begin(), splittable.begin() + overlap, zone) !=
        splittable.begin() + overlap)
      continue;
    auto& to = given < each ? a : b;
    if (given++ < 2 * each)
      to.insert(to.end(), m.begin(), m.begin() + need(m));
  }
  return detail::render(detail::normalize(a)) + " and " +
         detail::render(detail::normalize(b));
}

std::optional<std::string> check_zones(const voter_list& xs,
                                       const quorum_spec& s, term_mode terms) {
  if (auto err = labelled_voters(xs, s.zone_of, "zones", "zone"))
    return err;
  auto name = "zones quorum system " + to_string(s);
  // Zone names are identifiers: printable ASCII that the label lists
  // ("a=us,b=eu") and a config entry's JSON carry unchanged.
  auto printable = [](char c) {
    return c > ' ' && c < 127 && c != ',' && c != '=';
  };
  for (auto& [x, zone] : s.zone_of)
    if (zone.empty() || !std::all_of(zone.begin(), zone.end(), printable))
      return name + ": voter " + x.name +
             " has no valid zone name (printable ASCII without spaces, " +
             "',' or '=')";
  auto zones = detail::zone_members(s.zone_of);
  if (s.zone_failures >= zones.size())
    return name + ": fz must be less than the number of zones (" +
           n(zones.size()) + ")";
  for (auto& [zone, m] : zones)
    if (m.size() <= s.node_failures)
      return name + ": zone " + zone + " has " + n(m.size()) +
             " voter(s), fewer than fn+1 = " + n(s.node_failures + 1) +
             ", so no replication quorum can use it";
  // Election and replication quorums always meet (quorum_kinds.cpp). Two
  // election quorums cover Z - f_z zones each, so they share at least
  // 2 (Z - f_z) - Z of them; they are disjoint exactly when that many zones
  // hold two disjoint sets of size - f_n voters (2 (size - f_n) <= size).
  if (validated_as_owned(terms))
    return std::nullopt;
  auto covered = zones.size() - s.zone_failures;
  auto overlap = 2 * covered > zones.size() ? 2 * covered - zones.size() : 0;
  std::vector<std::string> splittable;
  for (auto& [zone, m] : zones)
    if (2 * (m.size() - s.node_failures) <= m.size())
      splittable.push_back(zone);
  if (splittable.size() < overlap)
    return std::nullopt;
  return "unsafe quorum system " + to_string(s) + ": election quorums " +
         disjoint_zone_quorums(zones, s, splittable, overlap) +
         " do not intersect (with shared terms two election quorums must " +
         "meet: they share at least 2 * (zones - fz) - zones zones, and " +
         "need one of those with more than 2 * fn voters)";
}

} // namespace

std::optional<std::string>
quorum_system::check_counting(const std::vector<node_id>& voters,
                              size_t election_quorum, size_t replication_quorum,
                              term_mode terms) {
  auto xs = detail::normalize(voters);
  auto n = xs.size();
  auto q1 = election_quorum;
  auto q2 = replication_quorum;
  if (n == 0)
    return "quorum system: a cluster needs at least one voter";
  if (q1 < 1 || q1 > n)
    return "election_quorum must be between 1 and " + std::to_string(n) +
           " (the number of voters), got " + std::to_string(q1);
  if (q2 < 1 || q2 > n)
    return "replication_quorum must be between 1 and " + std::to_string(n) +
           " (the number of voters), got " + std::to_string(q2);
  auto name = detail::describe_counting(n, q1, q2);
  // Every election quorum must meet every replication quorum, or a new leader
  // could miss a committed entry. The two most disjoint sets are the first q1
  // voters and the last q2 voters.
  if (q1 + q2 <= n)
    return "unsafe quorum system " + name + ": election quorum " +
           detail::render_range(xs, 0, q1) + " and replication quorum " +
           detail::render_range(xs, n - q2, q2) +
           " do not intersect (need election + replication > " +
           std::to_string(n) + ")";
  // Terms are shared between candidates, so two election quorums must meet
  // too, or two leaders could be elected in one term.
  if (terms == term_mode::shared && 2 * q1 <= n)
    return "unsafe quorum system " + name + ": election quorums " +
           detail::render_range(xs, 0, q1) + " and " +
           detail::render_range(xs, n - q1, q1) +
           " do not intersect (need 2 * election > " + std::to_string(n) + ")";
  return std::nullopt;
}

std::optional<std::string>
quorum_system::check(const std::vector<node_id>& voters,
                     const quorum_spec& spec, term_mode terms) {
  auto xs = detail::normalize(voters);
  if (xs.empty())
    return "quorum system: a cluster needs at least one voter";
  if (!is_known(spec.kind) || !is_known(spec.elect))
    return "quorum system: unknown kind " + n(static_cast<size_t>(spec.kind));
  if (!is_known(terms))
    return "quorum system: unknown term mode " + n(static_cast<size_t>(terms));
  if (auto err = stray_labels(spec))
    return err;
  // Owned terms: a slot names one candidate per term, so two voters must
  // not share one (term_owner.hpp).
  if (terms_owned(terms))
    if (auto both = slot_collision(xs))
      return "voters " + both->first.name + " and " + both->second.name
             + " share the term slot " + n(term_slot(both->first))
             + " (owned terms name a term's candidate by a hash of its "
               "name): rename one of them";
  switch (spec.kind) {
  case kind::counting:
    return check_counting(xs, spec.election_quorum, spec.replication_quorum,
                          terms);
  case kind::grid:
    return check_grid(xs, spec, terms);
  case kind::weighted:
    return check_weighted(xs, spec, terms);
  case kind::zones:
    return check_zones(xs, spec, terms);
  default:
    return std::nullopt;
  }
}

size_t tolerated_losses(const quorum_system& q) {
  auto& vs = q.voters();
  auto count = vs.size();
  if (count == 0)
    return 0;
  if (!q.is_joint() && (q.type() == quorum_kind::majority ||
                        q.type() == quorum_kind::counting)) {
    auto q1 = q.election_quorum();
    auto q2 = q.replication_quorum();
    return std::min({q1 - 1, q2 - 1, count - q1, count - q2});
  }
  if (count > 20)
    return 0;
  // The smallest set of lost voters that is a quorum, or leaves no quorum
  // of either kind among the others.
  auto smallest = count;
  for (uint32_t mask = 0; mask < (1u << count); ++mask) {
    auto lost_count = static_cast<size_t>(std::popcount(mask));
    if (lost_count >= smallest)
      continue;
    node_set lost;
    node_set rest;
    for (size_t i = 0; i < count; ++i)
      (mask & (1u << i) ? lost : rest).insert(vs[i]);
    if (q.is_election_quorum(lost) || q.is_replication_quorum(lost) ||
        !q.is_election_quorum(rest) || !q.is_replication_quorum(rest))
      smallest = lost_count;
  }
  return smallest - 1;
}

} // namespace flexsync
