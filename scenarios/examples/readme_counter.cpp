// The README's first example: PySyncObj's classic replicated counter, as a
// user-defined class on a 3-node cluster inside one process. The part between
// the markers is copied verbatim into README.md (the test
// readme.example_in_sync checks it).
#include <iostream>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "state_machines/state_machine.hpp"

// BEGIN README
struct counter : flexsync::state_machine {
  int64_t value = 0;
  caf::behavior make_behavior() override {
    return {[this](caf::add_atom, int64_t n) { return value += n; }};
  }
};

int main() {
  flexsync::system_config cfg;
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  counter a, b, c;
  flexsync::node n1{sys, {"1", {"2", "3"}}, net, {&a}}, n2{sys, {"2", {"1", "3"}}, net, {&b}},
                 n3{sys, {"3", {"1", "2"}}, net, {&c}};
  std::cout << "counter = " << b.call<int64_t>(caf::add_atom_v, int64_t{5}).get() << '\n';
}
// END README
