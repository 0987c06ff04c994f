#include "actors/node/actor_status.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "protocol/check_quorum.hpp"

namespace flexsync {

namespace {

/// Partners' links as a non-leader sees them: its leader is connected when
/// heard recently; it cannot tell for anyone else.
link_state follower_view(const node_id& peer, const node_id& leader,
                         bool leader_heard) {
  if (peer != leader)
    return link_state::unknown;
  return leader_heard ? link_state::connected : link_state::disconnected;
}

void put_log_store(node_status& st, const log_store_status& ls) {
  if (ls.leader_commit_seen > index_t{0})
    st.leader_commit_index = ls.leader_commit_seen;
  st.snapshot_index = ls.snapshot_index;
  st.commit_index = ls.commit_index;
  st.last_log_index = ls.last_index;
  st.log_entries = ls.entries;
  st.log_bytes = ls.bytes;
  st.member = ls.member;
  st.recovery = ls.recovery;
  st.incarnation = ls.incarnation.value;
  st.recovering_peers = ls.recovering_peers;
}

/// How this node sees each peer: the leader from its replicator's
/// bookkeeping, any other node from its leader contact and its transport.
class peer_views {
public:
  peer_views(const node_status& st, const status_parts& parts)
    : st_(st), linked_(parts.linked) {
    leader_heard_ = parts.election && parts.election->leader_heard;
    if (st.role == raft_role::leader && parts.replicator)
      for (auto& f : parts.replicator->followers)
        leader_view_[f.id] = peer_status{
          f.id, f.connected ? link_state::connected : link_state::disconnected,
          f.match_index, f.next_index, f.code_version};
  }

  peer_status operator()(const node_id& peer) const {
    if (st_.role == raft_role::leader)
      if (auto i = leader_view_.find(peer); i != leader_view_.end())
        return i->second;
    auto link = follower_view(peer, st_.leader, leader_heard_);
    if (linked_ && peer != st_.leader)
      link = std::find(linked_->begin(), linked_->end(), peer) != linked_->end()
               ? link_state::connected
               : link_state::disconnected;
    return peer_status{peer, link, index_t{0}, index_t{0}};
  }

private:
  const node_status& st_;
  const std::optional<std::vector<node_id>>& linked_;
  bool leader_heard_ = false;
  std::map<node_id, peer_status> leader_view_;
};

bool compose_has_quorum(const node_status& st, const status_parts& parts,
                        const node_config& cfg, const quorum_system& quorum) {
  if (st.role == raft_role::leader)
    return parts.replicator && parts.replicator->has_quorum;
  if (!parts.linked)
    return parts.election && parts.election->leader_heard;
  // PySyncObj's rule, through the quorum system. Nodes that lost their
  // state (self, or peers that say so) do not count.
  std::set<node_id> recovering(st.recovering_peers.begin(),
                               st.recovering_peers.end());
  node_set reachable;
  for (auto& p : st.partners)
    if (p.link == link_state::connected && recovering.count(p.id) == 0)
      reachable.insert(p.id);
  return has_connected_quorum(quorum, cfg.self,
                              st.member == member_state::intact, reachable);
}

} // namespace

node_status compose_status(const status_parts& parts, const node_config& cfg,
                           const quorum_system& quorum) {
  node_status st;
  st.self = cfg.self;
  st.read_only = cfg.read_only;
  st.self_code_version = cfg.max_code_version.value_or(0);
  if (auto& e = parts.election) {
    st.role = e->role;
    st.term = e->term;
    st.leader = e->leader;
  }
  if (parts.log_store)
    put_log_store(st, *parts.log_store);
  if (auto& sm = parts.state_machine) {
    st.last_applied = sm->last_applied;
    st.ready = sm->ready;
    st.pending_calls = sm->pending_calls;
    st.enabled_code_version = sm->enabled_code_version;
  }
  // The configuration in effect (the static one if the membership manager
  // did not answer).
  auto q = quorum;
  std::vector<node_id> voters = quorum.voters();
  std::vector<node_id> learners = cfg.learners;
  if (auto& m = parts.membership) {
    q = m->config.quorum();
    voters = m->voters;
    learners = m->learners;
    st.quorum = m->quorum;
    st.configuration = m->config.to_string();
    st.config_index = m->config_index;
    if (!m->config.is_voter(cfg.self)
        && !m->config.current.is_learner(cfg.self))
      st.membership_note
        = m->config.current.voters.empty()
            ? "joining: no configuration received from the cluster yet"
          : cfg.read_only
            ? "read-only node outside the configuration (admitted by voters "
              "with admit_non_member)"
            : "not a member of the configuration in effect (removed?)";
  }
  st.voters = voters;
  peer_views view{st, parts};
  for (auto& p : voters)
    if (p != cfg.self)
      st.partners.push_back(view(p));
  for (auto& l : learners)
    if (l != cfg.self)
      st.readonly_nodes.push_back(view(l));
  // Read-only nodes outside the configuration: the transport links a voter
  // with a non-member only when it admitted it (admit_non_member).
  if (cfg.admit_non_member && parts.linked)
    for (auto& p : *parts.linked)
      if (p != cfg.self && !std::count(voters.begin(), voters.end(), p)
          && !std::count(learners.begin(), learners.end(), p))
        st.readonly_nodes.push_back(view(p));
  st.has_quorum = compose_has_quorum(st, parts, cfg, q);
  if (st.role == raft_role::leader)
    st.leader_commit_index = st.commit_index;
  st.uptime = parts.uptime_seconds;
  st.install = parts.install;
  return st;
}

} // namespace flexsync
