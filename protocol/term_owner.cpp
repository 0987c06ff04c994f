#include "protocol/term_owner.hpp"

#include <algorithm>

#include "protocol/planted_bugs.hpp"

namespace flexsync {

std::optional<node_id> owner_of(term_t term,
                                const std::vector<node_id>& voters) {
  if (term == term_t{0} || voters.empty())
    return std::nullopt;
  return voters[(term.value - 1) % voters.size()];
}

std::optional<term_t> next_owned_term(const node_id& self, term_t above,
                                      const std::vector<node_id>& voters) {
  auto it = std::lower_bound(voters.begin(), voters.end(), self);
  if (it == voters.end() || *it != self)
    return std::nullopt;
  // self owns the terms slot + 1 + k * n for k >= 0.
  uint64_t n = voters.size();
  uint64_t first = static_cast<uint64_t>(it - voters.begin()) + 1;
  if (above.value < first)
    return term_t{first};
  auto rounds = (above.value - first) / n + 1;
  return term_t{first + rounds * n};
}

bool may_campaign_in(term_mode terms, term_t term, const node_id& candidate,
                     const std::vector<node_id>& voters) {
  if (!terms_owned(terms) || planted(planted_bug::owned_term_unchecked))
    return true;
  auto owner = owner_of(term, voters);
  return owner && *owner == candidate;
}

std::optional<term_t> campaign_term(term_mode terms, const node_id& self,
                                    term_t above,
                                    const std::vector<node_id>& voters) {
  if (!terms_owned(terms) || planted(planted_bug::owned_term_unchecked))
    return above + 1;
  return next_owned_term(self, above, voters);
}

} // namespace flexsync
