// PySyncObj's two battery examples restated in C++, compiled and run: two
// counters and a dict on one node, and the lock manager. The parts between
// the markers are meant for README.md, as in scenarios/examples.

#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>
#include <string>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "state_machines/repl_counter.hpp"
#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_lock_manager.hpp"

namespace {

// BEGIN README counters
void counters_and_dict(std::ostream& out) {
  flexsync::system_config cfg;
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  flexsync::repl_counter counter1, counter2;
  flexsync::repl_dict<std::string, std::string> dict1;
  flexsync::node node{sys, {"a", {}}, net, {&counter1, &counter2, &dict1}};
  counter1.set(42).get();                              // blocking
  counter1.add(10).get();
  counter2.inc().post();                               // fire and forget
  dict1.set("testKey1", "testValue1").get();
  dict1.set("testKey2", "testValue2").then([](const caf::error&) {});
  dict1.setdefault("testKey3", "testValue3").get();    // after the two above
  out << counter1.get() << ' ' << counter2.get() << ' ' << dict1.at("testKey1")
      << ' ' << dict1.get("testKey2", "None") << '\n';
}
// END README counters

// BEGIN README lock
void lock_example(std::ostream& out) {
  flexsync::system_config cfg;
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  flexsync::repl_lock_manager locks{std::chrono::seconds(75)};
  flexsync::node node{sys, {"a", {}}, net, {&locks}};
  if (locks.try_acquire("testLockName").get()) {
    // Do some work; before each step that needs the lock:
    if (locks.is_acquired("testLockName"))
      out << "working under the lock\n";
    locks.release("testLockName").get();
  }
}
// END README lock

} // namespace

TEST_CASE("readme: two counters and a dict on one node", "[readme]") {
  std::ostringstream out;
  counters_and_dict(out);
  CHECK(out.str() == "52 1 testValue1 testValue2\n");
}

TEST_CASE("readme: the lock manager", "[readme]") {
  std::ostringstream out;
  lock_example(out);
  CHECK(out.str() == "working under the lock\n");
}
