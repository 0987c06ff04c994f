// The nemesis runner's fault-injecting proxy (see proxy.hpp).

#include "scenarios/nemesis/proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "actors/transport/wire/frame.hpp"

namespace flexsync::nemesis {

using clock_type = std::chrono::steady_clock;

namespace {

/// Stop reading a side while this much waits to be written to the other.
constexpr size_t max_buffered = 8 * 1024 * 1024;

/// How much of a connection's start is kept for a replay.
constexpr size_t max_recorded = 64 * 1024;

/// How long a replayed connection start may stay open.
constexpr auto replay_lifetime = std::chrono::seconds{5};

/// Proxy rounds (1 to 20 ms each) a replay waits for a frame boundary.
constexpr int max_replay_tries = 500;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/// A listening socket on 127.0.0.1:port (0: any free port).
int listen_on(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  auto a = loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0
      || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string{"cannot listen on 127.0.0.1: "}
                             + std::strerror(errno));
  }
  return fd;
}

uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

/// A connected, non-blocking socket to 127.0.0.1:port, or -1.
int dial(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  auto a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

struct chunk {
  clock_type::time_point due;
  std::string bytes;
  size_t off = 0;
};

struct direction {
  std::deque<chunk> queue;
  size_t bytes = 0;

  bool due(clock_type::time_point now) const {
    return !queue.empty() && queue.front().due <= now;
  }

  void push(clock_type::time_point due, std::string bytes_in) {
    bytes += bytes_in.size();
    queue.push_back(chunk{due, std::move(bytes_in)});
  }

  /// Writes what is due to fd; false when the socket failed.
  bool flush(int fd, clock_type::time_point now) {
    while (due(now)) {
      auto& c = queue.front();
      auto n = ::send(fd, c.bytes.data() + c.off, c.bytes.size() - c.off,
                      MSG_NOSIGNAL);
      if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      c.off += static_cast<size_t>(n);
      if (c.off < c.bytes.size())
        return true;
      bytes -= c.bytes.size();
      queue.pop_front();
    }
    return true;
  }
};

/// Reads what is there; false at end of file or on an error.
bool read_some(int fd, std::string& out) {
  char buf[65536];
  auto n = ::recv(fd, buf, sizeof(buf), 0);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  if (n == 0)
    return false;
  out.assign(buf, static_cast<size_t>(n));
  return true;
}

} // namespace

uint16_t free_port() {
  int fd = listen_on(0);
  auto port = port_of(fd);
  ::close(fd);
  return port;
}

/// One proxied link: `down` is the dialer's side, `up` the acceptor node's.
struct fault_proxy::connection {
  size_t acceptor = 0;
  /// The dialing node; unknown (-1) until its hello arrived.
  long dialer = -1;
  int down = -1;
  int up = -1;
  /// Bytes from the dialer before its hello is complete.
  std::string hello;
  /// drops_ of the pair when the hello came; a newer one closes the link.
  uint64_t drop_generation = 0;
  direction to_up;
  direction to_down;
  bool dead = false;
  /// What replays use: the dialer's first bytes, the frames of that
  /// direction being cut apart, and the last complete sealed one.
  std::string recorded;
  std::string parsing;
  bool unparsable = false;
  std::string last_sealed;
  /// A replayed connection start: no dialer side, closed after a while.
  bool raw = false;
  clock_type::time_point expires;

  /// Keeps what a replay needs of bytes the dialer sent.
  void observe(const std::string& bytes) {
    if (recorded.size() < max_recorded)
      recorded += bytes.substr(0, max_recorded - recorded.size());
    if (unparsable)
      return;
    parsing += bytes;
    using namespace wire;
    while (parsing.size() >= length_prefix_size) {
      auto* data = reinterpret_cast<const uint8_t*>(parsing.data());
      auto len = read_length(byte_span{data, length_prefix_size});
      if (len > max_buffered) {
        unparsable = true; // not a frame stream this proxy can follow
        parsing.clear();
        return;
      }
      if (parsing.size() < length_prefix_size + len)
        return;
      if (len > 0 && data[length_prefix_size]
                       == static_cast<uint8_t>(frame_kind::sealed))
        last_sealed = parsing.substr(0, length_prefix_size + len);
      parsing.erase(0, length_prefix_size + len);
    }
  }

