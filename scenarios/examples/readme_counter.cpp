// The README's first example: PySyncObj's classic replicated counter, as a
// user-defined class on a 3-node cluster inside one process.
#include <iostream>

#include "actors/local_network.hpp"
#include "actors/node.hpp"
#include "actors/system_config.hpp"
#include "state_machines/state_machine.hpp"

using namespace std::chrono_literals;
// -- user code starts here (15 lines) --
using inc_atom = caf::atom_constant<caf::atom("inc")>;

struct counter : flexsync::state_machine {
  int64_t value = 0;
  caf::behavior make_behavior() override {
    return {[this](inc_atom, int64_t n) { return value += n; }};
  }
};

int main() {
  flexsync::system_config cfg;
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  counter a, b, c;
  flexsync::node n1{sys, {"a", {"b", "c"}}, net, {&a}}, n2{sys, {"b", {"a", "c"}}, net, {&b}},
    n3{sys, {"c", {"a", "b"}}, net, {&c}};
  n2.wait_ready(5s);
  std::cout << "counter = " << b.call<int64_t>(inc_atom::value, int64_t{5}).get() << '\n';
}
