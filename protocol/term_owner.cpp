#include "protocol/term_owner.hpp"

#include <algorithm>
#include <map>

#include "protocol/planted_bugs.hpp"

namespace flexsync {

uint64_t term_slot(const node_id& x) {
  uint64_t h = 14695981039346656037ull; // FNV-1a, 64 bits
  for (unsigned char c : x.name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h % term_slots;
}

bool owns_term(const node_id& x, term_t term) {
  return term != term_t{0} && (term.value - 1) % term_slots == term_slot(x);
}

term_t next_owned_term(const node_id& self, term_t above) {
  // self owns the terms first + k * term_slots for k >= 0.
  uint64_t first = term_slot(self) + 1;
  if (above.value < first)
    return term_t{first};
  auto rounds = (above.value - first) / term_slots + 1;
  return term_t{first + rounds * term_slots};
}

std::optional<std::pair<node_id, node_id>>
slot_collision(const std::vector<node_id>& voters) {
  std::map<uint64_t, node_id> seen;
  for (auto& x : voters) {
    auto [it, fresh] = seen.emplace(term_slot(x), x);
    if (!fresh && it->second != x)
      return std::make_pair(it->second, x);
  }
  return std::nullopt;
}

bool may_campaign_in(term_mode terms, term_t term, const node_id& candidate) {
  if (!terms_owned(terms) || planted(planted_bug::owned_term_unchecked))
    return true;
  return owns_term(candidate, term);
}

term_t campaign_term(term_mode terms, const node_id& self, term_t above) {
  if (!terms_owned(terms) || planted(planted_bug::owned_term_unchecked))
    return above + 1;
  return next_owned_term(self, above);
}

} // namespace flexsync
