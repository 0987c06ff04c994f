#pragma once

// Workload-following leader placement (opt-in, placement_policy::
// follow_workload): the leader counts the commands it receives by the zone
// they come from (its own for local calls, the forwarding follower's for
// forwarded ones) in fixed windows. A zone that issued at least `share` of
// the commands of `windows` windows in a row, each with at least
// `min_commands`, becomes the zone the leader belongs in; the hand-over
// itself is an automatic hand-over (transfer.hpp) and is rate-limited like
// every other (placement_policy::interval). The share must exceed one half,
// so a 50/50 load names no zone and never moves the leader back and forth;
// the run of windows is the hysteresis.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace flexsync {

struct workload_rule {
  /// The share of a window's commands a zone must issue (over 0.5).
  double share = 0.6;
  /// Windows in a row the same zone must dominate.
  uint32_t windows = 3;
  /// A window with fewer commands names no zone (and breaks a run).
  uint64_t min_commands = 10;
};

class workload_tracker {
public:
  /// `n` commands came from `zone` (empty: a node without a zone).
  void add(const std::string& zone, uint64_t n);

  /// Ends the current window and starts the next.
  void close_window(const workload_rule& rule);

  /// The zone that dominated the last rule.windows windows, if any.
  const std::optional<std::string>& dominant() const { return dominant_; }

  /// Forgets everything (a new leadership).
  void reset() { *this = workload_tracker{}; }

private:
  std::map<std::string, uint64_t> window_;
  uint64_t total_ = 0;
  std::optional<std::string> run_zone_;
  uint32_t run_ = 0;
  std::optional<std::string> dominant_;
};

} // namespace flexsync
