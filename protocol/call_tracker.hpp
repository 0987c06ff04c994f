#pragma once

// Which calls submitted on this node can be answered without waiting for
// their entry, and with which reason (the pending-call resolution proof).
//
// A call is identified by this node's client id and a request id. It
// succeeds when an entry carrying its identity is applied here. Once the
// replicator bound it to the term in which it was appended (or forwarded),
// it can never be applied after an entry of a later term has been applied:
// a committed entry of term t lies below every entry of a later term, and
// the call's entry, if it exists, is of term t. So applying (or having
// applied) an entry of a later term proves "never applied" and the call
// fails at once: `discarded` when this node appended it as leader,
// `leader_changed` when it was forwarded. The one exception is a call
// submitted before a snapshot install moved this node ahead: its entry may
// be inside the snapshot, so only its own apply or its deadline answers it.
// A leader that lost its quorum fails the calls of its term as
// `quorum_lost` (they may still commit later, or never).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/assert.hpp"
#include "protocol/fail_reason.hpp"
#include "protocol/types.hpp"

namespace flexsync {

/// What the proof needs of one pending call. The state machine actor's
/// record of a call derives from it and adds how to answer it, so each call
/// is one map node.
struct tracked_call {
  bool bound = false;
  term_t term;
  bool appended_here = false;
  /// Submitted before a snapshot install moved this node ahead.
  bool crossed = false;
};

/// A call to answer now, and why.
using call_verdict = std::pair<uint64_t, fail_reason>;

/// The pending calls of one node by request id, and the proof over them.
/// `Call` derives from tracked_call.
template <class Call>
class call_tracker {
public:
  using map_type = std::map<uint64_t, Call>;

  /// A new call, not yet bound to a term.
  Call& add(uint64_t request_id, Call call) {
    auto [i, fresh] = calls_.emplace(request_id, std::move(call));
    FLEXSYNC_ASSERT(fresh, "request id " + std::to_string(request_id)
                             + " submitted twice");
    return i->second;
  }

  Call* find(uint64_t request_id) {
    auto i = calls_.find(request_id);
    return i == calls_.end() ? nullptr : &i->second;
  }

  /// The call was answered: returns its record, removed.
  std::optional<Call> take(uint64_t request_id) {
    auto i = calls_.find(request_id);
    if (i == calls_.end())
      return std::nullopt;
    auto out = std::move(i->second);
    calls_.erase(i);
    return out;
  }

  /// The replicator appended (or forwarded) the calls in `term`. Returns the
  /// calls that entries already applied (up to `last_applied_term`) prove
  /// never applied.
  std::vector<call_verdict> bind(const std::vector<uint64_t>& request_ids,
                                 term_t term, bool appended_here,
                                 term_t last_applied_term) {
    for (auto id : request_ids)
      if (auto* c = find(id)) {
        c->bound = true;
        c->term = term;
        c->appended_here = appended_here;
      }
    return on_applied_term(last_applied_term);
  }

  /// An entry of `term` was applied: fails the bound calls of earlier terms.
  std::vector<call_verdict> on_applied_term(term_t term) const {
    return doomed([term](const tracked_call& c) { return c.term < term; },
                  true, fail_reason::success);
  }

  /// The node led `term` and lost its quorum.
  std::vector<call_verdict> on_quorum_lost(term_t term) const {
    return doomed([term](const tracked_call& c) { return c.term == term; },
                  false, fail_reason::quorum_lost);
  }

  /// A snapshot moved this node ahead: every call pending now may be in it.
  void on_snapshot_restored() {
    for (auto& [id, c] : calls_)
      c.crossed = true;
  }

  /// Lowest request id still pending (`next` when none): the leader drops
  /// forwarded duplicates below it.
  uint64_t watermark(uint64_t next) const {
    return calls_.empty() ? next : calls_.begin()->first;
  }

  size_t size() const { return calls_.size(); }
  bool empty() const { return calls_.empty(); }
  const map_type& calls() const { return calls_; }

private:
  template <class Pred>
  std::vector<call_verdict> doomed(Pred pred, bool by_proof,
                                   fail_reason otherwise) const {
    std::vector<call_verdict> out;
    for (auto& [id, c] : calls_)
      if (c.bound && !c.crossed && pred(c))
        out.emplace_back(id, !by_proof          ? otherwise
                             : c.appended_here ? fail_reason::discarded
                                               : fail_reason::leader_changed);
    return out;
  }

  map_type calls_;
};

} // namespace flexsync
