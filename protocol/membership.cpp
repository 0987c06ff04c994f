#include "protocol/membership.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "protocol/node_name.hpp"
#include "protocol/planted_bugs.hpp"
#include "protocol/quorum_json.hpp"

namespace flexsync {

namespace {

void sort_unique(std::vector<node_id>& xs) {
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
}

bool contains(const std::vector<node_id>& xs, const node_id& x) {
  return std::binary_search(xs.begin(), xs.end(), x);
}

std::string render(const std::vector<node_id>& xs) {
  std::string out = "{";
  for (auto& x : xs) {
    if (out.size() > 1)
      out += ',';
    out += x.name;
  }
  return out + '}';
}

/// Voters of `target` that are not yet voters of `c`.
std::vector<node_id> new_voters(const membership& c, const membership& target) {
  std::vector<node_id> out;
  for (auto& v : target.voters)
    if (!c.is_voter(v))
      out.push_back(v);
  return out;
}

nlohmann::json to_json(const membership& m) {
  nlohmann::json j;
  auto names = [](const std::vector<node_id>& xs) {
    auto out = nlohmann::json::array();
    for (auto& x : xs)
      out.push_back(x.name);
    return out;
  };
  j["voters"] = names(m.voters);
  j["learners"] = names(m.learners);
  if (m.quorum && m.quorum->kind != quorum_kind::majority)
    j["quorum"] = quorum_to_json(*m.quorum);
  // Absent: shared (as every earlier version wrote them).
  if (m.terms != term_mode::shared)
    j["terms"] = to_string(m.terms);
  return j;
}

std::optional<membership> membership_of(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("voters") || !j.contains("learners"))
    return std::nullopt;
  membership m;
  auto names = [](const nlohmann::json& xs, std::vector<node_id>& out) {
    if (!xs.is_array())
      return false;
    for (auto& x : xs) {
      if (!x.is_string())
        return false;
      out.emplace_back(x.get<std::string>());
    }
    return true;
  };
  if (!names(j["voters"], m.voters) || !names(j["learners"], m.learners))
    return std::nullopt;
  // Absent: majority; [election, replication]: counting (as every version
  // wrote them); an object: the other kinds (quorum_json.hpp).
  if (j.contains("quorum")) {
    m.quorum = quorum_from_json(j["quorum"]);
    if (!m.quorum)
      return std::nullopt;
  }
  if (j.contains("terms")) {
    auto& t = j["terms"];
    if (t == "owned")
      m.terms = term_mode::owned;
    else if (t == "unchecked")
      m.terms = term_mode::unchecked;
    else
      return std::nullopt;
  }
  return m.normalize();
}

constexpr int encoding_version = 1;

} // namespace

// -- membership ---------------------------------------------------------------

quorum_system membership::make_quorum() const {
  return quorum_system::make(voters, quorum.value_or(quorum_spec{}), terms);
}

bool membership::is_voter(const node_id& x) const {
  return contains(voters, x);
}

bool membership::is_learner(const node_id& x) const {
  return contains(learners, x);
}

bool membership::is_member(const node_id& x) const {
  return is_voter(x) || is_learner(x);
}

membership& membership::normalize() {
  sort_unique(voters);
  sort_unique(learners);
  std::erase_if(learners, [this](const node_id& x) { return is_voter(x); });
  if (quorum && quorum->kind == quorum_kind::majority
      && *quorum == quorum_spec::majority())
    quorum.reset();
  // A grid's cells are explicit in a configuration, so that every node
  // reads the same ones.
  if (quorum && quorum->kind == quorum_kind::grid && quorum->order.empty())
    quorum->order = voters;
  return *this;
}

std::string membership::to_string() const {
  std::string q = "majority";
  if (quorum && quorum->kind == quorum_kind::counting)
    q = "counting(election=" + std::to_string(quorum->election_quorum)
        + ", replication=" + std::to_string(quorum->replication_quorum) + ")";
  else if (quorum && quorum->kind == quorum_kind::grid)
    q = flexsync::to_string(quorum_spec::grid(quorum->rows, quorum->columns,
                                              quorum->elect))
        + " order " + render(quorum->order);
  else if (quorum && quorum->kind != quorum_kind::majority)
    q = flexsync::to_string(*quorum) + " labels " + labels_to_string(*quorum);
  auto t = terms == term_mode::shared
             ? std::string{}
             : std::string{", "} + flexsync::to_string(terms) + " terms";
  return "voters " + render(voters) + ", learners " + render(learners) + ", "
         + q + t;
}

