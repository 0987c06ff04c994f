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
#include <utility>
#include <vector>

#include "protocol/fail_reason.hpp"
#include "protocol/types.hpp"

namespace flexsync {

class call_tracker {
public:
  /// A call to answer now, and why.
  using verdict = std::pair<uint64_t, fail_reason>;

  /// A new call, not yet bound to a term.
  void add(uint64_t request_id);

  /// The call was answered (applied, timed out, failed): forget it.
  void remove(uint64_t request_id);

  /// The replicator appended (or forwarded) the calls in `term`. Returns the
  /// calls that entries already applied (up to `last_applied_term`) prove
  /// never applied.
  std::vector<verdict> bind(const std::vector<uint64_t>& request_ids,
                            term_t term, bool appended_here,
                            term_t last_applied_term);

  /// An entry of `term` was applied: fails the bound calls of earlier terms.
  std::vector<verdict> on_applied_term(term_t term);

  /// The node led `term` and lost its quorum.
  std::vector<verdict> on_quorum_lost(term_t term);

  /// A snapshot moved this node ahead: every call pending now may be in it.
  void on_snapshot_restored();

  /// Lowest request id still pending (`next` when none): the leader drops
  /// forwarded duplicates below it.
  uint64_t watermark(uint64_t next) const;

  size_t size() const { return calls_.size(); }

private:
  struct call {
    bool bound = false;
    term_t term;
    bool appended_here = false;
    bool crossed = false;
  };

  template <class Pred>
  std::vector<verdict> doomed(Pred pred, bool by_proof,
                              fail_reason otherwise) const;

  std::map<uint64_t, call> calls_;
};

} // namespace flexsync
