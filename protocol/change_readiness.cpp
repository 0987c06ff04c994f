#include "protocol/change_readiness.hpp"

namespace flexsync {

std::optional<std::string> unelectable(const configuration& next,
                                       const node_set& counting) {
  auto quorum = next.quorum();
  if (quorum.is_election_quorum(counting))
    return std::nullopt;
  std::string names;
  for (auto& x : counting)
    if (next.is_voter(x))
      names += (names.empty() ? "" : ",") + x.name;
  return "the voters holding their state ({" + names
         + "}) could not elect a leader of the new configuration; waiting "
           "for the others to catch up";
}

} // namespace flexsync
