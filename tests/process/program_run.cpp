#include "tests/process/program_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"

namespace flexsync::process_testing {

namespace {

using clock_type = std::chrono::steady_clock;

/// Reads both pipes until both close or `deadline` passes; true when both
/// closed.
bool drain(int out_fd, int err_fd, program_result& r,
           clock_type::time_point deadline) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open = 2;
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    if (left.count() <= 0)
      return false;
    auto rc = ::poll(fds, 2, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc <= 0)
      continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[4096];
      auto n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        fds[i].fd = -1; // closed (or failed): stop watching it
        --open;
      }
    }
  }
  return true;
}

} // namespace

program_result run_program(const std::string& program,
                           const std::vector<std::string>& args,
                           std::chrono::milliseconds bound) {
  int out[2];
  int err[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(null_fd >= 0);
  auto start = clock_type::now();
  auto pid = spawn_child(program, args, null_fd, out[1], err[1]);
  ::close(null_fd);
  ::close(out[1]);
  ::close(err[1]);
  program_result r;
  auto finished = drain(out[0], err[0], r, start + bound);
  ::close(out[0]);
  ::close(err[0]);
  if (!finished) {
    r.hung = true;
    kill_child(pid);
    return r;
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
    clock_type::now() - start);
  if (WIFEXITED(st))
    r.exit_code = WEXITSTATUS(st);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

} // namespace flexsync::process_testing
