#include "scenarios/bench/wan_world.hpp"

#include <stdexcept>

namespace flexsync::bench {

namespace {

using std::chrono::duration;
using std::chrono::duration_cast;

caf::timespan ms(double x) {
  return duration_cast<caf::timespan>(duration<double, std::milli>(x));
}

/// Mean RTTs in milliseconds between the regions, as issue 12 lists them
/// (AWS regions: Virginia, Oregon, California, Ireland, Japan).
const std::vector<std::string> region_names = {"VA", "OR", "CA", "IR", "JP"};
const double region_rtt_ms[5][5] = {
    //  VA    OR    CA    IR    JP
    {0, 86, 65, 80, 156},    // VA
    {86, 0, 28, 154, 131},   // OR
    {65, 28, 0, 137, 115},   // CA
    {80, 154, 137, 0, 218},  // IR
    {156, 131, 115, 218, 0}, // JP
};
constexpr double intra_zone_rtt_ms = 0.43;

} // namespace

wan_world::wan_world(wan_setup setup) : setup_(setup) {
  if (setup_.nodes_per_zone == 0)
    throw std::invalid_argument("--nodes-per-zone must be at least 1");
  auto& m = latency_;
  m.zones = region_names;
  m.rtt.assign(m.zones.size(), std::vector<caf::timespan>(m.zones.size()));
  for (size_t a = 0; a < m.zones.size(); ++a)
    for (size_t b = 0; b < m.zones.size(); ++b)
      m.rtt[a][b] = ms(region_rtt_ms[a][b]);
  m.intra_rtt = ms(intra_zone_rtt_ms);
  m.wan_sigma = setup_.wan_sigma;
  m.intra_sigma = setup_.intra_sigma;
  for (size_t z = 0; z < m.zones.size(); ++z)
    for (size_t k = 0; k < setup_.nodes_per_zone; ++k) {
      nodes_.emplace_back(std::to_string(nodes_.size() + 1));
      m.zone_of[nodes_.back()] = z;
    }
  if (auto why = m.check(nodes_); !why.empty())
    throw std::logic_error("wan_world: " + why);
}

std::vector<node_id> wan_world::nodes_in(size_t z) const {
  auto k = setup_.nodes_per_zone;
  return {nodes_.begin() + z * k, nodes_.begin() + (z + 1) * k};
}

double wan_world::intra_rtt_ms() const {
  return duration<double, std::milli>(latency_.intra_rtt).count();
}

// WPaxos with f_z = 0, f_n = 1: two nodes of the leader's zone commit;
// all but one node in every zone elect.
quorum_spec wan_world::zones_spec() const {
  label_map labels;
  for (auto& id : nodes_)
    labels[id].zone = zones()[zone_of(id)];
  return with_labels(quorum_spec::zones(0, 1), nodes_, labels);
}

// Rows are the nodes' ranks within their zones, columns the zones: a row
// (one node per zone) elects and a column (one zone) commits. Two rows are
// disjoint, so only owned terms make it safe.
quorum_spec wan_world::grid_spec() const {
  std::vector<node_id> order;
  for (size_t r = 0; r < setup_.nodes_per_zone; ++r)
    for (size_t z = 0; z < zone_count(); ++z)
      order.push_back(nodes_in(z)[r]);
  return quorum_spec::grid(setup_.nodes_per_zone, zone_count(),
                           grid_lines::rows, order);
}

const std::vector<std::string>& wan_world::system_names() {
  static const std::vector<std::string> names = {"majority", "counting", "grid",
                                                 "zones", "zones-local"};
  return names;
}

wan_system wan_world::system(const std::string& name) const {
  auto n = nodes_.size();
  if (name == "majority")
    return {name, "majority", std::nullopt, false};
  if (name == "counting") {
    // The smallest replication quorum beyond the leader's zone, and the
    // election quorum that still meets it: an election survives the loss
    // of a whole zone.
    auto q2 = std::min(n, setup_.nodes_per_zone + 1);
    auto spec = quorum_spec::counting(n + 1 - q2, q2);
    return {name, to_string(spec), spec, false};
  }
  if (name == "grid") {
    auto spec = grid_spec();
    return {name, to_string(spec) + " (rows: one node per zone), owned terms",
            spec, false, term_mode::owned};
  }
  if (name == "zones" || name == "zones-local") {
    auto spec = zones_spec();
    return {name, to_string(spec), spec, name == "zones-local"};
  }
  throw std::invalid_argument("unknown system " + name);
}

std::unique_ptr<sim::cluster> wan_world::make_cluster(
    const wan_system& sys,
    const std::function<void(sim::cluster_options&)>& configure) const {
  sim::cluster_options opts;
  opts.nodes = nodes_.size();
  opts.seed = setup_.seed;
  opts.quorum = sys.quorum;
  opts.terms = sys.terms;
  opts.heartbeat_interval = setup_.heartbeat_interval;
  opts.election_timeout_min = setup_.election_timeout_min;
  opts.election_timeout_max = setup_.election_timeout_max;
  opts.default_call_timeout = std::chrono::seconds(30);
  if (configure)
    configure(opts);
  auto c = std::make_unique<sim::cluster>(opts);
  // Before any message moves: every delay comes from the RTT matrix.
  c->net().latency = latency_;
  return c;
}

} // namespace flexsync::bench
