// lock-service: a named lock shared by a cluster (repl_lock_manager). Every
// process is one node and runs the same loop: acquire the lock (retrying
// until granted), work under it for --hold, release it, pause, start over.
// One line per event on stdout, with the Unix time first:
//
//   1764870000.123456 127.0.0.1:7001 acquired demo token=12
//   1764870003.130042 127.0.0.1:7001 releasing demo token=12
//
// Keep-alive: --hold is longer than the auto-unlock time T on purpose. The
// lock manager's keep-alive refreshes held locks every T/4, so a live holder
// keeps the lock as long as it likes. Auto-unlock: when a holder dies or is
// cut off from the majority, its refreshes stop and the lock is free T after
// the last one. The holder itself stops believing it holds the lock before
// that, on its own clock (is_acquired() turns false; the loop prints `lost`
// with the time of its last successful check).
// The token is the lock's fencing token: it grows with every new tenure;
// pass it to whatever the lock protects, which refuses lower ones.
//
//   lock-service --self=127.0.0.1:7001
//                --partners='["127.0.0.1:7001","127.0.0.1:7002","127.0.0.1:7003"]'
//                [--lock=demo --auto-unlock=2s --hold=3s --pause=500ms]

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "state_machines/repl_lock_manager.hpp"

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct config : flexsync::system_config {
  std::string self;
  std::vector<std::string> partners;
  std::string lock = "demo";
  caf::timespan auto_unlock = caf::timespan{2s};
  caf::timespan hold = caf::timespan{3s};
  caf::timespan pause = caf::timespan{500ms};
  config() : flexsync::system_config(2) {
    load<caf::io::middleman>();
    opt_group{custom_options_, "global"}
      .add(self, "self", "this node's address host:port")
      .add(partners, "partners", "all members' addresses (a list)")
      .add(lock, "lock", "the lock's name")
      .add(auto_unlock, "auto-unlock", "T: a holder silent this long loses it")
      .add(hold, "hold", "how long to work under the lock")
      .add(pause, "pause", "how long to wait after releasing it");
  }
};

/// Prints "<unix time> <self> <event> <lock> token=<token>".
void say(const config& cfg, const char* event, uint64_t token,
         std::chrono::system_clock::time_point at
         = std::chrono::system_clock::now()) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
              at.time_since_epoch())
              .count();
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%lld.%06lld",
                static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000));
  std::cout << stamp << ' ' << cfg.self << ' ' << event << ' ' << cfg.lock
            << " token=" << token << std::endl;
}

int main(int argc, char** argv) {
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
  // The owner names this client in the table; the node's address reads well.
  flexsync::repl_lock_manager locks{
    flexsync::lock_options{.auto_unlock_time = cfg.auto_unlock,
                           .owner = cfg.self}};
  flexsync::node n{sys, {cfg.self, cfg.partners}, net, {&locks}};
  for (;;) {
    bool granted = false;
    try {
      granted = locks.try_acquire(cfg.lock).get(2s);
    } catch (const std::exception&) {
      // No leader yet, or a timeout: the outcome is unknown, but a lock
      // whose grant the client never learned is not kept alive: it expires.
    }
    if (!granted) {
      std::this_thread::sleep_for(200ms);
      continue;
    }
    auto token = locks.state_of(cfg.lock).value_or(flexsync::lock_state{}).token;
    say(cfg, "acquired", token);
    // Work in small steps; before each one, check that the lock is still
    // ours (a real program would also hand `token` to the resource).
    bool lost = false;
    auto last_held = std::chrono::system_clock::now();
    for (auto end = steady::now() + cfg.hold; !lost && steady::now() < end;) {
      auto before = std::chrono::system_clock::now();
      lost = !locks.is_acquired(cfg.lock);
      if (!lost)
        last_held = before;
      std::this_thread::sleep_for(100ms);
    }
    if (lost) {
      say(cfg, "lost", token, last_held); // the last time it knew it held it
    } else {
      // Printed first: from the moment the release is submitted, this client
      // no longer acts as the holder.
      say(cfg, "releasing", token);
      try {
        locks.release(cfg.lock).get(2s);
      } catch (const std::exception&) {
        // Not applied, or unknown: the lock then expires after T.
      }
    }
    std::this_thread::sleep_for(cfg.pause);
  }
}