  ~connection() {
    if (down >= 0)
      ::close(down);
    if (up >= 0)
      ::close(up);
  }
};

fault_proxy::fault_proxy(std::vector<uint16_t> back_ports)
  : back_ports_(std::move(back_ports)) {
  try {
    for (size_t i = 0; i < back_ports_.size(); ++i) {
      listeners_.push_back(listen_on(0));
      front_ports_.push_back(port_of(listeners_.back()));
    }
  } catch (...) {
    for (auto fd : listeners_)
      ::close(fd);
    throw;
  }
  thread_ = std::thread{[this] { loop(); }};
}

fault_proxy::~fault_proxy() {
  stop_ = true;
  thread_.join();
  for (auto* c : conns_)
    delete c;
  for (auto fd : listeners_)
    ::close(fd);
}

std::string fault_proxy::id(size_t i) const {
  return "127.0.0.1:" + std::to_string(front_ports_[i]);
}

fault_proxy::pair_key fault_proxy::key(size_t a, size_t b) {
  return {std::min(a, b), std::max(a, b)};
}

void fault_proxy::cut(size_t a, size_t b) {
  std::lock_guard<std::mutex> guard{mtx_};
  cuts_.insert(key(a, b));
}

void fault_proxy::drop(size_t a, size_t b) {
  std::lock_guard<std::mutex> guard{mtx_};
  ++drops_[key(a, b)];
}

void fault_proxy::delay(size_t a, size_t b, int ms) {
  std::lock_guard<std::mutex> guard{mtx_};
  delays_[key(a, b)] = ms;
}

void fault_proxy::replay(size_t a, size_t b) {
  std::lock_guard<std::mutex> guard{mtx_};
  replays_.emplace_back(key(a, b), 0);
}

/// Carries out the replays asked for since the last round (proxy thread).
void fault_proxy::serve_replays(clock_type::time_point now) {
  std::vector<std::pair<pair_key, int>> asked, again;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    asked.swap(replays_);
  }
  for (auto [k, tries] : asked) {
    auto i = std::find_if(conns_.begin(), conns_.end(), [&](connection* c) {
      return !c->dead && !c->raw && c->dialer >= 0 && !c->last_sealed.empty()
             && key(static_cast<size_t>(c->dialer), c->acceptor) == k;
    });
    // Only on a live link between two frames, or the copy would land
    // inside one; a link comes back and a busy one reaches a boundary soon.
    if (i == conns_.end() || !(*i)->parsing.empty()) {
      if (tries < max_replay_tries)
        again.emplace_back(k, tries + 1);
      continue;
    }
    auto& c = **i;
    c.to_up.push(now, c.last_sealed);
    ++replayed_frames_;
    auto* r = new connection;
    r->raw = true;
    r->acceptor = c.acceptor;
    r->expires = now + replay_lifetime;
    r->up = dial(back_ports_[c.acceptor]);
    if (r->up < 0) {
      delete r;
      continue;
    }
    r->to_up.push(now, c.recorded);
    conns_.push_back(r);
    ++replayed_conns_;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  replays_.insert(replays_.end(), again.begin(), again.end());
}

void fault_proxy::heal() {
  std::lock_guard<std::mutex> guard{mtx_};
  cuts_.clear();
  delays_.clear();
}

int fault_proxy::delay_of(size_t a, size_t b) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = delays_.find(key(a, b));
  return i == delays_.end() ? 0 : i->second;
}

bool fault_proxy::still_allowed(connection& c) {
  if (c.dialer < 0)
    return true;
  auto k = key(static_cast<size_t>(c.dialer), c.acceptor);
  std::lock_guard<std::mutex> guard{mtx_};
  return cuts_.count(k) == 0 && drops_[k] == c.drop_generation;
}

