#pragma once

// POSIX socket helpers of the TCP transport: node addresses, name
// resolution, listening sockets and connecting with a deadline. CAF-free.
// Resolving and dialing block, so the transport runs them on a helper
// thread; opening listeners does not block.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flexsync::net {

/// A node address split into host and port.
struct host_port {
  std::string host;
  uint16_t port = 0;
};

/// Splits "host:port" at the last colon, so "::1:6000" is valid; "[::1]:6000"
/// loses its brackets. Nothing when the port is not a number in 1..65535 or
/// the host is empty.
std::optional<host_port> parse_address(std::string_view address);

/// TCP keepalive: first probe after `idle_s` idle seconds, then every
/// `interval_s` seconds, giving up after `probes` unanswered probes.
struct keepalive_options {
  int idle_s = 16;
  int interval_s = 3;
  int probes = 5;
};

/// A resolved socket address (a sockaddr_storage, kept opaque here).
struct socket_address {
  std::array<uint8_t, 128> bytes{};
  uint32_t size = 0;

  int family() const;
  /// "127.0.0.1:6000" or "[::1]:6000".
  std::string to_string() const;
};

struct resolve_result {
  std::vector<socket_address> addresses;
  std::string error;
};

/// Resolves `x` (blocking: getaddrinfo) to TCP addresses, in the resolver's
/// order, without duplicates.
resolve_result resolve(const host_port& x);

struct listen_result {
  /// Listening sockets, one per address that could be bound.
  std::vector<int> fds;
  /// The port bound (the first one, when `port` was 0).
  uint16_t port = 0;
  std::string error;
};

/// Binds and listens on every address (with SO_REUSEADDR, close-on-exec and
/// keepalive, which accepted sockets inherit on Linux). Addresses of a family
/// the host lacks are skipped; any other failure closes everything and
/// reports the first error.
listen_result listen_on(const std::vector<socket_address>& addresses,
                        const keepalive_options& keepalive);

struct dial_result {
  /// The connected socket (non-blocking, TCP_NODELAY, keepalive), or -1.
  int fd = -1;
  std::string error;
};

/// Resolves `x` and connects to its addresses in order until one accepts
/// within `timeout` (each). Blocking: call it on a helper thread.
dial_result dial(const host_port& x, std::chrono::milliseconds timeout,
                 const keepalive_options& keepalive);

/// Closes a socket returned by listen_on or dial.
void close_socket(int fd);

} // namespace flexsync::net
