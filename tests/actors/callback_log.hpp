#pragma once

// Records what a node's on_ready / on_state_changed callbacks report, from
// whatever thread the node runs them on.

#include <mutex>
#include <utility>
#include <vector>

#include "protocol/config.hpp"

namespace flexsync::testing {

class callback_log {
public:
  /// Installs both callbacks in `cfg`, recording into this log (which must
  /// outlive the node).
  void attach(node_config& cfg) {
    cfg.on_ready = [this] {
      std::lock_guard<std::mutex> guard{mtx_};
      ++ready_calls_;
    };
    cfg.on_state_changed = [this](raft_role old_role, raft_role new_role) {
      std::lock_guard<std::mutex> guard{mtx_};
      changes_.emplace_back(old_role, new_role);
    };
  }

  int ready_calls() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return ready_calls_;
  }

  std::vector<std::pair<raft_role, raft_role>> changes() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return changes_;
  }

  /// Every change has old != new, starts from follower, and each old role
  /// is the previous change's new role.
  bool well_formed() const {
    auto xs = changes();
    auto last = raft_role::follower;
    for (auto& [from, to] : xs) {
      if (from == to || from != last)
        return false;
      last = to;
    }
    return true;
  }

  bool saw(raft_role from, raft_role to) const {
    for (auto& x : changes())
      if (x.first == from && x.second == to)
        return true;
    return false;
  }

private:
  mutable std::mutex mtx_;
  int ready_calls_ = 0;
  std::vector<std::pair<raft_role, raft_role>> changes_;
};

} // namespace flexsync::testing
