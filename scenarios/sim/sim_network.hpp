#pragma once

// The simulator's network: a policy for the in-process network actor that
// delays every message by a random amount (which also reorders), drops and
// duplicates at configurable rates, blocks directed links (partitions), and
// can hold a link's messages until a script releases them one by one.
// Deterministic: all randomness comes from the generator it is given.
//
// The delay is uniform in [min_delay, max_delay] unless a latency model is
// set (zone_latency: a WAN of zones). Without one the generator is used
// exactly as it always was, so pinned seeds replay unchanged.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include <caf/message.hpp>

#include "actors/transport/local_network.hpp"
#include "scenarios/sim/zone_latency.hpp"

namespace flexsync::sim {

struct network_faults {
  caf::timespan min_delay = std::chrono::milliseconds(1);
  caf::timespan max_delay = std::chrono::milliseconds(5);
  /// Probability that a message is lost.
  double drop = 0.0;
  /// Probability that a message is delivered twice.
  double duplicate = 0.0;
  /// Extra delay of every message to or from a node (slow nodes).
  std::map<node_id, caf::timespan> slow;
};

/// A message captured on a held link.
struct held_message {
  node_id from;
  node_id to;
  caf::message msg;
};

/// A short description of a protocol message, e.g.
/// "append_entries term=3 prev=1:1 entries=[2:1] commit=1".
std::string describe_message(const caf::message& msg);

class sim_network : public network_policy {
public:
  explicit sim_network(uint64_t seed) : rng_(seed) {}

  std::vector<caf::timespan> route(const node_id& from, const node_id& to,
                                   const caf::message& msg) override;

  network_faults faults;
  /// When set, each message's delay comes from this model instead of
  /// faults.min_delay..max_delay (slow nodes still add theirs).
  std::optional<zone_latency> latency;
  /// The current virtual time: what keeps a link's messages in order when
  /// the latency model asks for it (zone_latency::fifo).
  std::function<caf::timespan()> clock;

  /// Blocks messages from `from` to `to` (one direction).
  void block(const node_id& from, const node_id& to) {
    blocked_.emplace(from, to);
  }
  void unblock(const node_id& from, const node_id& to) {
    blocked_.erase({from, to});
  }
  /// Removes every block and hold, and releases nothing (held messages stay
  /// held until released or dropped).
  void heal() {
    blocked_.clear();
    held_links_.clear();
  }
  bool blocked(const node_id& from, const node_id& to) const {
    return blocked_.count({from, to}) > 0;
  }

  /// Captures messages from `from` to `to` instead of delivering them.
  void hold(const node_id& from, const node_id& to) {
    held_links_.emplace(from, to);
  }
  /// Takes up to `n` held messages of the link, oldest first.
  std::vector<held_message> release(const node_id& from, const node_id& to,
                                    size_t n);
  /// Forgets every held message of the link.
  void drop_held(const node_id& from, const node_id& to);

  /// Messages seen per (from, to, type name), for scenario statistics.
  const std::map<std::tuple<node_id, node_id, std::string>, size_t>&
  counts() const {
    return counts_;
  }
  /// Rejected append replies per follower.
  const std::map<node_id, size_t>& rejections() const { return rejections_; }
  void reset_counts() {
    counts_.clear();
    rejections_.clear();
  }

private:
  /// The delay that makes a message sent now after `d` arrive no sooner
  /// than the link's previous one (zone_latency::fifo).
  caf::timespan in_order(const node_id& from, const node_id& to,
                         caf::timespan d);

  std::mt19937_64 rng_;
  /// When each link's last message arrives (with a FIFO latency model).
  std::map<std::pair<node_id, node_id>, caf::timespan> last_arrival_;
  std::set<std::pair<node_id, node_id>> blocked_;
  std::set<std::pair<node_id, node_id>> held_links_;
  std::deque<held_message> held_;
  std::map<std::tuple<node_id, node_id, std::string>, size_t> counts_;
  std::map<node_id, size_t> rejections_;
};

} // namespace flexsync::sim
