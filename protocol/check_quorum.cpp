#include "protocol/check_quorum.hpp"

namespace flexsync {

bool has_active_quorum(const quorum_system& quorum, const node_id& self,
                       const std::map<node_id, sim_time>& last_reply,
                       sim_time now, sim_time window) {
  node_set active{self};
  for (auto& [peer, at] : last_reply)
    if (now - at <= window)
      active.insert(peer);
  return quorum.is_replication_quorum(active);
}

bool has_connected_quorum(const quorum_system& quorum, const node_id& self,
                          bool self_counts, const node_set& connected) {
  // is_replication_quorum counts voters only, so learners drop out here.
  node_set members = connected;
  if (self_counts)
    members.insert(self);
  return quorum.is_replication_quorum(members);
}

} // namespace flexsync
