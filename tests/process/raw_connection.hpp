#pragma once

// A plain TCP client for hostile-input tests: connects to 127.0.0.1:port,
// sends raw bytes, and tells whether the peer closes the connection.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"

namespace flexsync::process_testing {

class raw_connection {
public:
  explicit raw_connection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  }

  ~raw_connection() { ::close(fd_); }

  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  void send(const std::vector<uint8_t>& bytes) {
    // The peer may close before all is sent; that is what the test expects.
    (void) ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  /// True when the peer closes the connection within `bound`; whatever it
  /// sends first (a refusal) is skipped.
  bool closed_by_peer(std::chrono::milliseconds bound = patience) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char buf[1024];
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        return true;
    }
  }

private:
  int fd_ = -1;
};

} // namespace flexsync::process_testing
