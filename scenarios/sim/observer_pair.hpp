#pragma once

// A node_observer that forwards every hook to two others, in order (the
// simulator's checker, then the battery checker).

#include "actors/node/observer.hpp"

namespace flexsync::sim {

/// Forwards every hook to two observers, in order.
class observer_pair : public node_observer {
public:
  observer_pair(node_observer& first, node_observer& second)
    : first_(first), second_(second) {
    // nop
  }

  void on_role_change(const node_id& self, raft_role role, term_t term,
                      const node_id& leader) override {
    first_.on_role_change(self, role, term, leader);
    second_.on_role_change(self, role, term, leader);
  }

  void on_commit(const node_id& self, index_t index,
                 term_t counted_in) override {
    first_.on_commit(self, index, counted_in);
    second_.on_commit(self, index, counted_in);
  }

  void on_apply(const node_id& self, const log_entry& entry) override {
    first_.on_apply(self, entry);
    second_.on_apply(self, entry);
  }

  void on_restore(const node_id& self, index_t index) override {
    first_.on_restore(self, index);
    second_.on_restore(self, index);
  }

  void on_vote_sent(const node_id& self, term_t term,
                    const node_id& candidate) override {
    first_.on_vote_sent(self, term, candidate);
    second_.on_vote_sent(self, term, candidate);
  }

  void on_ack_sent(const node_id& self, index_t index) override {
    first_.on_ack_sent(self, index);
    second_.on_ack_sent(self, index);
  }

  void on_config(const node_id& self, const configuration& config,
                 index_t index) override {
    first_.on_config(self, config, index);
    second_.on_config(self, config, index);
  }

  void on_member_state(const node_id& self, member_state state) override {
    first_.on_member_state(self, state);
    second_.on_member_state(self, state);
  }

  void on_call_done(const node_id& self, uint64_t client_id,
                    uint64_t request_id, fail_reason reason) override {
    first_.on_call_done(self, client_id, request_id, reason);
    second_.on_call_done(self, client_id, request_id, reason);
  }

private:
  node_observer& first_;
  node_observer& second_;
};

} // namespace flexsync::sim
