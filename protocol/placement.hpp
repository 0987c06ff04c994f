#pragma once

/// @struct flexsync::placement_policy
/// Leader placement: where the operator wants the leader (NuRaft's priority
/// election; CockroachDB's lease preferences). Per-node priorities and zones,
/// and a preferred zone. The leader hands over on its own (transfer.hpp,
/// automatic_handover) to a live, caught-up voter that ranks higher than
/// itself: first by being in the preferred zone, then by priority. Equal
/// ranks never hand over, so equal priorities cannot ping-pong; a hand-over
/// waits until the leader has led for `settle` and at least `interval`
/// after the previous attempt, so a flapping node cannot make the
/// leadership oscillate either.
///
/// Placement decides only who leads next; safety never depends on it (a
/// hand-over is an ordinary leadership transfer).

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "protocol/types.hpp"
#include "protocol/workload.hpp"

namespace flexsync {

struct placement_policy {
  /// Higher leads first; a node not named has priority 0.
  std::map<node_id, int> priority;
  /// Each node's zone. With a zones quorum system, its zone labels fill in
  /// the nodes not named here (node_config::normalize_and_validate).
  std::map<node_id, std::string> zone;
  /// The leader belongs in this zone (empty: no zone is preferred).
  std::string preferred_zone;
  /// An automatic hand-over waits until the leader has led this long...
  std::chrono::nanoseconds settle = std::chrono::seconds(1);
  /// ... and this long after its previous automatic attempt.
  std::chrono::nanoseconds interval = std::chrono::seconds(5);
  /// Opt-in: the leader belongs in the zone that issues most commands
  /// (workload.hpp), in place of preferred_zone; without a dominant zone it
  /// stays in its own, and priorities choose only within the zone.
  bool follow_workload = false;
  /// When a zone dominates the workload (with follow_workload): the share
  /// of commands it must issue, in how many windows in a row.
  workload_rule workload;
  /// The length of one window of the workload count.
  std::chrono::nanoseconds workload_window = std::chrono::seconds(1);

  /// Whether any preference is set: otherwise the leader never hands over
  /// on its own.
  bool active() const {
    return !priority.empty() || !preferred_zone.empty() || follow_workload;
  }

  /// The priority of `x` (0 when not named).
  int priority_of(const node_id& x) const;
  /// Its zone, or empty.
  std::string zone_of(const node_id& x) const;
  /// Whether `x`'s zone is the preferred zone (false when none is preferred).
  bool in_preferred_zone(const node_id& x) const;

  /// How much `x` is wanted as leader: the larger leads first.
  std::pair<bool, int> rank(const node_id& x) const {
    return {in_preferred_zone(x), priority_of(x)};
  }

  /// @throws config_error (one line) when a priority is negative or above
  /// 1000000, a name or zone is empty, the preferred zone is no node's
  /// zone, settle/interval/workload_window is not positive, or the
  /// workload share is not above one half (up to 1) or windows is 0.
  void validate() const;

  /// Same settings.
  bool operator==(const placement_policy&) const = default;
};

/// The policy the leader `self` applies now: with follow_workload, the
/// preferred zone is the dominant zone, else the leader's own.
placement_policy effective_placement(const placement_policy& p,
                                     const std::optional<std::string>& dominant,
                                     const node_id& self);

/// Parses "name=priority,name=priority" into `into`.
/// @throws config_error (not an integer from 0 to 1000000, a node named
/// twice).
void parse_priorities(const std::string& text, std::map<node_id, int>& into);

/// "a=3,b=1" (empty when no priority is set).
std::string priorities_to_string(const std::map<node_id, int>& xs);

} // namespace flexsync
