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
#include <deque>
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
/// is one record.
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
/// `Call` derives from tracked_call. Request ids are added in increasing
/// order (gaps allowed). Storage: one small slot per id from the oldest
/// pending call on, pointing into a pool of records that is reused, so a
/// call costs no allocation in steady state.
template <class Call>
class call_tracker {
public:
  /// A new call, not yet bound to a term. Its id must be above every id
  /// added before.
  Call& add(uint64_t request_id, Call call) {
    if (slots_.empty())
      base_ = request_id;
    FLEXSYNC_ASSERT(request_id >= base_ + slots_.size(),
                    "request id " + std::to_string(request_id)
                      + " submitted twice or out of order");
    while (base_ + slots_.size() < request_id)
      slots_.push_back(no_record);
    uint32_t r;
    if (free_.empty()) {
      r = static_cast<uint32_t>(pool_.size());
      pool_.push_back(std::move(call));
    } else {
      r = free_.back();
      free_.pop_back();
      pool_[r] = std::move(call);
    }
    slots_.push_back(r);
    ++count_;
    return pool_[r];
  }

  Call* find(uint64_t request_id) {
    auto r = record_of(request_id);
    return r == no_record ? nullptr : &pool_[r];
  }

  /// Whether the call is pending.
  bool contains(uint64_t request_id) const {
    return record_of(request_id) != no_record;
  }

  /// The call was answered: returns its record, removed.
  std::optional<Call> take(uint64_t request_id) {
    auto r = record_of(request_id);
    if (r == no_record)
      return std::nullopt;
    std::optional<Call> out{std::move(pool_[r])};
    pool_[r] = Call{};
    free_.push_back(r);
    slots_[request_id - base_] = no_record;
    --count_;
    while (!slots_.empty() && slots_.front() == no_record) {
      slots_.pop_front();
      ++base_;
    }
    return out;
  }

  /// The replicator appended (or forwarded) the calls in `term`. Returns the
  /// calls that entries already applied (up to `last_applied_term`) prove
  /// never applied.
  std::vector<call_verdict> bind(const std::vector<uint64_t>& request_ids,
                                 term_t term, bool appended_here,
                                 term_t last_applied_term) {
    std::vector<call_verdict> out;
    for (auto id : request_ids)
      if (auto* c = find(id)) {
        c->bound = true;
        c->term = term;
        c->appended_here = appended_here;
        // Only the calls bound now can be newly doomed: the others were
        // checked when bound and whenever the applied term moved, and are
        // answered once doomed. This keeps a bind O(its calls), not
        // O(every call in flight).
        if (!c->crossed && c->term < last_applied_term)
          out.emplace_back(id, appended_here ? fail_reason::discarded
                                             : fail_reason::leader_changed);
      }
    return out;
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
    for (auto r : slots_)
      if (r != no_record)
        pool_[r].crossed = true;
  }

  /// Lowest request id still pending (`next` when none): the leader drops
  /// forwarded duplicates below it.
  uint64_t watermark(uint64_t next) const {
    return slots_.empty() ? next : base_;
  }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  /// The ids of the pending calls, oldest first.
  std::vector<uint64_t> ids() const {
    std::vector<uint64_t> out;
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i] != no_record)
        out.push_back(base_ + i);
    return out;
  }

private:
  static constexpr uint32_t no_record = static_cast<uint32_t>(-1);

  uint32_t record_of(uint64_t request_id) const {
    if (request_id < base_ || request_id - base_ >= slots_.size())
      return no_record;
    return slots_[request_id - base_];
  }

  template <class Pred>
  std::vector<call_verdict> doomed(Pred pred, bool by_proof,
                                   fail_reason otherwise) const {
    std::vector<call_verdict> out;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i] == no_record)
        continue;
      auto& c = pool_[slots_[i]];
      if (c.bound && !c.crossed && pred(c))
        out.emplace_back(base_ + i,
                         !by_proof          ? otherwise
                         : c.appended_here ? fail_reason::discarded
                                           : fail_reason::leader_changed);
    }
    return out;
  }

  /// Slot i: the pool record of request id base_ + i, or no_record. The
  /// front slot is always a record (or there are none).
  std::deque<uint32_t> slots_;
  uint64_t base_ = 0;
  size_t count_ = 0;
  std::vector<Call> pool_;
  std::vector<uint32_t> free_;
};

} // namespace flexsync
