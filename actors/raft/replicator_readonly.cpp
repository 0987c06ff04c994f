// The leader's read-only followers that no configuration lists (node_config::
// admit_non_member; protocol/readonly_rules.hpp holds the rules). Every
// heartbeat the leader asks the transport whom it links with: a linked peer
// outside the configuration (the transport admitted it as a read-only node)
// gets a follower record of its own, flagged learner and non_member, and is
// replicated to like any learner; one that is no longer linked, or that has
// not answered within leader_fallback_timeout, is dropped. Such a follower
// is never a voter of the quorum system, so it never counts for commit,
// check-quorum or has_quorum, and its replies never depose the leader
// (take_reply).

#include <algorithm>

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"
#include "protocol/readonly_rules.hpp"

namespace flexsync::detail {

namespace {

bool in_configuration(const replicator_state& st, const node_id& x) {
  auto members = st.config.members();
  return std::find(members.begin(), members.end(), x) != members.end();
}

void apply_links(replicator_ptr self, term_t term,
                 const std::vector<std::string>& names) {
  auto& st = self->state;
  if (!still_leading(st.leading, st.lead_term, term))
    return;
  auto& cfg = st.w->config;
  std::vector<node_id> linked(names.begin(), names.end());
  std::map<node_id, sim_time> tracked;
  for (auto& [id, fo] : st.followers)
    if (fo.non_member)
      tracked.emplace(id, fo.last_reply);
  auto now = self->clock().now().time_since_epoch();
  auto changes = sync_readonly(
    cfg.self, linked, [&](const node_id& x) { return in_configuration(st, x); },
    tracked, now, cfg.leader_fallback_timeout, cfg.admit_non_member);
  for (auto& id : changes.drop) {
    bool still_linked
      = std::find(linked.begin(), linked.end(), id) != linked.end();
    st.w->log.warning("dropped read-only node " + id.name
                   + (still_linked ? ": no answer within "
                                     "leader_fallback_timeout"
                                   : ": disconnected"));
    // Erasing it destroys its snapshot stream, if any.
    st.followers.erase(id);
  }
  for (auto& id : changes.add) {
    follower fo{progress{st.written_index, cfg.max_inflight}};
    fo.last_reply = now;
    fo.learner = true;
    fo.non_member = true;
    st.followers.emplace(id, std::move(fo));
    st.w->log.info("replicating to read-only node " + id.name
                   + " (outside the configuration)");
    send_entries(self, id);
  }
}

} // namespace

void poll_readonly_links(replicator_ptr self) {
  auto& st = self->state;
  if (!st.leading)
    return;
  bool tracking = std::any_of(st.followers.begin(), st.followers.end(),
                              [](auto& kv) { return kv.second.non_member; });
  if (!st.w->config.admit_non_member && !tracking)
    return;
  self
    ->request(st.w->transport, st.w->config.leader_fallback_timeout,
              links_atom::value, st.w->config.self)
    .then(
      [=, term = st.lead_term](const std::vector<std::string>& names) {
        apply_links(self, term, names);
      },
      [](caf::error&) {
        // A transport that does not answer: try again next heartbeat.
      });
}

bool is_outsider(const replicator_state& st, const node_id& from) {
  auto i = st.followers.find(from);
  if (i != st.followers.end())
    return i->second.non_member;
  return !in_configuration(st, from);
}

} // namespace flexsync::detail
