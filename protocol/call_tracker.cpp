#include "protocol/call_tracker.hpp"

#include "protocol/assert.hpp"

namespace flexsync {

void call_tracker::add(uint64_t request_id) {
  auto fresh = calls_.emplace(request_id, call{}).second;
  FLEXSYNC_ASSERT(fresh, "request id " + std::to_string(request_id)
                           + " submitted twice");
}

void call_tracker::remove(uint64_t request_id) {
  calls_.erase(request_id);
}

template <class Pred>
std::vector<call_tracker::verdict>
call_tracker::doomed(Pred pred, bool by_proof, fail_reason otherwise) const {
  std::vector<verdict> out;
  for (auto& [id, c] : calls_)
    if (c.bound && !c.crossed && pred(c))
      out.emplace_back(id, !by_proof            ? otherwise
                           : c.appended_here ? fail_reason::discarded
                                             : fail_reason::leader_changed);
  return out;
}

std::vector<call_tracker::verdict>
call_tracker::bind(const std::vector<uint64_t>& request_ids, term_t term,
                   bool appended_here, term_t last_applied_term) {
  for (auto id : request_ids)
    if (auto i = calls_.find(id); i != calls_.end()) {
      i->second.bound = true;
      i->second.term = term;
      i->second.appended_here = appended_here;
    }
  return on_applied_term(last_applied_term);
}

std::vector<call_tracker::verdict> call_tracker::on_applied_term(term_t term) {
  return doomed([term](const call& c) { return c.term < term; }, true,
                fail_reason::success);
}

std::vector<call_tracker::verdict> call_tracker::on_quorum_lost(term_t term) {
  return doomed([term](const call& c) { return c.term == term; }, false,
                fail_reason::quorum_lost);
}

void call_tracker::on_snapshot_restored() {
  for (auto& [id, c] : calls_)
    c.crossed = true;
}

uint64_t call_tracker::watermark(uint64_t next) const {
  return calls_.empty() ? next : calls_.begin()->first;
}

} // namespace flexsync
