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

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace flexsync::nemesis {

class node_child {
public:
  node_child(std::string program, std::vector<std::string> args,
             std::string log_path);
  ~node_child();

  node_child(const node_child&) = delete;
  node_child& operator=(const node_child&) = delete;

  /// Starts the process (again, with the same arguments). Throws when fork
  /// or the pipes fail.
  void start();

  /// SIGCONT if paused, SIGKILL, reap, close the pipes. Idempotent.
  void kill();

  void pause();
  void resume();

  bool running() const { return pid_.load() > 0; }
  bool paused() const { return paused_.load(); }
  pid_t pid() const { return pid_.load(); }

  /// Sends `line`; its answer, or nothing when none came within `bound`,
  /// the process is not running or it died meanwhile.
  std::optional<std::string> command(const std::string& line,
                                     std::chrono::milliseconds bound);

  /// The log lines written since the last start().
  std::vector<std::string> log_since_start() const;

  /// Every log line of every run.
  std::vector<std::string> whole_log() const;

  const std::string& log_path() const { return log_path_; }

private:
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point
                                         deadline);
  void close_pipes();

  std::string program_;
  std::vector<std::string> args_;
  std::string log_path_;
  std::atomic<pid_t> pid_{-1};
  std::atomic<bool> paused_{false};
  std::mutex console_;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string pending_;
  size_t unanswered_ = 0;
  std::atomic<long> log_offset_{0};
};

} // namespace flexsync::nemesis
