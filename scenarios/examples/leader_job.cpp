// leader-job: run a periodic job on exactly one node. Every node runs this
// program; the one that holds the lock "job" runs the job every --period and
// prints one line per run; the others stand by and try to take the lock.
// When the runner dies, its lock expires --auto-unlock after its last
// refresh and a standby takes over:
//
//   1764870000.123456 127.0.0.1:7002 took the job token=7
//   1764870000.124001 127.0.0.1:7002 run 1 token=7
//
// Why a lock and not is_leader(): the role is a hint. A leader cut off from
// the others keeps believing it leads until check-quorum steps it down, and
// the majority side may elect a new leader before that: two runners. The
// lock's is_acquired() is decided on the holder's own clock: it turns false
// before the lock can pass to anyone else, also on a node that is cut off or
// paused, and it is checked before every run. What remains is a pause between
// the check and the job's effect; for that each run carries the fencing
// token (it grows with every new holder): pass it to what the job writes to,
// and let that refuse a token lower than one it has seen.
//
//   leader-job --self=127.0.0.1:7001
//              --partners='["127.0.0.1:7001","127.0.0.1:7002","127.0.0.1:7003"]'
//              [--period=1s --auto-unlock=2s]

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

struct config : flexsync::system_config {
  std::string self;
  std::vector<std::string> partners;
  caf::timespan period = caf::timespan{1s};
  caf::timespan auto_unlock = caf::timespan{2s};
  config() : flexsync::system_config(2) {
    load<caf::io::middleman>();
    opt_group{custom_options_, "global"}
      .add(self, "self", "this node's address host:port")
      .add(partners, "partners", "all members' addresses (a list)")
      .add(period, "period", "how often the job runs")
      .add(auto_unlock, "auto-unlock", "how long a silent runner keeps it");
  }
};

/// Prints "<unix time> <self> <what> token=<token>".
void say(const config& cfg, const std::string& what, uint64_t token) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "%lld.%06lld",
                static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000));
  std::cout << stamp << ' ' << cfg.self << ' ' << what << " token=" << token
            << std::endl;
}

/// The job: here it only prints. A real job passes `token` along with its
/// writes.
void run_job(const config& cfg, uint64_t n, uint64_t token) {
  say(cfg, "run " + std::to_string(n), token);
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
  flexsync::repl_lock_manager locks{
    flexsync::lock_options{.auto_unlock_time = cfg.auto_unlock,
                           .owner = cfg.self}};
  flexsync::node n{sys, {cfg.self, cfg.partners}, net, {&locks}};
  const std::string job = "job";
  uint64_t runs = 0;
  uint64_t token = 0; // nonzero while this node believes it is the runner
  for (;;) {
    if (token != 0 && locks.is_acquired(job)) {
      run_job(cfg, ++runs, token);
      std::this_thread::sleep_for(cfg.period);
      continue;
    }
    if (token != 0)
      say(cfg, "lost the job", token);
    token = 0;
    try {
      // The keep-alive renews the lock while this process lives, so the
      // runner never has to ask again; standbys ask every period.
      if (locks.try_acquire(job).get(2s)) {
        token = locks.state_of(job).value_or(flexsync::lock_state{}).token;
        say(cfg, "took the job", token);
        continue;
      }
    } catch (const std::exception&) {
      // No leader yet, or the outcome is unknown: ask again later.
    }
    std::this_thread::sleep_for(cfg.period);
  }
}
