#include "protocol/incarnation.hpp"

#include <algorithm>

namespace flexsync {

bool incarnation_map::merge(const node_id& node, incarnation_t inc) {
  auto i = std::lower_bound(entries_.begin(), entries_.end(), node,
                            [](const incarnation_entry& e, const node_id& x) {
                              return e.node < x;
                            });
  if (i != entries_.end() && i->node == node) {
    if (inc <= i->incarnation)
      return false;
    i->incarnation = inc;
    return true;
  }
  entries_.insert(i, incarnation_entry{node, inc});
  return true;
}

void incarnation_map::merge(const incarnation_map& other) {
  for (auto& e : other.entries_)
    merge(e.node, e.incarnation);
}

incarnation_t incarnation_map::of(const node_id& node) const {
  auto i = std::lower_bound(entries_.begin(), entries_.end(), node,
                            [](const incarnation_entry& e, const node_id& x) {
                              return e.node < x;
                            });
  if (i != entries_.end() && i->node == node)
    return i->incarnation;
  return incarnation_t{0};
}

} // namespace flexsync
