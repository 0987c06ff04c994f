#pragma once

// What process-bench needs to drive flexsync-node processes: a child
// process spoken to through its console, free loopback ports, waiting on a
// condition with a bound.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace flexsync::bench {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using fields = std::map<std::string, std::string>;

/// One flexsync-node child, driven through stdin/stdout; killed by PID when
/// the handle dies (and by PR_SET_PDEATHSIG if this program dies).
class child {
public:
  child(std::string bin, std::vector<std::string> args, std::string log);
  ~child() { kill(); }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  void start();
  void kill();
  bool running() const { return pid_ > 0; }

  /// Sends a command; its answer line or "" after `bound`.
  std::string command(const std::string& line,
                      std::chrono::milliseconds bound = 120s);

  /// The `status` answer's key=value fields (empty on failure).
  fields status();

  /// CPU time the process used so far, user plus system, in seconds (from
  /// /proc/PID/stat; 0 when it is not running).
  double cpu_seconds() const;

private:
  std::string bin_;
  std::vector<std::string> args_;
  std::string log_;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buf_;
};

/// CPU time some processes use during one run, per call: the client's
/// process (client included) and the mean of the others, in microseconds.
class cpu_meter {
public:
  /// Starts measuring `procs`; `client` is the index of the client's.
  cpu_meter(std::vector<const child*> procs, size_t client);

  /// " cpu_us_per_op_client_node=X cpu_us_per_op_other_node=Y", or "" when
  /// `ops` is no positive count.
  std::string per_op(const std::string& ops) const;

private:
  std::vector<const child*> procs_;
  size_t client_;
  std::vector<double> start_;
};

/// `n` loopback ports that were free a moment ago.
std::vector<uint16_t> free_ports(size_t n);

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds bound = 30s,
                std::chrono::milliseconds step = 10ms) {
  auto deadline = clock_type::now() + bound;
  while (clock_type::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

double ms_since(clock_type::time_point t0);

/// "key=value" from an answer line, or "".
std::string field(const std::string& answer, const std::string& key);

} // namespace flexsync::bench
