// The nemesis runner's child processes (see child.hpp).

#include "scenarios/nemesis/child.hpp"
#include "scenarios/nemesis/child_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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
                       std::string log_path)
  : program_(std::move(program)), args_(std::move(args)),
    log_path_(std::move(log_path)) {
  // nop
}

node_child::~node_child() {
  kill();
}

void node_child::start() {
  std::lock_guard<std::mutex> guard{console_};
  if (pid_.load() > 0)
    return;
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error("pipe2 failed");
  }
  int log_fd = ::open(log_path_.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  struct stat st{};
  log_offset_ = (log_fd >= 0 && ::fstat(log_fd, &st) == 0) ? st.st_size : 0;
  auto pid = child_io::spawn(program_, args_, in[0], out[1], log_fd >= 0 ? log_fd : 2);
  ::close(in[0]);
  ::close(out[1]);
  if (log_fd >= 0)
    ::close(log_fd);
  in_fd_ = in[1];
  out_fd_ = out[0];
  pending_.clear();
  unanswered_ = 0;
  paused_ = false;
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
  std::lock_guard<std::mutex> guard{console_};
  close_pipes();
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
node_child::command(const std::string& line, std::chrono::milliseconds bound) {
  std::lock_guard<std::mutex> guard{console_};
  if (pid_.load() <= 0 || in_fd_ < 0)
    return std::nullopt;
  auto deadline = clock_type::now() + bound;
  auto text = line + "\n";
  if (::write(in_fd_, text.data(), text.size())
      != static_cast<ssize_t>(text.size()))
    return std::nullopt;
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
  return child_io::read_line(out_fd_, pending_, deadline);
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
