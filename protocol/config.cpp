#include "protocol/config.hpp"

#include <algorithm>

#include "protocol/membership.hpp"
#include "protocol/node_name.hpp"

namespace flexsync {

namespace {

void require(bool condition, const std::string& message) {
  if (!condition)
    throw config_error("invalid node_config: " + message);
}

} // namespace

node_config::node_config(std::string self_name,
                         std::vector<std::string> partner_names)
  : self(std::move(self_name)) {
  for (auto& p : partner_names)
    partners.emplace_back(std::move(p));
}

std::vector<node_id> node_config::voters() const {
  std::vector<node_id> result;
  for (auto& p : partners)
    if (!is_learner(p))
      result.push_back(p);
  if (!read_only && !is_learner(self))
    result.push_back(self);
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

bool node_config::is_learner(const node_id& x) const {
  return (read_only && x == self)
         || std::find(learners.begin(), learners.end(), x) != learners.end();
}

std::vector<node_id> node_config::other_learners() const {
  std::vector<node_id> result;
  for (auto& x : learners)
    if (x != self)
      result.push_back(x);
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

std::optional<quorum_spec> node_config::voters_quorum() const {
  auto spec = with_labels(quorum.value_or(quorum_spec{}), voters(), labels);
  if (spec.kind == quorum_kind::majority)
    return std::nullopt;
  return spec;
}

quorum_system node_config::make_quorum_system() const {
  return quorum_system::make(voters(), voters_quorum().value_or(quorum_spec{}),
                             terms);
}

const char* to_string(fsync_policy x) {
  switch (x) {
    case fsync_policy::always:
      return "always";
    case fsync_policy::periodic:
      return "periodic";
    default:
      return "never";
  }
}

namespace {

/// Timeouts, batching and the lease margin.
void validate_timing(const node_config& c) {
  require(c.heartbeat_interval > 0ns, "heartbeat_interval must be positive");
  require(c.election_timeout_min > 3 * c.heartbeat_interval,
          "election_timeout_min must exceed 3 * heartbeat_interval");
  require(c.election_timeout_max > c.election_timeout_min,
          "election_timeout_max must exceed election_timeout_min");
  require(c.leader_fallback_timeout > c.heartbeat_interval,
          "leader_fallback_timeout must exceed heartbeat_interval");
  require(!c.lease_reads || c.check_quorum,
          "lease_reads needs check_quorum (leases rest on leader stickiness)");
  require(c.clock_drift_bound >= 0ns
            && c.clock_drift_bound + c.heartbeat_interval
                 < c.election_timeout_min,
          "clock_drift_bound must leave a lease: election_timeout_min minus "
          "clock_drift_bound must exceed heartbeat_interval");
  require(c.default_call_timeout > 0ns,
          "default_call_timeout must be positive");
  require(c.max_batch_entries > 0, "max_batch_entries must be positive");
  require(c.max_batch_bytes > 0, "max_batch_bytes must be positive");
  require(c.max_inflight > 0, "max_inflight must be positive");
}

void validate_persistence(const persistence_options& p) {
  require(p.fsync != fsync_policy::periodic || p.fsync_period > 0ns,
          "persistence.fsync_period must be positive");
  require(p.segment_bytes >= 4096, "persistence.segment_bytes must be >= 4096");
  require(p.snapshot_threshold_entries >= 2 || p.snapshot_threshold_entries == 0,
          "persistence.snapshot_threshold_entries must be 0 (off) or >= 2");
  require(p.snapshot_chunk_bytes >= 16,
          "persistence.snapshot_chunk_bytes must be >= 16");
  require(p.snapshot_check_interval > 0ns,
          "persistence.snapshot_check_interval must be positive");
}

/// Zone labels (per node, and a zones quorum system's) go to the placement
/// policy; they travel in config entries, which check_membership checks.
void collect_zones(node_config& c) {
  auto zone_ok = [](const std::string& z) {
    return valid_utf8(z)
           && std::none_of(z.begin(), z.end(), [](unsigned char ch) {
                return ch < 0x20 || ch == 0x7f;
              });
  };
  for (auto& [x, l] : c.labels)
    if (l.zone) {
      require(zone_ok(*l.zone), "a zone label must be UTF-8 without control "
                                "characters");
      c.placement.zone.emplace(x, *l.zone);
    }
  if (c.quorum)
    for (auto& [x, z] : c.quorum->zone_of) {
      require(zone_ok(z), "a zone label must be UTF-8 without control "
                          "characters");
      c.placement.zone.emplace(x, z);
    }
}

} // namespace

void node_config::normalize_and_validate() {
  require(!self.empty(), "self must name this node");
  std::erase(partners, self);
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()),
                 partners.end());
  for (auto& p : partners)
    require(!p.empty(), "partners must not contain an empty name");
  require(valid_utf8(self.name), "self is not valid UTF-8");
  for (auto& p : partners)
    require(valid_utf8(p.name), "a partner's name is not valid UTF-8");
  // Names with control characters never make a valid configuration
  // (check_node_name): refused here, not when the node starts.
  require(!check_node_name(self), "self must not contain control characters");
  for (auto& p : partners)
    require(!check_node_name(p),
            "a partner's name must not contain control characters");
  // A read-only node is a learner by definition; a learner is never also a
  // voting partner.
  if (read_only)
    learners.push_back(self);
  std::sort(learners.begin(), learners.end());
  learners.erase(std::unique(learners.begin(), learners.end()),
                 learners.end());
  for (auto& l : learners) {
    require(!l.empty(), "learners must not contain an empty name");
    require(valid_utf8(l.name), "a learner's name is not valid UTF-8");
    require(!check_node_name(l),
            "a learner's name must not contain control characters");
  }
  std::erase_if(partners, [this](const node_id& p) { return is_learner(p); });
  if (is_learner(self))
    read_only = true;
  require(join || !voters().empty(),
          "a read-only node needs at least one voting partner");
  validate_timing(*this);
  validate_persistence(persistence);
  collect_zones(*this);
  placement.validate();
  // The simulator's unchecked terms are unsafe by design; it validates its
  // nodes with owned terms instead (scenarios/sim/cluster.cpp).
  require(terms == term_mode::shared || terms == term_mode::owned,
          "terms must be shared or owned");
  if (!join)
    make_quorum_system(); // throws config_error when unsafe
}

} // namespace flexsync
