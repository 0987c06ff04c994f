#pragma once

// The WAN benchmark's world: five regions with published mean round-trip
// times, a number of nodes in each, and the quorum systems compared on it,
// each as a simulated cluster (scenarios/sim) whose network delays every
// message by its regions' RTT (sim/zone_latency.hpp).
//
// Nodes are numbered zone by zone: with three nodes per zone, 1-3 are in
// VA, 4-6 in OR, 7-9 in CA, 10-12 in IR and 13-15 in JP.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/quorum_spec.hpp"
#include "scenarios/sim/cluster.hpp"
#include "scenarios/sim/zone_latency.hpp"

namespace flexsync::bench {

/// How the simulated WAN and its nodes are set up.
struct wan_setup {
  uint64_t seed = 1;
  size_t nodes_per_zone = 3;
  /// Jitter of one message between regions and within one.
  caf::timespan wan_sigma = std::chrono::milliseconds(2);
  caf::timespan intra_sigma = std::chrono::microseconds(20);
  /// Timers suited to RTTs of up to 218 ms: a heartbeat every 100 ms, an
  /// election after 1-2 s without one (check-quorum's window is 2 s).
  caf::timespan heartbeat_interval = std::chrono::milliseconds(100);
  caf::timespan election_timeout_min = std::chrono::seconds(1);
  caf::timespan election_timeout_max = std::chrono::seconds(2);
};

/// A quorum system under test and where its leader is placed.
struct wan_system {
  /// "majority", "counting", "grid", "zones" or "zones-local".
  std::string name;
  /// What the system is, in quorum_spec's text form plus its labels.
  std::string description;
  /// Nothing for majority.
  std::optional<quorum_spec> quorum;
  /// The leader moves into each client zone in turn (by a transfer) and
  /// only that zone's row is measured; otherwise it stays where it was
  /// first elected.
  bool localized = false;
  /// Owned terms for the systems whose election quorums need not meet
  /// (grid: two rows are disjoint).
  term_mode terms = term_mode::shared;
};

/// The regions, their RTT matrix and the nodes' zones.
class wan_world {
 public:
  explicit wan_world(wan_setup setup);

  const wan_setup& setup() const { return setup_; }
  const sim::zone_latency& latency() const { return latency_; }
  const std::vector<std::string>& zones() const { return latency_.zones; }
  size_t zone_count() const { return latency_.zones.size(); }
  const std::vector<node_id>& nodes() const { return nodes_; }
  /// The nodes of zone `z`, in order.
  std::vector<node_id> nodes_in(size_t z) const;
  size_t zone_of(const node_id& id) const { return latency_.zone_of.at(id); }
  /// The zone-local round-trip time, in milliseconds.
  double intra_rtt_ms() const;

  /// The systems the benchmark knows, by name (see wan_system).
  /// @throws std::invalid_argument for an unknown name.
  wan_system system(const std::string& name) const;
  static const std::vector<std::string>& system_names();

  /// A cluster of every node running `sys` on this world's WAN, nobody
  /// elected yet; `configure` may adjust its options first.
  /// @throws config_error when the nodes refuse the system (unsafe).
  std::unique_ptr<sim::cluster> make_cluster(
      const wan_system& sys,
      const std::function<void(sim::cluster_options&)>& configure = {}) const;

 private:
  quorum_spec zones_spec() const;
  quorum_spec grid_spec() const;

  wan_setup setup_;
  sim::zone_latency latency_;
  std::vector<node_id> nodes_;
};

} // namespace flexsync::bench
