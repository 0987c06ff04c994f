#pragma once

// The nemesis itself: carries out a fault event on the cluster and lifts it
// again, and counts what it did.

#include <cstdint>
#include <map>
#include <string>

#include "scenarios/nemesis/cluster.hpp"
#include "scenarios/nemesis/schedule.hpp"

namespace flexsync::nemesis {

class nemesis {
public:
  explicit nemesis(cluster& c) : cluster_(c) {}

  /// Starts `ev`; returns the node it hit (the leader for events aimed at
  /// the leader, when one is known).
  size_t start(const fault_event& ev);

  /// Lifts `ev`, started on `target`.
  void stop(const fault_event& ev, size_t target);

  /// Events carried out, by kind.
  const std::map<std::string, int>& counts() const { return counts_; }
  int total() const;

private:
  cluster& cluster_;
  std::map<std::string, int> counts_;
};

} // namespace flexsync::nemesis
