#include "actors/node.hpp"

#include <optional>
#include <set>

#include <caf/all.hpp>

#include "actors/local_messages.hpp"
#include "actors/persistence.hpp"
#include "actors/spawn.hpp"
#include "snapshot/memory_disk.hpp"

namespace flexsync {

node::node(caf::actor_system& sys, node_config cfg, caf::actor transport,
           std::vector<replicated_object*> objects, node_options opts)
  : sys_(sys), loop_(opts.loop), started_(std::chrono::steady_clock::now()) {
  if (loop_ && &loop_->system() != &sys)
    throw config_error("invalid node_options: a manual node must be spawned "
                       "on its loop's actor system");
  cfg.normalize_and_validate();
  wiring_ = std::make_shared<node_wiring>();
  auto& w = *wiring_;
  w.quorum = cfg.make_quorum_system();
  w.log = logger{cfg.self.name, opts.level, std::move(opts.log_sink)};
  w.config = std::move(cfg);
  w.transport = std::move(transport);
  flags_ = std::make_shared<node_flags>();
  w.flags = flags_;
  auto log = [lg = w.log](const std::string& line) { lg.warning(line); };
  auto clock = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
  };
  if (opts.store) {
    w.store = std::move(opts.store);
    w.snapshots = std::make_shared<snapshot_store>(
      std::make_shared<memory_disk>(), log);
    w.fresh = holds_no_state(*w.store);
  } else {
    auto p = open_persistence(w.config, nullptr, log, clock);
    w.store = std::move(p.store);
    w.log_journal = std::move(p.log_journal);
    w.snapshots = std::move(p.snapshots);
    w.restored = std::move(p.restored);
    w.fresh = p.fresh;
    w.promised = std::move(p.promised);
    w.marker = std::move(p.marker);
  }
  // Every start is a new incarnation; the wall clock makes it larger than
  // the previous one's (a clock set back across a restart is detected and
  // reported: protocol/recovery.hpp).
  w.incarnation = incarnation_t{static_cast<uint64_t>(default_wall_clock())};
  w.observer = opts.observer;
  w.machines = std::move(objects);
  spawn_node(sys, wiring_);
  gate_ = std::make_shared<call_gate>();
  uint32_t index = 0;
  for (auto* m : w.machines)
    m->bind(call_binding{&sys, w.self.state_machine, index++,
                         w.config.default_call_timeout, gate_,
                         loop_ != nullptr});
  cached_.self = id();
  cached_.read_only = w.config.read_only;
  if (loop_) {
    loop_started_ = loop_->now();
    // Manual mode: status is gathered at the end of each tick, so it does
    // not change between ticks.
    refresh_hook_ = loop_->add_refresh([this] { cached_ = gather({}); });
  }
}

node::~node() {
  stop();
}

void node::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> guard{gate_->mtx};
    gate_->open = false;
  }
  if (loop_)
    loop_->remove_refresh(refresh_hook_);
  auto& ep = wiring_->self;
  caf::scoped_actor self{sys_};
  std::vector<caf::actor> actors{ep.election, ep.replicator, ep.log_store,
                                 ep.membership, ep.state_machine,
                                 ep.snapshotter};
  for (auto& a : actors)
    self->monitor(a);
  stop_node(ep, wiring_->transport, id(), caf::exit_reason::user_shutdown);
  // Manual mode: the exits are jobs like any other; run them now (stop is
  // immediate in manual mode, as in PySyncObj).
  if (loop_)
    loop_->run_ready();
  // The objects and the storage must not be touched after we return.
  for (size_t i = 0; i < actors.size(); ++i)
    self->receive([](const caf::down_msg&) {});
}

bool node::is_ready() const {
  return flags_->ready.load();
}

raft_role node::role() const {
  return static_cast<raft_role>(flags_->role.load());
}

bool node::wait_ready(caf::timespan timeout) {
  if (is_ready())
    return true;
  if (loop_) {
    auto deadline = loop_->now() + timeout;
    while (!is_ready() && loop_->now() < deadline) {
      auto before = loop_->now();
      auto ran = loop_->tick(deadline - loop_->now());
      if (ran == 0 && loop_->now() == before)
        break; // an injected clock that does not move: nothing can change
    }
    return is_ready();
  }
  caf::scoped_actor self{sys_};
  bool ready = false;
  self->request(wiring_->self.state_machine, timeout, ready_atom::value)
    .receive([&](bool x) { ready = x; }, [&](caf::error&) { ready = false; });
  return ready;
}

node_status node::status(caf::timespan timeout) const {
  if (loop_)
    return cached_;
  return gather(timeout);
}

namespace {

/// Partners' links as a non-leader sees them: its leader is connected when
/// heard recently; it cannot tell for anyone else.
link_state follower_view(const node_id& peer, const node_id& leader,
                         bool leader_heard) {
  if (peer != leader)
    return link_state::unknown;
  return leader_heard ? link_state::connected : link_state::disconnected;
}

} // namespace

