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
  return std::tuple{a.priority, a.match.value, b.id}
         > std::tuple{b.priority, b.match.value, a.id};
}

} // namespace

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
