#include "actors/transport/wire/tcp_socket.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace flexsync::net {

namespace {

static_assert(sizeof(sockaddr_storage) <= sizeof(socket_address::bytes));

const sockaddr* raw(const socket_address& x) {
  return reinterpret_cast<const sockaddr*>(x.bytes.data());
}

std::string errno_text(const char* what, int code) {
  return std::string{what} + ": " + std::strerror(code);
}

void set_int(int fd, int level, int name, int value) {
  // Failures only lose a tuning option; the connection still works.
  (void)::setsockopt(fd, level, name, &value, sizeof(value));
}

void apply_keepalive(int fd, const keepalive_options& ka) {
  set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
  set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, ka.idle_s);
  set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, ka.interval_s);
  set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, ka.probes);
}

/// Waits for a non-blocking connect; 0 on success, else an errno value.
int finish_connect(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLOUT, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0)
    return ETIMEDOUT;
  if (rc < 0)
    return errno;
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    return errno;
  return err;
}

/// One connect attempt; the fd or -1 with `error` set.
int connect_one(const socket_address& addr, std::chrono::milliseconds timeout,
                const keepalive_options& ka, std::string& error) {
  int fd =
      ::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = errno_text("socket", errno);
    return -1;
  }
  apply_keepalive(fd, ka);
  set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  int err = 0;
  if (::connect(fd, raw(addr), addr.size) != 0)
    err = errno == EINPROGRESS ? finish_connect(fd, timeout) : errno;
  if (err != 0) {
    error = addr.to_string() + ": " + std::strerror(err);
    ::close(fd);
    return -1;
  }
  return fd;
}

/// A bound, listening socket for `addr`, or -1 with errno preserved.
int listen_one(const socket_address& addr, const keepalive_options& ka) {
  int fd =
      ::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (addr.family() == AF_INET6)
    set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  apply_keepalive(fd, ka);
  set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (::bind(fd, raw(addr), addr.size) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

} // namespace

std::optional<host_port> parse_address(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  auto host = address.substr(0, colon);
  auto port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
  if (host.empty() || port_text.empty() || ec != std::errc{} ||
      end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return std::nullopt;
  return host_port{std::string{host}, static_cast<uint16_t>(port)};
}

int socket_address::family() const {
  return raw(*this)->sa_family;
}

std::string socket_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(bytes.data());
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    return "[" + std::string{buf} + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  auto* a = reinterpret_cast<const sockaddr_in*>(bytes.data());
  ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
  return std::string{buf} + ":" + std::to_string(ntohs(a->sin_port));
}

resolve_result resolve(const host_port& x) {
  resolve_result result;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // No AI_ADDRCONFIG: it hides ::1 on hosts whose only IPv6 address is the
  // loopback, which is exactly where `localhost` and `::1` must still work.
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  auto port = std::to_string(x.port);
  if (int rc = ::getaddrinfo(x.host.c_str(), port.c_str(), &hints, &list);
      rc != 0) {
    result.error = "cannot resolve " + x.host + ": " + ::gai_strerror(rc);
    return result;
  }
  for (auto* p = list; p != nullptr; p = p->ai_next) {
    if (p->ai_family != AF_INET && p->ai_family != AF_INET6)
      continue;
    socket_address a;
    a.size = static_cast<uint32_t>(p->ai_addrlen);
    std::memcpy(a.bytes.data(), p->ai_addr, p->ai_addrlen);
    auto same = [&](const socket_address& b) {
      return b.size == a.size &&
             std::memcmp(b.bytes.data(), a.bytes.data(), a.size) == 0;
    };
    if (std::none_of(result.addresses.begin(), result.addresses.end(), same))
      result.addresses.push_back(a);
  }
  ::freeaddrinfo(list);
  if (result.addresses.empty())
    result.error = "no IPv4 or IPv6 address for " + x.host;
  return result;
}

listen_result listen_on(const std::vector<socket_address>& addresses,
                        const keepalive_options& keepalive) {
  listen_result result;
  std::string skipped;
  for (auto& addr : addresses) {
    int fd = listen_one(addr, keepalive);
    if (fd >= 0) {
      result.fds.push_back(fd);
      if (result.port == 0)
        result.port = bound_port(fd);
      continue;
    }
    int err = errno;
    // A family or address this host does not have: serve the others.
    if (err == EAFNOSUPPORT || err == EADDRNOTAVAIL) {
      skipped = errno_text(("bind " + addr.to_string()).c_str(), err);
      continue;
    }
    for (auto x : result.fds)
      ::close(x);
    result.fds.clear();
    result.port = 0;
    result.error = errno_text(("bind " + addr.to_string()).c_str(), err);
    return result;
  }
  if (result.fds.empty())
    result.error = skipped.empty() ? "no address to bind" : skipped;
  return result;
}

dial_result dial(const host_port& x, std::chrono::milliseconds timeout,
                 const keepalive_options& keepalive) {
  dial_result result;
  auto r = resolve(x);
  if (!r.error.empty()) {
    result.error = r.error;
    return result;
  }
  for (auto& addr : r.addresses) {
    std::string error;
    result.fd = connect_one(addr, timeout, keepalive, error);
    if (result.fd >= 0) {
      result.error.clear();
      return result;
    }
    if (!result.error.empty())
      result.error += "; ";
    result.error += error;
  }
  return result;
}

void close_socket(int fd) {
  if (fd >= 0)
    ::close(fd);
}

} // namespace flexsync::net
