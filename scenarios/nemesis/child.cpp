// The nemesis runner's child processes (see child.hpp).

#include "scenarios/nemesis/child.hpp"
#include "scenarios/nemesis/child_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace flexsync::nemesis {

using clock_type = std::chrono::steady_clock;

node_child::node_child(std::string program, std::vector<std::string> args,
                       std::string log_path, bool ignore_sigxfsz)
  : program_(std::move(program)), args_(std::move(args)),
    log_path_(std::move(log_path)), ignore_sigxfsz_(ignore_sigxfsz) {
  // nop
}

namespace {

/// Appends everything read from `from` to `to` until end of file, or until
/// `stop` is set and nothing arrived for 100 ms; closes both.
void relay(int from, int to, const std::atomic<bool>& stop) {
  char buf[4096];
  for (;;) {
    pollfd p{from, POLLIN, 0};
    auto rc = ::poll(&p, 1, 100);
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc == 0) {
      if (stop.load())
        break;
      continue;
    }
    auto n = rc < 0 ? -1 : ::read(from, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    for (ssize_t done = 0; done < n;) {
      auto w = ::write(to, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        break;
      done += w;
    }
  }
  ::close(from);
  ::close(to);
}

} // namespace

node_child::~node_child() {
  kill();
}

void node_child::start(uint64_t file_size_limit) {
  std::lock_guard<std::mutex> guard{console_};
  if (pid_.load() > 0)
    return;
  int in[2];
  int out[2];
  int err[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error("pipe2 failed");
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]})
      ::close(fd);
    throw std::runtime_error("pipe2 failed");
  }
  int log_fd = ::open(log_path_.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  struct stat st{};
  log_offset_ = (log_fd >= 0 && ::fstat(log_fd, &st) == 0) ? st.st_size : 0;
  child_io::spawn_limits limits;
  limits.ignore_sigxfsz = ignore_sigxfsz_;
  limits.file_size_limit = file_size_limit;
  pid_t pid = -1;
  try {
    pid = child_io::spawn(program_, args_, in[0], out[1], err[1], limits);
  } catch (...) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      ::close(fd);
    if (log_fd >= 0)
      ::close(log_fd);
    throw;
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  relay_stop_ = false;
  relay_ = std::thread{relay, err[0], log_fd >= 0 ? log_fd : ::dup(2),
                       std::cref(relay_stop_)};
  in_fd_ = in[1];
  out_fd_ = out[0];
  pending_.clear();
  unanswered_ = 0;
  paused_ = false;
  console_gone_ = false;
  pid_ = pid;
}

void node_child::kill() {
  auto pid = pid_.exchange(-1);
  if (pid > 0) {
    if (paused_.exchange(false))
      ::kill(pid, SIGCONT);
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
  stop_relay();
  std::lock_guard<std::mutex> guard{console_};
  close_pipes();
}

void node_child::stop_relay() {
  if (!relay_.joinable())
    return;
  relay_stop_ = true;
  relay_.join();
}

bool node_child::set_file_size_limit(uint64_t bytes) {
  auto pid = pid_.load();
  if (pid <= 0)
    return false;
  struct rlimit old{};
  if (::prlimit(pid, RLIMIT_FSIZE, nullptr, &old) != 0)
    return false;
  struct rlimit lim = old;
  lim.rlim_cur = bytes == 0 ? old.rlim_max : static_cast<rlim_t>(bytes);
  if (old.rlim_max != RLIM_INFINITY && lim.rlim_cur > old.rlim_max)
    lim.rlim_cur = old.rlim_max;
  return ::prlimit(pid, RLIMIT_FSIZE, &lim, nullptr) == 0;
}

std::string node_child::exited() const {
  auto pid = pid_.load();
  if (pid <= 0)
    return {};
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info,
               WEXITED | WNOHANG | WNOWAIT)
        != 0
      || info.si_pid != pid)
    return {};
  if (info.si_code == CLD_EXITED)
    return "exit status " + std::to_string(info.si_status);
  return "killed by signal " + std::to_string(info.si_status);
}

void node_child::close_pipes() {
  if (in_fd_ >= 0)
    ::close(in_fd_);
  if (out_fd_ >= 0)
    ::close(out_fd_);
  in_fd_ = out_fd_ = -1;
}

void node_child::pause() {
  if (auto pid = pid_.load(); pid > 0 && !paused_.exchange(true))
    ::kill(pid, SIGSTOP);
}

void node_child::resume() {
  if (auto pid = pid_.load(); pid > 0 && paused_.exchange(false))
    ::kill(pid, SIGCONT);
}

std::optional<std::string>
node_child::command(const std::string& line, std::chrono::milliseconds bound,
                    bool* sent) {
  if (sent)
    *sent = false;
  std::lock_guard<std::mutex> guard{console_};
  if (pid_.load() <= 0 || in_fd_ < 0)
    return std::nullopt;
  auto deadline = clock_type::now() + bound;
  auto text = line + "\n";
  auto n = ::write(in_fd_, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    // EPIPE: the process closed its console (it is exiting); a partial
    // write of a short line into a pipe does not happen.
    console_gone_ = true;
    if (sent)
      *sent = n > 0;
    return std::nullopt;
  }
  if (sent)
    *sent = true;
  ++unanswered_;
  // Answers of earlier commands that timed out come first.
  while (unanswered_ > 1) {
    if (!read_line(deadline))
      return std::nullopt;
    --unanswered_;
  }
  auto answer = read_line(deadline);
  if (answer)
    --unanswered_;
  return answer;
}

std::optional<std::string>
node_child::read_line(clock_type::time_point deadline) {
  auto line = child_io::read_line(out_fd_, pending_, deadline);
  if (!line && clock_type::now() < deadline)
    console_gone_ = true; // end of file before the deadline
  return line;
}

namespace {

std::vector<std::string> lines_from(const std::string& path, long offset) {
  std::ifstream in{path};
  std::vector<std::string> lines;
  if (!in)
    return lines;
  in.seekg(offset);
  for (std::string line; std::getline(in, line);)
    lines.push_back(std::move(line));
  return lines;
}

} // namespace

std::vector<std::string> node_child::log_since_start() const {
  return lines_from(log_path_, log_offset_.load());
}

std::vector<std::string> node_child::whole_log() const {
  return lines_from(log_path_, 0);
}

} // namespace flexsync::nemesis