void fault_proxy::accept_on(size_t node) {
  for (;;) {
    int fd = ::accept4(listeners_[node], nullptr, nullptr,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto* c = new connection;
    c->acceptor = node;
    c->down = fd;
    conns_.push_back(c);
    ++accepted_;
  }
}

/// Learns the dialer from its hello, then dials the acceptor node; marks the
/// connection dead when the hello is bad, the pair is cut or the node is
/// not listening.
void fault_proxy::on_dialer_bytes(connection& c, std::string bytes,
                                  clock_type::time_point now) {
  if (c.dialer >= 0) {
    c.observe(bytes);
    c.to_up.push(now + std::chrono::milliseconds(
                   delay_of(static_cast<size_t>(c.dialer), c.acceptor)),
                 std::move(bytes));
    return;
  }
  c.hello += bytes;
  using namespace wire;
  if (c.hello.size() < length_prefix_size)
    return;
  auto* data = reinterpret_cast<const uint8_t*>(c.hello.data());
  auto len = read_length(byte_span{data, length_prefix_size});
  if (len > max_handshake_frame_size) {
    c.dead = true;
    return;
  }
  if (c.hello.size() < length_prefix_size + len)
    return;
  auto h = decode_hello(byte_span{data + length_prefix_size, len});
  long from = -1;
  for (size_t i = 0; h && i < front_ports_.size(); ++i)
    if (h.value->from.name == id(i))
      from = static_cast<long>(i);
  if (from < 0) {
    c.dead = true;
    return;
  }
  c.dialer = from;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    c.drop_generation = drops_[key(static_cast<size_t>(from), c.acceptor)];
  }
  if (!still_allowed(c)) {
    ++fault_closes_;
    c.dead = true;
    return;
  }
  c.up = dial(back_ports_[c.acceptor]);
  if (c.up < 0) {
    c.dead = true;
    return;
  }
  auto first = std::move(c.hello);
  c.hello.clear();
  on_dialer_bytes(c, std::move(first), now);
}

/// Moves bytes for one connection after poll() said what is ready.
void fault_proxy::pump(connection& c, short down_events, short up_events) {
  auto now = clock_type::now();
  std::string bytes;
  if ((down_events & (POLLIN | POLLHUP | POLLERR)) != 0) {
    if (!read_some(c.down, bytes))
      c.dead = true;
    else if (!bytes.empty())
      on_dialer_bytes(c, std::move(bytes), now);
  }
  if (c.up >= 0 && (up_events & (POLLIN | POLLHUP | POLLERR)) != 0) {
    bytes.clear();
    if (!read_some(c.up, bytes))
      c.dead = true;
    else if (!bytes.empty() && !c.raw) // a replay's answers go nowhere
      c.to_down.push(now + std::chrono::milliseconds(delay_of(
                       static_cast<size_t>(c.dialer), c.acceptor)),
                     std::move(bytes));
  }
  if (c.raw && now > c.expires)
    c.dead = true;
  if (c.dead)
    return;
  if (!c.to_down.flush(c.down, now) || (c.up >= 0 && !c.to_up.flush(c.up, now)))
    c.dead = true;
  if (!c.dead && !still_allowed(c)) {
    ++fault_closes_;
    c.dead = true;
  }
}

void fault_proxy::loop() {
  std::vector<pollfd> fds;
  while (!stop_) {
    auto now = clock_type::now();
    serve_replays(now);
    fds.clear();
    for (auto fd : listeners_)
      fds.push_back(pollfd{fd, POLLIN, 0});
    bool waiting = false;
    for (auto* c : conns_) {
      short down = c->to_up.bytes < max_buffered ? POLLIN : 0;
      short up = c->to_down.bytes < max_buffered ? POLLIN : 0;
      if (c->to_down.due(now))
        down |= POLLOUT;
      if (c->to_up.due(now))
        up |= POLLOUT;
      waiting = waiting || !c->to_up.queue.empty() || !c->to_down.queue.empty();
      fds.push_back(pollfd{c->down, down, 0});
      fds.push_back(pollfd{c->up, c->up >= 0 ? up : short{0}, 0});
    }
    // Held (delayed) bytes are looked at every millisecond; otherwise the
    // timeout only bounds how late a new fault closes an idle link.
    ::poll(fds.data(), fds.size(), waiting ? 1 : 20);
    auto n = listeners_.size();
    for (size_t i = 0; i < conns_.size(); ++i)
      pump(*conns_[i], fds[n + 2 * i].revents, fds[n + 2 * i + 1].revents);
    for (size_t i = 0; i < n; ++i)
      if ((fds[i].revents & POLLIN) != 0)
        accept_on(i);
    auto dead = std::stable_partition(conns_.begin(), conns_.end(),
                                      [](connection* c) { return !c->dead; });
    for (auto i = dead; i != conns_.end(); ++i)
      delete *i;
    conns_.erase(dead, conns_.end());
  }
}

} // namespace flexsync::nemesis
