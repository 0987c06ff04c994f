// flexsync-nemesis: a real-process nemesis run. N flexsync-node processes on
// loopback with disk storage, one client per node, and a seeded nemesis
// (SIGKILL and restart, SIGSTOP/SIGCONT, partitions, link drops and delays
// through a fault-injecting proxy, full-cluster restarts, with --disk-full
// full disks); afterwards it
// heals everything and checks liveness, convergence and the history's
// linearizability. See runner.hpp and the README's "Nemesis runs".

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include "scenarios/nemesis/runner.hpp"

namespace {

using flexsync::nemesis::run_options;

const char* usage =
  "usage: flexsync-nemesis [--seed S] [--nodes 3|5] [--seconds T | --minutes M]\n"
  "                        [--node-bin PATH] [--plant-local-reads] [--password]\n"
  "                        [--disk-full] [--keep-dir]\n"
  "\n"
  "  --seed S             seed of the fault schedule and the clients (default 1)\n"
  "  --nodes N            cluster size, 3 or 5 (default 3)\n"
  "  --seconds T          how long clients and nemesis run (default 30)\n"
  "  --minutes M          the same in minutes, for soak runs\n"
  "  --node-bin PATH      the flexsync-node program (default: next to this one)\n"
  "  --plant-local-reads  record the console's local reads as if they were\n"
  "                       linearizable: the checker must then fail the run\n"
  "  --password           every link authenticated and sealed; the faults\n"
  "                       then include replays of sealed traffic (a frame\n"
  "                       sent twice, a connection start sent again), which\n"
  "                       the victim must refuse with a log line\n"
  "  --disk-full          the faults include full disks: a node's files may\n"
  "                       not grow past a limit just above its journal's size\n"
  "                       (RLIMIT_FSIZE, no privileges needed), lowered on\n"
  "                       the running node or set as it restarts; it must\n"
  "                       log the failed write, exit with status 70 and\n"
  "                       restart from its durable state\n"
  "  --keep-dir           keep data dirs and logs of a passing run too\n"
  "\n"
  "The same seed, nodes and seconds replay the same fault schedule (events and\n"
  "timings); the real-time interleaving of processes and sockets differs from\n"
  "run to run. The last line is \"RESULT nemesis ... verdict=pass|fail|...\";\n"
  "exit status 0 pass, 1 violation, 2 bad usage, 3 the cluster never served.\n";

std::string self_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"."} : exe.parent_path().string();
}

int64_t positive(const std::string& flag, const std::string& value) {
  size_t used = 0;
  int64_t x = -1;
  try {
    x = std::stoll(value, &used);
  } catch (const std::exception&) {
  }
  if (used != value.size() || x <= 0)
    throw std::invalid_argument(flag + " needs a positive integer, not '"
                                + value + "'");
  return x;
}

run_options parse(int argc, char** argv) {
  run_options opts;
  opts.node_bin = self_dir() + "/flexsync-node";
  opts.self_path = argv[0];
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--seed")
      opts.seed = static_cast<uint64_t>(positive(a, value()));
    else if (a == "--nodes")
      opts.nodes = static_cast<size_t>(positive(a, value()));
    else if (a == "--seconds")
      opts.seconds = positive(a, value());
    else if (a == "--minutes")
      opts.seconds = 60 * positive(a, value());
    else if (a == "--node-bin")
      opts.node_bin = value();
    else if (a == "--plant-local-reads")
      opts.plant_local_reads = true;
    else if (a == "--password")
      opts.password = true;
    else if (a == "--disk-full")
      opts.disk_full = true;
    else if (a == "--keep-dir")
      opts.keep_dir = true;
    else
      throw std::invalid_argument("unknown option '" + a + "'");
  }
  if (opts.nodes != 3 && opts.nodes != 5)
    throw std::invalid_argument("--nodes must be 3 or 5");
  if (::access(opts.node_bin.c_str(), X_OK) != 0)
    throw std::invalid_argument("cannot run the node program "
                                + opts.node_bin + " (use --node-bin)");
  return opts;
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string{argv[i]} == "--help" || std::string{argv[i]} == "-h") {
      std::cout << usage;
      return 0;
    }
  // A node that died leaves a closed pipe; writing to it must not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  run_options opts;
  try {
    opts = parse(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "flexsync-nemesis: " << e.what() << "\n\n" << usage;
    return 2;
  }
  return flexsync::nemesis::run(opts);
}
