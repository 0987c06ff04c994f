#include "protocol/forward_rules.hpp"

namespace flexsync {

forward_admission admit_forward(bool leading, term_t lead_term,
                                term_t forward_term, term_t start_term,
                                const std::set<term_t>& led_terms) {
  if (leading && forward_term == lead_term)
    return forward_admission::append;
  if (forward_term > start_term && led_terms.count(forward_term) == 0)
    return forward_admission::refuse;
  return forward_admission::drop;
}

std::vector<command> forward_dedupe::take_fresh(uint64_t watermark,
                                                std::vector<command>& commands) {
  std::vector<command> fresh;
  for (auto& c : commands) {
    auto& w = clients_[c.client_id];
    if (watermark > w.floor) {
      w.floor = watermark;
      w.seen.erase(w.seen.begin(), w.seen.lower_bound(w.floor));
    }
    // A duplicated or late forward must not append a command twice.
    if (c.request_id >= w.floor && w.seen.insert(c.request_id).second)
      fresh.push_back(std::move(c));
  }
  return fresh;
}

void forward_dedupe::forget(const std::vector<command>& commands) {
  for (auto& c : commands)
    clients_[c.client_id].seen.erase(c.request_id);
}

} // namespace flexsync
