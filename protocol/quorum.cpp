#include "protocol/quorum.hpp"

#include <algorithm>
#include <sstream>

namespace flexsync {

namespace {

std::vector<node_id> normalize(std::vector<node_id> xs) {
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  return xs;
}

// Renders voters [first, first + count) as "{a,b,c}".
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
  std::ostringstream out;
  out << "counting(n=" << n << ", election=" << q1 << ", replication=" << q2
      << ")";
  return out.str();
}

} // namespace

quorum_system::quorum_system(kind k, std::vector<node_id> voters, size_t q1,
                             size_t q2)
  : kind_(k), voters_(std::move(voters)), q1_(q1), q2_(q2) {
  // nop
}

quorum_system quorum_system::majority(std::vector<node_id> voters) {
  auto xs = normalize(std::move(voters));
  if (xs.empty())
    throw config_error("quorum system: a cluster needs at least one voter");
  auto q = xs.size() / 2 + 1;
  return quorum_system{kind::majority, std::move(xs), q, q};
}

std::optional<std::string>
quorum_system::check_counting(const std::vector<node_id>& voters,
                              size_t election_quorum,
                              size_t replication_quorum) {
  auto xs = normalize(voters);
  auto n = xs.size();
  auto q1 = election_quorum;
  auto q2 = replication_quorum;
  if (n == 0)
    return "quorum system: a cluster needs at least one voter";
  if (q1 < 1 || q1 > n)
    return "election_quorum must be between 1 and " + std::to_string(n)
           + " (the number of voters), got " + std::to_string(q1);
  if (q2 < 1 || q2 > n)
    return "replication_quorum must be between 1 and " + std::to_string(n)
           + " (the number of voters), got " + std::to_string(q2);
  // Every election quorum must meet every replication quorum, or a new leader
  // could miss a committed entry. The two most disjoint sets are the first q1
  // voters and the last q2 voters.
  if (q1 + q2 <= n)
    return "unsafe quorum system " + describe_counting(n, q1, q2)
           + ": election quorum " + render_range(xs, 0, q1)
           + " and replication quorum " + render_range(xs, n - q2, q2)
           + " do not intersect (need election + replication > "
           + std::to_string(n) + ")";
  // Terms are shared between candidates, so two election quorums must meet
  // too, or two leaders could be elected in one term.
  if (2 * q1 <= n)
    return "unsafe quorum system " + describe_counting(n, q1, q2)
           + ": election quorums " + render_range(xs, 0, q1) + " and "
           + render_range(xs, n - q1, q1)
           + " do not intersect (need 2 * election > " + std::to_string(n)
           + ")";
  return std::nullopt;
}

quorum_system quorum_system::counting(std::vector<node_id> voters,
                                      size_t election_quorum,
                                      size_t replication_quorum) {
  if (auto err = check_counting(voters, election_quorum, replication_quorum))
    throw config_error(*err);
  return quorum_system{kind::counting, normalize(std::move(voters)),
                       election_quorum, replication_quorum};
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
  now.all_voters_ = normalize(std::move(now.all_voters_));
  now.old_.push_back(std::move(old));
  return now;
}

bool quorum_system::is_own_voter(const node_id& x) const {
  return std::binary_search(voters_.begin(), voters_.end(), x);
}

bool quorum_system::is_voter(const node_id& x) const {
  return is_own_voter(x) || (is_joint() && old_.front().is_own_voter(x));
}

size_t quorum_system::count_voters(const node_set& xs) const {
  size_t result = 0;
  for (auto& x : xs)
    if (is_own_voter(x))
      ++result;
  return result;
}

bool quorum_system::is_election_quorum(const node_set& xs) const {
  return count_voters(xs) >= q1_
         && (!is_joint() || old_.front().is_election_quorum(xs));
}

bool quorum_system::is_replication_quorum(const node_set& xs) const {
  return count_voters(xs) >= q2_
         && (!is_joint() || old_.front().is_replication_quorum(xs));
}

index_t
quorum_system::committed_index(const std::map<node_id, index_t>& match) const {
  // Joint: committed only where both parts have committed.
  if (is_joint()) {
    auto own = quorum_system{*this};
    own.old_.clear();
    own.all_voters_.clear();
    return std::min(own.committed_index(match),
                    old_.front().committed_index(match));
  }
  // With counting quorums the answer is the q2-th largest match index among
  // the voters: exactly q2 voters (a replication quorum) hold it or more.
  if (voters_.size() < q2_ || voters_.empty())
    return index_t{0};
  std::vector<index_t> xs;
  xs.reserve(voters_.size());
  for (auto& v : voters_) {
    auto i = match.find(v);
    xs.push_back(i == match.end() ? index_t{0} : i->second);
  }
  std::nth_element(xs.begin(), xs.begin() + (q2_ - 1), xs.end(),
                   std::greater<>{});
  return xs[q2_ - 1];
}

std::string quorum_system::to_string() const {
  if (is_joint()) {
    auto own = quorum_system{*this};
    own.old_.clear();
    own.all_voters_.clear();
    return "joint(new " + own.to_string() + ", old "
           + old_.front().to_string() + ")";
  }
  if (kind_ == kind::majority)
    return "majority(" + std::to_string(voters_.size()) + ")";
  return describe_counting(voters_.size(), q1_, q2_);
}

} // namespace flexsync
