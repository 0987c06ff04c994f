#pragma once

// Reading a child process's answers line by line from a pipe, with a
// deadline: what the nemesis runner's node_child and the process tests'
// node_process both do with a node's console. Header-only and CAF-free.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

namespace flexsync::pipe_lines {

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

} // namespace flexsync::pipe_lines
