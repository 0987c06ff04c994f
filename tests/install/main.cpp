// The install tests' program: one node that elects itself and counts to 3.
// It knows flexsync only as a package (find_package or add_subdirectory).
#include <chrono>
#include <iostream>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/local_network.hpp"
#include "state_machines/repl_counter.hpp"

int main() {
  using namespace std::chrono_literals;
  flexsync::system_config cfg;
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  flexsync::repl_counter counter;
  flexsync::node n{sys, {"solo", {}}, net, {&counter}};
  if (!n.wait_ready(30s)) {
    std::cerr << "no leader after 30 s\n";
    return 1;
  }
  counter.add(2).get();
  std::cout << "counter = " << counter.inc().get() << '\n';
}
