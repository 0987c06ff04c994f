#pragma once

// Child processes driven through pipes, as the nemesis runner's node_child
// and the process tests' node_process both drive a node's console: start
// one, and read its answers line by line with a deadline. Header-only and
// CAF-free.

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace flexsync::child_io {

/// How a child starts besides its arguments and descriptors.
struct spawn_limits {
  /// Ignore SIGXFSZ (the disposition survives exec), so a write past
  /// RLIMIT_FSIZE fails with EFBIG instead of killing the process, also
  /// when the parent lowers the limit later (prlimit).
  bool ignore_sigxfsz = false;
  /// RLIMIT_FSIZE's soft limit in bytes; none when 0.
  uint64_t file_size_limit = 0;
};

/// Starts `program` with `args`, its stdin, stdout and stderr on the given
/// descriptors, dying with this process (PR_SET_PDEATHSIG). Returns its
/// PID; the caller closes the descriptors.
/// @throws std::runtime_error when fork fails.
inline pid_t spawn(const std::string& program,
                   const std::vector<std::string>& args, int in_fd,
                   int out_fd, int err_fd, spawn_limits limits = {}) {
  std::vector<std::string> strings{program};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : strings)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(std::string{"fork failed: "}
                             + std::strerror(errno));
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (limits.ignore_sigxfsz)
      ::signal(SIGXFSZ, SIG_IGN);
    if (limits.file_size_limit > 0) {
      struct rlimit lim{};
      ::getrlimit(RLIMIT_FSIZE, &lim);
      lim.rlim_cur = static_cast<rlim_t>(limits.file_size_limit);
      if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max)
        lim.rlim_cur = lim.rlim_max;
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0)
        ::_exit(125);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

/// The next line (without its newline) from `fd`, with bytes read earlier
/// but not returned kept in `pending`; nothing once `deadline` passed or
/// the pipe closed (the process is gone).
inline std::optional<std::string>
read_line(int fd, std::string& pending,
          std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (auto nl = pending.find('\n'); nl != std::string::npos) {
      auto line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    auto rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc <= 0)
      return std::nullopt;
    char buf[4096];
    auto n = ::read(fd, buf, sizeof(buf));
    if (n <= 0)
      return std::nullopt;
    pending.append(buf, static_cast<size_t>(n));
  }
}

} // namespace flexsync::child_io
