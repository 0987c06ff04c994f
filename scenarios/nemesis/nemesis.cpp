// The nemesis: fault events carried out and lifted (see nemesis.hpp).

#include "scenarios/nemesis/nemesis.hpp"

namespace flexsync::nemesis {

size_t nemesis::start(const fault_event& ev) {
  auto target = ev.node;
  if (ev.at_leader)
    if (auto l = cluster_.leader())
      target = *l;
  ++counts_[to_string(ev.kind)];
  auto& c = cluster_;
  switch (ev.kind) {
    case fault_kind::kill_restart:
      c.at(target).kill();
      break;
    case fault_kind::pause:
      c.at(target).pause();
      break;
    case fault_kind::partition:
      c.cut_sides(ev.side);
      break;
    case fault_kind::isolate:
      c.cut_sides({target});
      break;
    case fault_kind::drop_links:
      for (size_t j = 0; j < c.size(); ++j)
        if (j != target)
          c.proxy().drop(target, j);
      break;
    case fault_kind::delay:
      for (size_t j = 0; j < c.size(); ++j)
        if (j != target)
          c.proxy().delay(target, j, static_cast<int>(ev.delay_ms));
      break;
    case fault_kind::cluster_restart:
      c.kill_all();
      break;
    case fault_kind::replay:
      c.proxy().replay(target, (target + 1) % c.size());
      break;
  }
  return target;
}

void nemesis::stop(const fault_event& ev, size_t target) {
  auto& c = cluster_;
  switch (ev.kind) {
    case fault_kind::kill_restart:
      c.at(target).start();
      break;
    case fault_kind::pause:
      c.at(target).resume();
      break;
    case fault_kind::partition:
    case fault_kind::isolate:
    case fault_kind::delay:
      c.proxy().heal();
      break;
    case fault_kind::drop_links:
    case fault_kind::replay:
      break; // closed once; the nodes redial by themselves
    case fault_kind::cluster_restart:
      c.start_all();
      break;
  }
}

int nemesis::total() const {
  int n = 0;
  for (auto& [kind, count] : counts_)
    n += count;
  return n;
}

} // namespace flexsync::nemesis