bool membership::operator==(const membership& other) const {
  auto q = [](const std::optional<quorum_spec>& x) {
    return x.value_or(quorum_spec{});
  };
  return voters == other.voters && learners == other.learners
         && q(quorum) == q(other.quorum) && terms == other.terms;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    // Continuation bytes that follow the lead byte; 4: no lead byte.
    size_t n = c < 0x80            ? 0
               : (c >> 5) == 0x6   ? 1
               : (c >> 4) == 0xe   ? 2
               : (c >> 3) == 0x1e  ? 3
                                   : 4;
    if (n == 4 || i + n >= s.size())
      return false;
    uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t least[] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

std::optional<std::string> check_node_name(const node_id& x) {
  if (x.empty())
    return "a node name must not be empty";
  if (!valid_utf8(x.name))
    return "a node name is not valid UTF-8";
  // A name is an address: a line break in it would split every status,
  // log line and refusal that names the node.
  for (unsigned char c : x.name)
    if (c < 0x20 || c == 0x7f)
      return "a node name must not contain control characters";
  return std::nullopt;
}

std::optional<std::string> check_membership(const membership& m) {
  if (m.voters.empty())
    return "a configuration needs at least one voter";
  for (auto& x : m.voters)
    if (auto why = check_node_name(x))
      return why;
  for (auto& x : m.learners)
    if (auto why = check_node_name(x))
      return why;
  if (m.quorum) {
    // The quorum system's own names (a grid's order, labels' keys) are
    // quoted by its refusals too.
    for (auto& x : m.quorum->order)
      if (auto why = check_node_name(x))
        return why;
    for (auto& [x, w] : m.quorum->weight_of)
      if (auto why = check_node_name(x))
        return why;
    for (auto& label : m.quorum->zone_of) {
      if (auto why = check_node_name(label.first))
        return why;
      if (!valid_utf8(label.second))
        return std::string{"a zone label is not valid UTF-8"};
      if (std::any_of(label.second.begin(), label.second.end(),
                      [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return std::string{"a zone label must not contain control "
                           "characters"};
    }
  }
  try {
    m.make_quorum();
  } catch (const config_error& e) {
    return std::string{e.what()};
  }
  return std::nullopt;
}

// -- configuration ------------------------------------------------------------

quorum_system configuration::quorum() const {
  if (current.voters.empty())
    return quorum_system{};
  if (!old)
    return current.make_quorum();
  return quorum_system::joint(current.make_quorum(), old->make_quorum());
}

bool configuration::is_voter(const node_id& x) const {
  return current.is_voter(x) || (old && old->is_voter(x));
}

std::vector<node_id> configuration::members() const {
  auto out = current.voters;
  out.insert(out.end(), current.learners.begin(), current.learners.end());
  if (old) {
    out.insert(out.end(), old->voters.begin(), old->voters.end());
    out.insert(out.end(), old->learners.begin(), old->learners.end());
  }
  sort_unique(out);
  return out;
}

std::string configuration::to_string() const {
  if (!old)
    return current.to_string();
  return "joint: new " + current.to_string() + "; old " + old->to_string();
}

bool configuration::operator==(const configuration& other) const {
  return current == other.current && old.has_value() == other.old.has_value()
         && (!old || *old == *other.old);
}

configuration bootstrap_configuration(const node_config& cfg) {
  configuration c;
  if (cfg.join)
    return c;
  c.current.voters = cfg.voters();
  c.current.learners = cfg.learners;
  c.current.quorum = cfg.voters_quorum();
  c.current.terms = cfg.terms;
  c.current.normalize();
  return c;
}

std::string encode_configuration(const configuration& x) {
  nlohmann::json j;
  j["v"] = encoding_version;
  j["current"] = to_json(x.current);
  if (x.old)
    j["old"] = to_json(*x.old);
  return j.dump();
}

std::optional<configuration> decode_configuration(const std::string& data) {
  auto j = nlohmann::json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("v")
      || j["v"] != encoding_version || !j.contains("current"))
    return std::nullopt;
  configuration c;
  auto cur = membership_of(j["current"]);
  if (!cur)
    return std::nullopt;
  c.current = std::move(*cur);
  if (j.contains("old")) {
    auto old = membership_of(j["old"]);
    if (!old)
      return std::nullopt;
    c.old = std::move(*old);
  }
  // A configuration entry is only ever written for a valid configuration.
  if (check_membership(c.current) || (c.old && check_membership(*c.old)))
    return std::nullopt;
  return c;
}

// -- requests -----------------------------------------------------------------

membership with_voter(membership m, const node_id& x) {
  m.voters.push_back(x);
  return m.normalize();
}

membership with_learner(membership m, const node_id& x) {
  if (!m.is_voter(x))
    m.learners.push_back(x);
  return m.normalize();
}

membership without(membership m, const node_id& x) {
  std::erase(m.voters, x);
  std::erase(m.learners, x);
  if (m.quorum) {
    std::erase(m.quorum->order, x);
    m.quorum->weight_of.erase(x);
    m.quorum->zone_of.erase(x);
  }
  return m.normalize();
}

bool is_known(change_op x) {
  return static_cast<uint8_t>(x)
         <= static_cast<uint8_t>(change_op::set_version);
}

membership target_of(const change_request& req, const membership& base) {
  switch (req.op) {
    case change_op::add_voter:
      return with_voter(base, req.node);
    case change_op::add_learner:
      return with_learner(base, req.node);
    case change_op::remove:
      return without(base, req.node);
    case change_op::transfer_leader:
    case change_op::set_version:
      return base;
    default: {
      // The term mode is the cluster's: a target never names another.
      auto t = req.target;
      t.terms = base.terms;
      return t.normalize();
    }
  }
}

membership eventual(const configuration& c) {
  return c.current;
}

// -- the leader's steps -------------------------------------------------------

std::optional<configuration> leave_joint(const change_context& ctx) {
  // §4.3: once C_old,new is committed, C_new alone is safe to append.
  if (!ctx.config.joint() || ctx.config_index > ctx.commit_index)
    return std::nullopt;
  configuration next;
  next.current = ctx.config.current;
  return next;
}

change_step next_change_step(const change_context& ctx,
                             const membership& target) {
  using kind = change_step::kind;
  if (auto next = leave_joint(ctx))
    return {kind::propose, std::move(*next), {}};
  if (ctx.config.joint() || ctx.config_index > ctx.commit_index)
    return {kind::wait, {}, "the configuration at index "
                              + to_string(ctx.config_index)
                              + " is not committed yet"};
  // No change before the leader committed an entry of its own term: a
  // configuration of an earlier leader may still be uncommitted elsewhere
  // (the single-server bug of thesis §4.1, erratum 2015).
  if (ctx.commit_index < ctx.term_start)
    return {kind::wait, {}, "the leader has not committed its term yet"};
  auto& c = ctx.config.current;
  if (c == target)
    return {kind::done, {}, {}};
  // New voters first join as learners, so the new configuration never
  // waits for a node that is far behind.
  auto joining = new_voters(c, target);
  std::vector<node_id> not_learners;
  for (auto& x : joining)
    if (!c.is_learner(x))
      not_learners.push_back(x);
  if (!not_learners.empty()) {
    configuration next;
    next.current = c;
    next.current.learners.insert(next.current.learners.end(),
                                 not_learners.begin(), not_learners.end());
    next.current.normalize();
    return {kind::propose, std::move(next), {}};
  }
  for (auto& x : joining) {
    auto i = ctx.match.find(x);
    auto match = i == ctx.match.end() ? index_t{0} : i->second;
    // A learner that never acknowledged anything may not even run.
    if (match == index_t{0}
        || match.value + ctx.promotion_lag < ctx.last_index.value)
      return {kind::wait, {}, "learner " + x.name + " is catching up (at "
                                + to_string(match) + " of "
                                + to_string(ctx.last_index) + ")"};
  }
  configuration next;
  next.current = target;
  // Learners alone never count: such a change needs no joint phase.
  if ((target.voters != c.voters
       || !(membership{{}, {}, target.quorum} == membership{{}, {}, c.quorum}))
      && !planted(planted_bug::skip_joint))
    next.old = c;
  return {kind::propose, std::move(next), {}};
}

namespace {

/// Why the change from `now` to `target` is refused for its term mode: the
/// mode never changes at run time. (Voters and quorum systems may change
/// under either mode: an owned term's candidate follows from its name alone,
/// term_owner.hpp.)
std::optional<std::string> fixed_term_mode(const membership& now,
                                           const membership& target) {
  if (target.terms != now.terms)
    return std::string{"the term mode cannot change at run time ("}
           + to_string(now.terms) + " terms)";
  return std::nullopt;
}

} // namespace

change_result admit_change(const change_context& ctx,
                           const std::optional<membership>& in_flight,
                           const membership& target) {
  if (auto why = fixed_term_mode(eventual(ctx.config), target))
    return change_result::denied(*why);
  if (auto why = check_membership(target))
    return change_result::denied(*why);
  if (in_flight && !(*in_flight == target))
    return {fail_reason::change_in_progress,
            "another membership change is in progress (to "
              + in_flight->to_string() + ")"};
  if (!in_flight && (ctx.config.joint() || ctx.config_index > ctx.commit_index)
      && !(eventual(ctx.config) == target))
    return {fail_reason::change_in_progress,
            "the configuration " + ctx.config.to_string()
              + " is still being committed"};
  return change_result::success();
}

} // namespace flexsync
