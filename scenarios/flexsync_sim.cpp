// flexsync-sim: randomized simulation of whole clusters under faults.
//
//   flexsync-sim --seeds N [--first-seed S] [--nodes K] [--jobs J] [--verbose]
//                [--batteries] [--storage memory|disk] [--no-rule-checks]
//                [--plant-local-reads] [--plant figure8-commit|forget-vote|skip-joint|read-index-unconfirmed|commit-hint-unchecked|owned-term-unchecked|lease-drift]
//                [--churn] [--membership] [--transfers] [--terms shared|owned]
//                [--lease-reads] [--clock-skew on|off]
//
// --batteries: half the client load are random operations on replicated
// batteries (counter, dict, list, set, bounded queue), and every replica's
// batteries are compared with a sequential model applied in log order.
// --no-rule-checks: only the safety properties and the client history judge
// a run, not the direct checks of each rule (sim/checker.hpp).
// --plant-local-reads: a planted flaw, register reads served from the local
// replica; the history check must report violations.
// --plant NAME: a classic Raft bug planted in the library for the whole run
// (protocol/planted_bugs.hpp); the runs should find it.
// --churn: every seed runs the leader-churn profile (short-lived leaders that
// crash and return, one entry per append: Figure 8's history); by default
// about one seed in eight does.
// --membership: every seed runs the membership profile (spare nodes join,
// voters are added, removed and replaced, the quorum system changes, under
// the same faults); by default about one seed in eight does.
// --transfers: random nodes are asked to hand leadership over (to random
// nodes or the best voter) during the fault phase; off by default.
// --terms: shared, no seed draws owned terms; owned, every seed of three or
// more nodes outside the membership profile does (with a system that needs
// them); by default about one in four of those does.
// --lease-reads: every seed runs with lease reads (and check-quorum, which
// they need); by default half the runs with check-quorum do.
// --clock-skew: the lease-skew profile of runs with lease reads (clock
// rates within the drift bound, leaders cut off while they hold a lease:
// sim/lease_skew.hpp). on: no such run draws exact clocks; off: no run
// draws the profile (seeds replay as before it existed); by default every
// run with lease reads draws it, about one in seven with exact clocks.
// --storage: every node on a simulated disk, or in memory mode (a crash loses
// everything); by default each run draws one (90 % disk).
//
// Every run also records its clients' history (registers and counters,
// called through the log) and checks it for linearizability; the RESULT line
// counts its ops by outcome and the keys the search could not decide.
//
// Runs seeds S, S+1, ..., S+N-1 and ends with "N passed, F failed". A failure
// prints its seed and setup; `--first-seed S --seeds 1` replays it exactly.

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/planted_bugs.hpp"
#include "scenarios/random_sim.hpp"

namespace {

struct cli {
  uint64_t seeds = 100;
  uint64_t first = 1;
  std::optional<size_t> nodes;
  size_t jobs = 2;
  bool verbose = false;
  bool debug = false;
  bool batteries = false;
  bool rule_checks = true;
  bool local_reads = false;
  bool churn = false;
  bool membership = false;
  bool transfers = false;
  bool lease_reads = false;
  std::optional<std::string> clock_skew;
  std::string plant;
  double chaos = 6.0;
  std::optional<std::string> storage;
  std::optional<std::string> terms;
};

bool parse(int argc, char** argv, cli& out) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--seeds")
      out.seeds = std::stoull(value());
    else if (arg == "--first-seed")
      out.first = std::stoull(value());
    else if (arg == "--nodes")
      out.nodes = std::stoull(value());
    else if (arg == "--jobs")
      out.jobs = std::max<size_t>(1, std::stoull(value()));
    else if (arg == "--chaos-seconds")
      out.chaos = std::stod(value());
    else if (arg == "--verbose")
      out.verbose = true;
    else if (arg == "--debug")
      out.verbose = out.debug = true;
    else if (arg == "--batteries")
      out.batteries = true;
    else if (arg == "--no-rule-checks")
      out.rule_checks = false;
    else if (arg == "--plant-local-reads")
      out.local_reads = true;
    else if (arg == "--churn")
      out.churn = true;
    else if (arg == "--membership")
      out.membership = true;
    else if (arg == "--transfers")
      out.transfers = true;
    else if (arg == "--lease-reads")
      out.lease_reads = true;
    else if (arg == "--clock-skew") {
      out.clock_skew = value();
      if (*out.clock_skew != "on" && *out.clock_skew != "off")
        throw std::invalid_argument("--clock-skew must be on or off");
    }
    else if (arg == "--plant") {
      out.plant = value();
      if (!flexsync::planted_bug_from(out.plant))
        throw std::invalid_argument(
          "--plant must be one of figure8-commit, forget-vote, skip-joint, "
          "read-index-unconfirmed, commit-hint-unchecked, "
          "owned-term-unchecked, lease-drift");
#ifndef FLEXSYNC_PLANTED_BUGS
      throw std::invalid_argument("--plant needs a build with "
                                  "-DFLEXSYNC_PLANTED_BUGS=ON");
#endif
    }
    else if (arg == "--terms") {
      out.terms = value();
      if (*out.terms != "shared" && *out.terms != "owned")
        throw std::invalid_argument("--terms must be shared or owned");
    } else if (arg == "--storage") {
      out.storage = value();
      if (*out.storage != "memory" && *out.storage != "disk")
        throw std::invalid_argument("--storage must be memory or disk");
    } else
      return false;
  }
  return true;
}