node_status node::gather(caf::timespan timeout) const {
  auto& w = *wiring_;
  node_status st;
  st.self = id();
  st.read_only = w.config.read_only;
  auto& ep = w.self;
  if (stopped_)
    return cached_;
  caf::scoped_actor self{sys_};
  auto ignore = [](caf::error&) {};
  // In manual mode a request is answered only when its target runs: run the
  // loop's ready jobs (just these status requests, at the end of a tick).
  auto ask_for = [&](const caf::actor& dest, auto handler, auto... xs) {
    if (!loop_) {
      self->request(dest, timeout, xs...).receive(handler, ignore);
      return;
    }
    auto h = self->request(dest, caf::infinite, xs...);
    loop_->run_ready();
    h.receive(handler, ignore);
  };
  auto ask = [&](const caf::actor& dest, auto handler) {
    ask_for(dest, handler, status_atom::value);
  };
  bool leader_heard = false;
  ask(ep.election, [&](raft_role role, term_t term, const node_id& leader,
                       bool heard) {
    st.role = role;
    st.term = term;
    st.leader = leader;
    leader_heard = heard;
  });
  std::set<node_id> recovering;
  ask(ep.log_store, [&](const log_store_status& ls) {
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
    recovering.insert(ls.recovering_peers.begin(), ls.recovering_peers.end());
    for (auto& p : ls.recovering_peers)
      st.recovering_peers.push_back(p);
  });
  ask(ep.state_machine, [&](index_t applied, bool ready, uint64_t pending) {
    st.last_applied = applied;
    st.ready = ready;
    st.pending_calls = pending;
  });
  ask(ep.membership,
      [&](const std::vector<std::string>& voters,
          const std::vector<std::string>&, const std::string& quorum) {
        for (auto& v : voters)
          st.voters.emplace_back(v);
        st.quorum = quorum;
      });
  std::map<node_id, peer_status> leader_view;
  bool leader_quorum = false;
  ask(ep.replicator,
      [&](const std::vector<std::string>& ids,
          const std::vector<uint64_t>& learner,
          const std::vector<uint64_t>& connected,
          const std::vector<uint64_t>& match,
          const std::vector<uint64_t>& next, bool quorum) {
        (void) learner;
        for (size_t i = 0; i < ids.size(); ++i)
          leader_view[node_id{ids[i]}] = peer_status{
            node_id{ids[i]},
            connected[i] != 0 ? link_state::connected
                              : link_state::disconnected,
            index_t{match[i]}, index_t{next[i]}};
        leader_quorum = quorum;
      });
  // What the transport links this node with: how a follower sees its
  // partners (a transport that cannot tell leaves them `unknown`).
  std::optional<std::set<node_id>> linked;
  ask_for(
    w.transport,
    [&](const std::vector<std::string>& peers) {
      linked.emplace(peers.begin(), peers.end());
    },
    links_atom::value, id());
  auto leading = st.role == raft_role::leader;
  auto view = [&](const node_id& peer) {
    if (leading) {
      if (auto i = leader_view.find(peer); i != leader_view.end())
        return i->second;
    }
    auto link = follower_view(peer, st.leader, leader_heard);
    if (linked && peer != st.leader)
      link = linked->count(peer) > 0 ? link_state::connected
                                     : link_state::disconnected;
    return peer_status{peer, link, index_t{0}, index_t{0}};
  };
  for (auto& p : w.config.partners)
    st.partners.push_back(view(p));
  for (auto& l : w.config.other_learners())
    st.readonly_nodes.push_back(view(l));
  if (leading) {
    st.has_quorum = leader_quorum;
  } else if (linked) {
    // PySyncObj's rule, through the quorum system: self (a voter) and the
    // voters it is linked with could form a replication quorum. Nodes that
    // lost their state (self, or peers that say so) do not count.
    node_set reachable;
    if (w.quorum.is_voter(id()) && st.member == member_state::intact)
      reachable.insert(id());
    for (auto& p : st.partners)
      if (p.link == link_state::connected && recovering.count(p.id) == 0)
        reachable.insert(p.id);
    st.has_quorum = w.quorum.is_replication_quorum(reachable);
  } else {
    st.has_quorum = leader_heard;
  }
  if (leading)
    st.leader_commit_index = st.commit_index;
  if (loop_)
    st.uptime = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(loop_->now()
                                                       - loop_started_)
        .count());
  else
    st.uptime = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started_)
        .count());
  return st;
}

bool node::is_node_connected(const node_id& peer) const {
  auto st = status();
  for (auto* xs : {&st.partners, &st.readonly_nodes})
    for (auto& p : *xs)
      if (p.id == peer)
        return p.link == link_state::connected;
  return false;
}

void node::print_status() const {
  for (auto& [key, value] : status().to_key_values())
    wiring_->log.info(key + ": " + value);
}

void node::force_compaction() {
  caf::anon_send(wiring_->self.snapshotter, force_atom::value);
}

void node::campaign_now() {
  caf::anon_send(wiring_->self.election, campaign_now_atom::value);
}

void node::force_recover() {
  wiring_->log.warning("force_recover: recovering the cluster from this node "
                       "(operator request)");
  caf::anon_send(wiring_->self.election, recover_atom::value);
}

} // namespace flexsync
