#pragma once

// Helpers for tests that run flexsync-node as real processes on loopback:
// one child process per node, driven through its console (stdin commands,
// one stdout answer each), its stderr kept in a log file; and a cluster of
// them on free ports.
//
// Every child is killed by its PID (SIGKILL) and reaped when its handle dies,
// also when a test fails; children additionally get PR_SET_PDEATHSIG, so
// they die with the test process even if it crashes. Nothing here decides an
// outcome by sleeping: wait_until() polls a condition up to a generous bound.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace flexsync::process_testing {

using namespace std::chrono_literals;

/// Generous bound for anything a test waits for.
constexpr std::chrono::milliseconds patience = 20s;

/// Polls `pred` every 10 ms until it holds or `bound` passes.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds bound = patience);

/// `n` distinct TCP ports that were free a moment ago on `host` ("127.0.0.1"
/// or "::1").
std::vector<uint16_t> free_ports(size_t n, const std::string& host);

/// Starts `program` with `args`, its stdin, stdout and stderr on the given
/// descriptors, dying with the test process (PR_SET_PDEATHSIG). Returns its
/// PID; the caller closes the descriptors.
pid_t spawn_child(const std::string& program,
                  const std::vector<std::string>& args, int in_fd, int out_fd,
                  int err_fd);

/// SIGKILL and reap `pid` if it is running; sets it to -1.
void kill_child(pid_t& pid);

/// A "key=value key=value" answer (after "ok ") as a map.
using fields = std::map<std::string, std::string>;

/// One flexsync-node process.
class node_process {
public:
  node_process(std::string name, std::vector<std::string> args,
               std::string log_path);
  ~node_process();

  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  /// Starts (or restarts) the process with its arguments.
  void start();

  /// The arguments the next start() uses, and a way to change them (a
  /// restart as another version of the program, e.g. a higher
  /// --max-code-version).
  const std::vector<std::string>& args() const { return args_; }
  void set_args(std::vector<std::string> args) { args_ = std::move(args); }

  /// SIGKILL, then reap. Idempotent.
  void kill();

  /// Sends `sig` (SIGSTOP, SIGCONT) to the running process.
  void signal(int sig);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  /// Sends one console command and returns its answer line; empty when no
  /// answer came within `bound` (or the process is gone).
  std::string command(const std::string& line,
                      std::chrono::milliseconds bound = 15s);

  /// `status` as fields; empty when the process did not answer.
  fields status(std::chrono::milliseconds bound = 5s);

  /// `metrics`: the Prometheus text that follows the "ok lines=N" answer;
  /// empty when the process did not answer in full.
  std::string metrics(std::chrono::milliseconds bound = 5s);

  /// The process's stderr so far.
  std::string log() const;

private:
  std::optional<std::string> read_line(std::chrono::milliseconds bound);

  std::string name_;
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string pending_;
};

struct cluster_options {
  size_t size = 3;
  /// Where ports are taken ("127.0.0.1" or "::1").
  std::string bind_host = "127.0.0.1";
  /// The host part of the node ids ("127.0.0.1", "[::1]", "localhost").
  std::string id_host = "127.0.0.1";
  /// Per node; empty or shorter: no password.
  std::vector<std::string> passwords;
  /// How many nodes (the first ones) start at once; the others are
  /// started by the test with at(i).start().
  size_t start_now = SIZE_MAX;
  /// Journal on disk (fsync always) instead of memory.
  bool disk = false;
  /// Node `i` writes its metrics to metrics_file(i) this often (seconds);
  /// 0: no metrics file.
  double metrics_interval = 0;
  /// Node `i` publishes its admin actor on admin_port(i) (--admin).
  bool admin = false;
  /// The first `members` nodes form the cluster; the others start with
  /// --join (knowing the members) until a membership change adds them.
  size_t members = SIZE_MAX;
  /// The nodes beyond `members` start with --read-only (unconfigured
  /// read-only nodes) instead of --join.
  bool extras_read_only = false;
  /// The first `members` nodes start with --admit-non-member.
  bool admit_non_member = false;
  /// Appended to every node's arguments.
  std::vector<std::string> extra_args;
};

/// N flexsync-node processes forming one cluster, in a temporary folder that
/// is removed afterwards (kept, with its path printed, when a test failed).
class process_cluster {
public:
  explicit process_cluster(cluster_options opts);
  ~process_cluster();

  size_t size() const { return nodes_.size(); }
  node_process& at(size_t i) { return *nodes_[i]; }
  const std::string& id(size_t i) const { return ids_[i]; }
  uint16_t port(size_t i) const { return ports_[i]; }

  /// Node `i`'s admin port (with cluster_options::admin).
  uint16_t admin_port(size_t i) const { return admin_ports_.at(i); }

  /// The leader every running node of `among` names, if they all agree on
  /// one of `among` that calls itself leader.
  std::optional<size_t> agreed_leader(const std::vector<size_t>& among);

  /// Waits for agreed_leader(among); fails the test after `patience`.
  size_t wait_leader(const std::vector<size_t>& among);

  /// Waits until every node of `among` shows `key=value` in its status.
  bool wait_all(const std::vector<size_t>& among, const std::string& key,
                const std::string& value);

  /// Every node's log, for failure messages.
  std::string logs() const;

  /// 0..size()-1.
  std::vector<size_t> all() const;

  /// The metrics file node `i` rewrites (with metrics_interval).
  std::string metrics_file(size_t i) const;

  /// The password file node `i` reads at start (when it has a password).
  std::string password_file(size_t i) const;

private:
  std::string dir_;
  std::vector<uint16_t> ports_;
  std::vector<uint16_t> admin_ports_;
  std::vector<std::string> ids_;
  std::vector<std::unique_ptr<node_process>> nodes_;
};

/// An integer field of a status, or -1.
int64_t number(const fields& f, const std::string& key);

/// `inc` through node i: the counter's new value, or -1 (the answer goes to
/// the test's log).
int64_t inc(process_cluster& c, size_t i);

} // namespace flexsync::process_testing
