#include "protocol/quorum.hpp"

#include <algorithm>

#include "protocol/quorum_detail.hpp"

// The kind-independent half of quorum_system: construction, joint systems,
// the dispatch to each kind's rule (quorum_kinds.cpp) and rendering.
// Validation is in quorum_check.cpp.

namespace flexsync {

namespace detail {

std::vector<node_id> normalize(std::vector<node_id> xs) {
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  return xs;
}

std::string render(const std::vector<node_id>& xs) {
  return render_range(xs, 0, xs.size());
}

std::string render_range(const std::vector<node_id>& xs, size_t first,
                         size_t count) {
  std::string out = "{";
  for (size_t i = first; i < first + count; ++i) {
    if (i != first)
      out += ',';
    out += xs[i].name;
  }
  out += '}';
  return out;
}

std::string describe_counting(size_t n, size_t q1, size_t q2) {
  return "counting(n=" + std::to_string(n) +
         ", election=" + std::to_string(q1) +
         ", replication=" + std::to_string(q2) + ")";
}

std::map<std::string, std::vector<node_id>>
zone_members(const std::map<node_id, std::string>& zone_of) {
  std::map<std::string, std::vector<node_id>> out;
  for (auto& [x, zone] : zone_of)
    out[zone].push_back(x);
  return out;
}

} // namespace detail

quorum_system::quorum_system(std::vector<node_id> voters, quorum_spec spec)
    : spec_(std::move(spec)), voters_(std::move(voters)) {
  index_labels();
}

quorum_system quorum_system::majority(std::vector<node_id> voters) {
  return make(std::move(voters), quorum_spec::majority());
}

quorum_system quorum_system::counting(std::vector<node_id> voters,
                                      size_t election_quorum,
                                      size_t replication_quorum) {
  return make(std::move(voters),
              quorum_spec::counting(election_quorum, replication_quorum));
}

quorum_system quorum_system::make(std::vector<node_id> voters,
                                  const quorum_spec& spec, term_mode terms) {
  auto xs = detail::normalize(std::move(voters));
  if (auto err = check(xs, spec, terms))
    throw config_error(*err);
  // Keep what the kind uses, so that equal systems compare equal.
  quorum_spec own;
  own.kind = spec.kind;
  switch (spec.kind) {
  case kind::majority:
    own.election_quorum = own.replication_quorum = xs.size() / 2 + 1;
    break;
  case kind::counting:
  case kind::weighted:
    own.election_quorum = spec.election_quorum;
    own.replication_quorum = spec.replication_quorum;
    own.weight_of = spec.weight_of;
    break;
  case kind::grid:
    own.rows = spec.rows;
    own.columns = spec.columns;
    own.elect = spec.elect;
    own.order = spec.order.empty() ? xs : spec.order;
    break;
  case kind::zones:
    own.zone_failures = spec.zone_failures;
    own.node_failures = spec.node_failures;
    own.zone_of = spec.zone_of;
    break;
  }
  quorum_system result{std::move(xs), std::move(own)};
  result.terms_ = terms;
  return result;
}

quorum_system quorum_system::joint(quorum_system now, quorum_system old) {
  // A joint system of joint systems never arises: C_old,new is always
  // followed by C_new before the next change.
  now.old_.clear();
  old.old_.clear();
  old.all_voters_.clear();
  now.all_voters_ = now.voters_;
  now.all_voters_.insert(now.all_voters_.end(), old.voters_.begin(),
                         old.voters_.end());
  now.all_voters_ = detail::normalize(std::move(now.all_voters_));
  now.old_.push_back(std::move(old));
  return now;
}

quorum_system quorum_system::own_part() const {
  auto own = *this;
  own.old_.clear();
  own.all_voters_.clear();
  return own;
}

bool quorum_system::is_own_voter(const node_id& x) const {
  return std::binary_search(voters_.begin(), voters_.end(), x);
}

bool quorum_system::is_voter(const node_id& x) const {
  return is_own_voter(x) || (is_joint() && old_.front().is_own_voter(x));
}

std::vector<char> quorum_system::present(const node_set& xs) const {
  std::vector<char> in(voters_.size(), 0);
  for (size_t i = 0; i < voters_.size(); ++i)
    in[i] = xs.count(voters_[i]) > 0;
  return in;
}

bool quorum_system::is_election_quorum(const node_set& xs) const {
  return !voters_.empty() && meets(phase::election, present(xs)) &&
         (!is_joint() || old_.front().is_election_quorum(xs));
}

bool quorum_system::is_replication_quorum(const node_set& xs) const {
  return !voters_.empty() && meets(phase::replication, present(xs)) &&
         (!is_joint() || old_.front().is_replication_quorum(xs));
}

index_t
quorum_system::committed_index(const std::map<node_id, index_t>& match) const {
  if (voters_.empty())
    return index_t{0};
  std::vector<uint64_t> m;
  m.reserve(voters_.size());
  for (auto& v : voters_) {
    auto i = match.find(v);
    m.push_back(i == match.end() ? 0 : i->second.value);
  }
  index_t own{own_committed(m)};
  // Joint: committed only where both parts have committed.
  if (is_joint())
    return std::min(own, old_.front().committed_index(match));
  return own;
}

std::string quorum_system::to_string() const {
  if (is_joint())
    return "joint(new " + own_part().to_string() + ", old " +
           old_.front().to_string() + ")";
  auto n = [](size_t x) { return std::to_string(x); };
  auto& s = spec_;
  switch (s.kind) {
  case kind::majority:
    return "majority(" + n(voters_.size()) + ")";
  case kind::counting:
    return detail::describe_counting(voters_.size(), s.election_quorum,
                                     s.replication_quorum);
  case kind::grid: {
    auto out = "grid(" + n(s.rows) + "x" + n(s.columns) +
               ", elect=" + (s.elect == grid_lines::rows ? "rows" : "columns") +
               ", rows";
    for (size_t r = 0; r < s.rows; ++r)
      out += " " + detail::render_range(s.order, r * s.columns, s.columns);
    return out + ")";
  }
  case kind::weighted:
    return "weighted(election=" + n(s.election_quorum) +
           ", replication=" + n(s.replication_quorum) + ", weights " +
           labels_to_string(s) + ")";
  case kind::zones: {
    auto out = "zones(fz=" + n(s.zone_failures) + ", fn=" + n(s.node_failures) +
               ", zones ";
    auto first = true;
    for (auto& [zone, members] : detail::zone_members(s.zone_of)) {
      out += (first ? "" : ",") + zone + "=" + detail::render(members);
      first = false;
    }
    return out + ")";
  }
  }
  return "unknown";
}

} // namespace flexsync