/// The run of one seed, as the options say.
flexsync::sim::run_params params_of(const cli& opts, uint64_t seed) {
  flexsync::sim::run_params p;
  p.seed = seed;
  p.nodes = opts.nodes;
  p.verbose = opts.verbose;
  p.debug = opts.debug;
  p.chaos_seconds = opts.chaos;
  p.batteries = opts.batteries;
  p.rule_checks = opts.rule_checks;
  p.local_reads = opts.local_reads;
  if (opts.churn)
    p.churn = true;
  if (opts.membership)
    p.membership = true;
  p.transfers = opts.transfers;
  p.lease_reads = opts.lease_reads;
  if (opts.clock_skew)
    p.clock_skew = *opts.clock_skew == "on";
  if (opts.storage)
    p.disk = *opts.storage == "disk";
  if (opts.terms)
    p.owned_terms = *opts.terms == "owned";
  return p;
}

/// The command that replays `seed` exactly.
std::string replay_command(const cli& opts, uint64_t seed) {
  return "flexsync-sim --first-seed " + std::to_string(seed) + " --seeds 1"
         + (opts.batteries ? " --batteries" : "")
         + (opts.rule_checks ? "" : " --no-rule-checks")
         + (opts.local_reads ? " --plant-local-reads" : "")
         + (opts.churn ? " --churn" : "")
         + (opts.membership ? " --membership" : "")
         + (opts.transfers ? " --transfers" : "")
         + (opts.lease_reads ? " --lease-reads" : "")
         + (opts.clock_skew ? " --clock-skew " + *opts.clock_skew : "")
         + (opts.plant.empty() ? "" : " --plant " + opts.plant)
         + (opts.storage ? " --storage " + *opts.storage : "")
         + (opts.terms ? " --terms " + *opts.terms : "")
         + (opts.nodes ? " --nodes " + std::to_string(*opts.nodes) : "")
         + (opts.chaos != cli{}.chaos
              ? " --chaos-seconds " + std::to_string(opts.chaos)
              : "");
}

} // namespace

int main(int argc, char** argv) {
  cli opts;
  try {
    if (!parse(argc, argv, opts)) {
      std::cerr << "usage: flexsync-sim --seeds N [--first-seed S] "
                   "[--nodes K] [--jobs J] [--chaos-seconds X] [--verbose] "
                   "[--batteries] [--storage memory|disk] [--no-rule-checks] "
                   "[--plant-local-reads] [--plant figure8-commit|forget-vote|skip-joint|read-index-unconfirmed|commit-hint-unchecked|owned-term-unchecked|lease-drift] "
                   "[--churn] [--membership] [--transfers] "
                   "[--terms shared|owned] [--lease-reads] "
                   "[--clock-skew on|off]\n";
      return 2;
    }
  } catch (std::exception& e) {
    std::cerr << "flexsync-sim: " << e.what() << '\n';
    return 2;
  }
#ifdef FLEXSYNC_PLANTED_BUGS
  if (!opts.plant.empty())
    flexsync::plant(*flexsync::planted_bug_from(opts.plant));
#endif
  std::atomic<uint64_t> next{0}, passed{0}, failed{0}, steps{0}, commands{0};
  std::mutex out_mtx;
  flexsync::sim::history_stats history;
  auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (;;) {
      auto k = next++;
      if (k >= opts.seeds)
        return;
      auto p = params_of(opts, opts.first + k);
      auto r = flexsync::sim::run_random(p);
      steps += r.steps;
      commands += r.battery_commands;
      std::lock_guard<std::mutex> guard{out_mtx};
      history += r.history;
      if (r.ok) {
        ++passed;
        if (opts.verbose)
          std::cout << "seed " << p.seed << " passed: " << r.setup
                    << " acked=" << r.acked << '\n';
      } else {
        ++failed;
        std::cout << "seed " << p.seed << " FAILED: " << r.setup << '\n'
                  << r.report << "  replay: " << replay_command(opts, p.seed)
                  << '\n';
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < std::min<uint64_t>(opts.jobs, opts.seeds); ++i)
    threads.emplace_back(worker);
  for (auto& t : threads)
    t.join();
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - started)
                .count();
  std::cout << "RESULT sim seeds=" << opts.seeds << " seconds=" << secs
            << " seeds_per_second=" << (secs > 0 ? opts.seeds / secs : 0)
            << " steps=" << steps.load();
  if (opts.batteries)
    std::cout << " battery_commands=" << commands.load();
  std::cout << " history_ops=" << history.ops << " ok=" << history.ok
            << " fail=" << history.fail << " info=" << history.info
            << " undecided_keys=" << history.undecided << '\n';
  std::cout << passed.load() << " passed, " << failed.load() << " failed\n";
  return failed.load() == 0 ? 0 : 1;
}
