#include "actors/node.hpp"

#include <caf/all.hpp>

#include "actors/spawn.hpp"
#include "actors/persistence.hpp"
#include "snapshot/memory_disk.hpp"

namespace flexsync {

node::node(caf::actor_system& sys, node_config cfg, caf::actor transport,
           std::vector<replicated_object*> objects, node_options opts)
  : sys_(sys) {
  cfg.normalize_and_validate();
  wiring_ = std::make_shared<node_wiring>();
  auto& w = *wiring_;
  w.quorum = cfg.make_quorum_system();
  w.log = logger{cfg.self.name, opts.level, std::move(opts.log_sink)};
  w.config = std::move(cfg);
  w.transport = std::move(transport);
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
  } else {
    auto p = open_persistence(w.config, nullptr, log, clock);
    w.store = std::move(p.store);
    w.log_journal = std::move(p.log_journal);
    w.snapshots = std::move(p.snapshots);
    w.restored = std::move(p.restored);
  }
  w.observer = opts.observer;
  w.machines = std::move(objects);
  spawn_node(sys, wiring_);
  gate_ = std::make_shared<call_gate>();
  uint32_t index = 0;
  for (auto* m : w.machines)
    m->bind(call_binding{&sys, w.self.state_machine, index++,
                         w.config.default_call_timeout, gate_});
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
  auto& ep = wiring_->self;
  caf::scoped_actor self{sys_};
  std::vector<caf::actor> actors{ep.election, ep.replicator, ep.log_store,
                                 ep.membership, ep.state_machine,
                                 ep.snapshotter};
  for (auto& a : actors)
    self->monitor(a);
  stop_node(ep, wiring_->transport, id(), caf::exit_reason::user_shutdown);
  // The objects and the storage must not be touched after we return.
  for (size_t i = 0; i < actors.size(); ++i)
    self->receive([](const caf::down_msg&) {});
}

bool node::wait_ready(caf::timespan timeout) {
  caf::scoped_actor self{sys_};
  bool ready = false;
  self->request(wiring_->self.state_machine, timeout, ready_atom::value)
    .receive([&](bool x) { ready = x; }, [&](caf::error&) { ready = false; });
  return ready;
}

node_status node::status(caf::timespan timeout) const {
  node_status st;
  st.self = id();
  auto& ep = wiring_->self;
  caf::scoped_actor self{sys_};
  auto ignore = [](caf::error&) {};
  self->request(ep.election, timeout, status_atom::value)
    .receive(
      [&](raft_role role, term_t term, const node_id& leader) {
        st.role = role;
        st.term = term;
        st.leader = leader;
      },
      ignore);
  self->request(ep.log_store, timeout, status_atom::value)
    .receive(
      [&](term_t, const node_id&, index_t commit, index_t last,
          uint64_t entries, uint64_t bytes, index_t snapshot_index) {
        st.snapshot_index = snapshot_index;
        st.commit_index = commit;
        st.last_log_index = last;
        st.log_entries = entries;
        st.log_bytes = bytes;
      },
      ignore);
  self->request(ep.state_machine, timeout, status_atom::value)
    .receive(
      [&](index_t applied, bool ready, uint64_t pending) {
        st.last_applied = applied;
        st.ready = ready;
        st.pending_calls = pending;
      },
      ignore);
  self->request(ep.membership, timeout, status_atom::value)
    .receive(
      [&](const std::vector<std::string>& voters, const std::string& quorum) {
        for (auto& v : voters)
          st.voters.emplace_back(v);
        st.quorum = quorum;
      },
      ignore);
  return st;
}

void node::force_compaction() {
  caf::anon_send(wiring_->self.snapshotter, force_atom::value);
}

void node::campaign_now() {
  caf::anon_send(wiring_->self.election, campaign_now_atom::value);
}

} // namespace flexsync
