#include "protocol/commit_rule.hpp"

#include "protocol/planted_bugs.hpp"

namespace flexsync {

index_t advance_commit(const quorum_system& quorum,
                       const std::map<node_id, index_t>& match,
                       index_t first_index_of_term, index_t commit_index) {
  auto candidate = quorum.committed_index(match);
  if (candidate <= commit_index)
    return commit_index;
  // §5.4.2: never commit an entry of an earlier term by counting replicas.
  if (candidate < first_index_of_term
      && !planted(planted_bug::figure8_commit))
    return commit_index;
  return candidate;
}

} // namespace flexsync
