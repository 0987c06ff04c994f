#include "protocol/transfer.hpp"

#include <algorithm>
#include <tuple>

namespace flexsync {

namespace {

/// Why `x` cannot take over, or nothing when it can.
std::optional<std::string> unfit(const transfer_candidate& x) {
  if (!x.voter)
    return x.id.name + " is not a voter of the configuration";
  if (!x.live)
    return x.id.name + " has not answered within the election timeout";
  if (!x.counts)
    return x.id.name + " is recovering its state";
  return std::nullopt;
}

/// Orders candidates from best to worst.
bool better(const transfer_candidate& a, const transfer_candidate& b) {
  return std::tuple{a.preferred_zone, a.priority, a.match.value, b.id}
         > std::tuple{b.preferred_zone, b.priority, b.match.value, a.id};
}

} // namespace

void rank_candidates(const placement_policy& p,
                     std::vector<transfer_candidate>& xs) {
  for (auto& x : xs) {
    x.preferred_zone = p.in_preferred_zone(x.id);
    x.priority = p.priority_of(x.id);
  }
}

std::optional<node_id>
automatic_handover(const node_id& self, const placement_policy& p,
                   const std::vector<transfer_candidate>& xs,
                   index_t leader_last, uint64_t max_lag) {
  if (!p.active())
    return std::nullopt;
  auto mine = p.rank(self);
  const transfer_candidate* best = nullptr;
  for (auto& x : xs) {
    if (unfit(x) || std::pair{x.preferred_zone, x.priority} <= mine
        || x.match.value + max_lag < leader_last.value)
      continue;
    if (!best || better(x, *best))
      best = &x;
  }
  if (!best)
    return std::nullopt;
  return best->id;
}

transfer_choice choose_transfer_target(const node_id& self,
                                       const std::vector<transfer_candidate>& xs,
                                       const std::optional<node_id>& wanted) {
  if (wanted && *wanted == self)
    return {std::nullopt, change_result::success(self.name + " leads already")};
  if (wanted) {
    auto i = std::find_if(xs.begin(), xs.end(), [&](const auto& x) {
      return x.id == *wanted;
    });
    if (i == xs.end())
      return {std::nullopt,
              change_result::denied(wanted->name + " is not a member")};
    if (auto why = unfit(*i))
      return {std::nullopt, change_result::denied(*why)};
    return {i->id, change_result::success()};
  }
  const transfer_candidate* best = nullptr;
  for (auto& x : xs)
    if (!unfit(x) && (!best || better(x, *best)))
      best = &x;
  if (!best)
    return {std::nullopt,
            change_result::denied("no other live voter to hand over to")};
  return {best->id, change_result::success()};
}

} // namespace flexsync
