#pragma once

// One flexsync-node child process of the nemesis runner: started with pipes
// on its stdin and stdout (its console) and its stderr appended to a log
// file, killed with SIGKILL, paused with SIGSTOP and resumed with SIGCONT.
//
// Thread use: one client thread sends commands while the nemesis thread
// kills, restarts, pauses and resumes. `command` holds the console lock for
// the whole exchange; `kill` signals first (the pending read then ends at
// once with end of file) and closes the pipes under the lock afterwards.
//
// A command that got no answer in time (a paused process) leaves its answer
// in the pipe; the next command first skips that many answer lines, so
// answers never shift onto the wrong command.
//
// The node's stderr is a pipe that a relay thread appends to the log file,
// so that a file size limit on the node (a full disk, see
// set_file_size_limit) never keeps its log lines out of the log.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace flexsync::nemesis {

class node_child {
public:
  /// With `ignore_sigxfsz`, the process ignores SIGXFSZ, so that a file
  /// size limit makes its writes fail (EFBIG) rather than kill it.
  node_child(std::string program, std::vector<std::string> args,
             std::string log_path, bool ignore_sigxfsz = false);
  ~node_child();

  node_child(const node_child&) = delete;
  node_child& operator=(const node_child&) = delete;

  /// Starts the process (again, with the same arguments); with
  /// `file_size_limit` > 0 its files may not grow past that many bytes
  /// (RLIMIT_FSIZE, set before exec). Throws when fork or the pipes fail.
  void start(uint64_t file_size_limit = 0);

  /// SIGCONT if paused, SIGKILL, reap, close the pipes. Idempotent.
  void kill();

  /// Sets the running process's file size limit (prlimit, soft limit only,
  /// so it can be lifted again without privileges); 0 lifts it. False when
  /// that failed (no process, or not permitted).
  bool set_file_size_limit(uint64_t bytes);

  /// Whether the process ended by itself (not reaped yet): its wait status
  /// as "exit status N" or "killed by signal N"; empty while it runs.
  std::string exited() const;

  void pause();
  void resume();

  bool running() const { return pid_.load() > 0; }
  bool paused() const { return paused_.load(); }
  pid_t pid() const { return pid_.load(); }

  /// Sends `line`; its answer, or nothing when none came within `bound`,
  /// the process is not running or it died meanwhile. `*sent` (when given)
  /// says whether the line reached the process's console at all.
  std::optional<std::string> command(const std::string& line,
                                     std::chrono::milliseconds bound,
                                     bool* sent = nullptr);

  /// Whether the console closed (end of file, or a write that failed)
  /// since the last start(): the process is ending or ended, even if it is
  /// not reaped yet (a node that stopped itself exits with status 70).
  bool console_gone() const { return console_gone_.load(); }

  /// The log lines written since the last start().
  std::vector<std::string> log_since_start() const;

  /// Every log line of every run.
  std::vector<std::string> whole_log() const;

  const std::string& log_path() const { return log_path_; }

private:
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point
                                         deadline);
  void close_pipes();
  void stop_relay();

  std::string program_;
  std::vector<std::string> args_;
  std::string log_path_;
  bool ignore_sigxfsz_ = false;
  std::atomic<pid_t> pid_{-1};
  std::atomic<bool> paused_{false};
  std::atomic<bool> console_gone_{false};
  std::mutex console_;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string pending_;
  size_t unanswered_ = 0;
  std::atomic<long> log_offset_{0};
  /// Copies the node's stderr into the log file until end of file, or
  /// until relay_stop_ and nothing more to read (a forked snapshot writer
  /// of a killed node may still hold the pipe).
  std::thread relay_;
  std::atomic<bool> relay_stop_{false};
};

} // namespace flexsync::nemesis
