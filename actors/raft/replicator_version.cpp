// The leader's side of set-version (protocol/code_version.hpp holds the
// rules): it admits a request against the version the state machine has
// enabled and the version each voter reported in its latest reply (within
// the check-quorum window), appends the version entry through the log like
// any other entry, and answers once that entry is committed. Every replica
// switches when it applies the entry (the state machine actor).
//
// Invariants: a waiter is answered once: when its entry is committed, or
// with leader_changed when this node stops leading.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/raft/replicator_state.hpp"
#include "protocol/code_version.hpp"

namespace flexsync::detail {

namespace {

/// Every voter of the configuration (both parts while joint) and every
/// learner this leader replicates to, with the version it supports, as far
/// as this leader knows it now.
std::vector<voter_version> voter_versions(replicator_ptr self) {
  auto& st = self->state;
  auto& cfg = st.w->config;
  auto now = self->clock().now().time_since_epoch();
  // Only a recent answer counts: a node that went silent may come back
  // with another binary.
  auto recent = [&](const follower& fo) -> std::optional<uint32_t> {
    if (fo.heard && now - fo.last_reply <= cfg.leader_fallback_timeout)
      return fo.code_version;
    return std::nullopt;
  };
  std::vector<voter_version> out;
  auto voters = st.quorum.voters();
  for (auto& v : voters) {
    if (v == cfg.self) {
      out.push_back({v, cfg.max_code_version.value_or(0)});
      continue;
    }
    voter_version x{v, std::nullopt};
    if (auto i = st.followers.find(v); i != st.followers.end())
      x.supported = recent(i->second);
    out.push_back(std::move(x));
  }
  for (auto& [id, fo] : st.followers)
    if (std::find(voters.begin(), voters.end(), id) == voters.end())
      out.push_back({id, recent(fo), true});
  return out;
}

/// Admits a request to enable `version` against `enabled` (the state
/// machine's) and appends its entry, or answers at once.
void admit(replicator_ptr self, uint32_t version, uint32_t enabled,
           caf::response_promise rp) {
  auto& st = self->state;
  if (!st.leading) {
    rp.deliver(change_result{fail_reason::not_leader, "not the leader"});
    return;
  }
  if (st.transfer) {
    rp.deliver(change_result{fail_reason::change_in_progress,
                             "a leadership transfer is in progress"});
    return;
  }
  auto a = admit_code_version(version, enabled, voter_versions(self));
  using kind = version_admission::kind;
  if (a.what != kind::accepted) {
    if (a.what == kind::denied)
      st.w->log.info("set-version " + std::to_string(version)
                     + " refused: " + a.detail);
    rp.deliver(a.what == kind::already ? change_result::success(a.detail)
                                       : change_result::denied(a.detail));
    return;
  }
  st.w->log.info("proposing code version " + std::to_string(version));
  append_own_entry(self, entry_kind::version, encode_code_version(version),
                   [=](index_t at) mutable {
                     self->state.version_waiters.push_back({at, version, rp});
                     answer_version_waiters(self);
                   });
}

} // namespace

void on_set_version(replicator_ptr self, const change_request& req,
                    caf::response_promise rp) {
  // The state machine's version may lag behind the log: a version entry
  // that names the enabled version or an older one is harmless
  // (apply_version_entry ignores it on every replica alike).
  auto version = req.version;
  self
    ->request(self->state.w->self.state_machine, caf::infinite,
              code_version_atom::value)
    .then([=](uint32_t enabled) mutable { admit(self, version, enabled, rp); },
          [=](caf::error&) mutable {
            rp.deliver(change_result{fail_reason::stopped,
                                     "the node is stopping"});
          });
}

void answer_version_waiters(replicator_ptr self) {
  auto& st = self->state;
  std::erase_if(st.version_waiters, [&](auto& w) {
    if (w.index > st.commit)
      return false;
    w.rp.deliver(change_result::success(
      "code version " + std::to_string(w.version) + " enabled at index "
      + to_string(w.index)));
    return true;
  });
}

void abandon_version_waiters(replicator_ptr self) {
  auto& st = self->state;
  for (auto& w : st.version_waiters)
    w.rp.deliver(change_result{fail_reason::leader_changed,
                               "leadership changed before the version entry "
                               "was committed; it may still be (asking again "
                               "is safe)"});
  st.version_waiters.clear();
}

} // namespace flexsync::detail
