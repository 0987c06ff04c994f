#pragma once

// A latency model for the simulator's network: a WAN of zones. Every node
// sits in one zone; a message between two nodes takes half the mean
// round-trip time between their zones (a separate one within a zone) plus
// Gaussian jitter, clamped so that no message arrives sooner than
// `min_delay`, and by default no sooner than the link's previous message.
// Deterministic: all randomness comes from the generator the
// caller passes (the network's own).

#include <map>
#include <random>
#include <string>
#include <vector>

#include <caf/timespan.hpp>

#include "protocol/types.hpp"

namespace flexsync::sim {

struct zone_latency {
  /// The zones' names, e.g. "VA"; zone_of and rtt index them.
  std::vector<std::string> zones;
  /// Each node's zone. Every node that sends or receives needs one.
  std::map<node_id, size_t> zone_of;
  /// Mean round-trip time between two different zones (symmetric; the
  /// diagonal is not used: see intra_rtt).
  std::vector<std::vector<caf::timespan>> rtt;
  /// Mean round-trip time between two nodes of one zone.
  caf::timespan intra_rtt{0};
  /// Standard deviation of one message's delay between zones...
  caf::timespan wan_sigma{0};
  /// ... and within one.
  caf::timespan intra_sigma{0};
  /// The shortest delay a draw may give (jitter is clamped to it).
  caf::timespan min_delay{1000};
  /// Messages of one link (one direction) arrive in the order they were
  /// sent, as over one TCP connection: a message drawn to overtake an
  /// earlier one waits for it (head-of-line blocking). Applied by
  /// sim_network, which knows the time.
  bool fifo = true;

  /// The mean one-way delay from `a` to `b` (half their zones' RTT).
  caf::timespan mean_one_way(const node_id& a, const node_id& b) const;

  /// One message's delay from `a` to `b`.
  caf::timespan draw(const node_id& a, const node_id& b,
                     std::mt19937_64& rng) const;

  /// The index of zone `name`.
  /// @throws std::invalid_argument when there is no such zone.
  size_t zone_index(const std::string& name) const;

  /// Why the model cannot serve the nodes `ids` (a node without a zone, a
  /// zone index out of range, an RTT matrix of the wrong shape or not
  /// symmetric, a negative time), or empty.
  std::string check(const std::vector<node_id>& ids) const;
};

} // namespace flexsync::sim
