// The smallest real cluster program: PySyncObj's counter example with
// flexsync. Each process is one node; every second it adds 1 to a replicated
// counter and prints the value, so the three terminals count together.
//
//   counter-example --self=127.0.0.1:7001
//                   --partners='["127.0.0.1:7001","127.0.0.1:7002","127.0.0.1:7003"]'
//
// flexsync-node (flexsync_node.cpp) is the full program with a console,
// password, storage and logging options.

#include <iostream>
#include <sstream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "state_machines/repl_counter.hpp"

struct config : flexsync::system_config {
  std::string self;
  std::vector<std::string> partners;
  config() : flexsync::system_config(2) {
    load<caf::io::middleman>();
    opt_group{custom_options_, "global"}
      .add(self, "self", "this node's address host:port")
      .add(partners, "partners", "all members' addresses (a list)");
  }
};

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  config cfg;
  std::istringstream no_ini; // never read a stray caf-application.ini
  if (auto err = cfg.parse(argc, argv, no_ini)) {
    std::cerr << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed || cfg.self.empty())
    return cfg.self.empty() ? 2 : 0;
  caf::actor_system sys{cfg};
  flexsync::tcp_transport_config tc;
  tc.self = flexsync::node_id{cfg.self};
  for (auto& p : cfg.partners)
    tc.partners.emplace_back(p);
  auto net = flexsync::spawn_tcp_transport(sys, tc);
  flexsync::wait_bound(sys, net, 30s);
  flexsync::repl_counter counter;
  flexsync::node n{sys, {cfg.self, cfg.partners}, net, {&counter}};
  for (;;) {
    std::this_thread::sleep_for(1s);
    try {
      std::cout << "counter = " << counter.add(1).get(2s) << std::endl;
    } catch (const std::exception& e) {
      std::cout << "no commit: " << e.what() << std::endl;
    }
  }
}
