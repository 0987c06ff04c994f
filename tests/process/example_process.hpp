#pragma once

// Helpers for the tests of the example programs (scenarios/examples/): a
// cluster of one example program as real processes on loopback, each with
// stdin from /dev/null and its stdout and stderr in files the test reads.
//
// As in node_process.hpp, every child gets PR_SET_PDEATHSIG and is killed by
// its PID (SIGKILL) and reaped when its handle dies, also when a test fails;
// the tests wait on conditions with wait_until(), never by sleeping.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

namespace flexsync::process_testing {

/// One child process running `program args...`.
class program_process {
public:
  program_process(std::string program, std::vector<std::string> args,
                  std::string out_path, std::string err_path);
  ~program_process();

  program_process(const program_process&) = delete;
  program_process& operator=(const program_process&) = delete;

  /// Starts (or restarts) the process; its files are appended to.
  void start();

  /// SIGKILL, then reap. Idempotent.
  void kill();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  /// Complete lines the process wrote to stdout so far.
  std::vector<std::string> lines() const;

  /// Its stderr so far.
  std::string errors() const;

private:
  std::string program_;
  std::vector<std::string> args_;
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
};

/// `size` processes of `program` forming one cluster on 127.0.0.1 free
/// ports, in a temporary folder removed afterwards (kept when a test failed).
/// Node i gets --self=127.0.0.1:<port i>, --partners listing every node, and
/// the arguments `extra(i, spare)` returns, `spare` being one more free port
/// for node i (a client port).
class example_cluster {
public:
  using extra_args
    = std::function<std::vector<std::string>(size_t i, uint16_t spare)>;

  example_cluster(std::string program, size_t size, extra_args extra = {});
  ~example_cluster();

  size_t size() const { return nodes_.size(); }
  program_process& at(size_t i) { return *nodes_[i]; }
  const std::string& id(size_t i) const { return ids_[i]; }
  const std::string& dir() const { return dir_; }

  /// The spare port of node i (see extra_args).
  uint16_t spare_port(size_t i) const { return spare_ports_[i]; }

  /// Every node's stdout and stderr, for failure messages.
  std::string logs() const;

private:
  std::string dir_;
  std::vector<std::string> ids_;
  std::vector<uint16_t> spare_ports_;
  std::vector<std::unique_ptr<program_process>> nodes_;
};

} // namespace flexsync::process_testing
