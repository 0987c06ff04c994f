#include "tests/process/flooder.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "actors/transport/wire/frame.hpp"

namespace flexsync::process_testing {

namespace {

using clock_type = std::chrono::steady_clock;

/// A connect attempt that failed is retried after this long: while a node
/// is down every attempt fails at once, and retrying in a tight loop would
/// only take CPU from the node that is starting.
constexpr auto connect_retry = 50ms;

struct slot {
  enum class state : uint8_t { idle, connecting, open };
  uint16_t port = 0;
  /// The hello this slot trickles, byte by byte.
  const std::vector<uint8_t>* hello = nullptr;
  int fd = -1;
  state st = state::idle;
  /// Bytes of the hello sent so far.
  size_t sent = 0;
  /// idle: when to connect; open: when to send the next byte.
  clock_type::time_point next{};
};

enum class outcome : uint8_t { none, opened, closed_by_node, connect_failed };

/// A hello a stranger might send: password mode on, to the target.
std::vector<uint8_t> hello_for(uint16_t port) {
  wire::hello h;
  h.password = true;
  h.from = node_id{"127.0.0.1:1"};
  h.to = node_id{"127.0.0.1:" + std::to_string(port)};
  return wire::encode_hello(h);
}

void close_slot(slot& s, clock_type::time_point retry_at) {
  ::close(s.fd);
  s.fd = -1;
  s.st = slot::state::idle;
  s.next = retry_at;
}

/// Starts a non-blocking connect; false when it failed at once.
bool start_connect(slot& s) {
  s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0)
    return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(s.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto rc = ::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(s.fd);
    s.fd = -1;
    return false;
  }
  s.st = slot::state::connecting;
  return true;
}

/// What is due before polling: a connect attempt, or the next byte.
outcome prepare(slot& s, clock_type::time_point now,
                std::chrono::milliseconds trickle) {
  if (s.st == slot::state::idle && s.next <= now && !start_connect(s)) {
    s.next = now + connect_retry;
    return outcome::connect_failed;
  }
  if (s.st == slot::state::open && s.next <= now) {
    // One byte of the hello, never the whole frame in time.
    if (s.sent < s.hello->size() &&
        ::send(s.fd, s.hello->data() + s.sent, 1, MSG_NOSIGNAL) == 1)
      ++s.sent;
    s.next = now + trickle;
  }
  return outcome::none;
}

/// A polled socket is ready: the connect finished, or the node wrote or
/// closed.
outcome on_ready(slot& s, short revents, clock_type::time_point now) {
  if (s.st == slot::state::connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (revents & (POLLERR | POLLHUP))) {
      close_slot(s, now + connect_retry);
      return outcome::connect_failed;
    }
    s.st = slot::state::open;
    s.sent = 0;
    s.next = now; // the first byte right away
    return outcome::opened;
  }
  char buf[512];
  auto n = ::recv(s.fd, buf, sizeof(buf), 0);
  if (n > 0 || (n < 0 && errno == EAGAIN))
    return outcome::none; // a refusal frame, say; the close follows
  close_slot(s, now);     // reopened at once
  return outcome::closed_by_node;
}

} // namespace

flooder::flooder(std::vector<uint16_t> ports, size_t per_target,
                 std::chrono::milliseconds trickle) {
  thread_ = std::thread{[this, ports = std::move(ports), per_target, trickle] {
    run(ports, per_target, trickle);
  }};
}

flooder::~flooder() {
  stop_ = true;
  thread_.join();
}

flooder::totals flooder::counts() const {
  return {opened_.load(), closed_by_node_.load(), failed_connects_.load(),
          open_now_.load()};
}

void flooder::count(uint8_t what) {
  switch (static_cast<outcome>(what)) {
  case outcome::opened:
    ++opened_;
    ++open_now_;
    break;
  case outcome::closed_by_node:
    ++closed_by_node_;
    --open_now_;
    break;
  case outcome::connect_failed:
    ++failed_connects_;
    break;
  default:
    break;
  }
}

void flooder::run(std::vector<uint16_t> ports, size_t per_target,
                  std::chrono::milliseconds trickle) {
  std::vector<std::vector<uint8_t>> hellos;
  for (auto p : ports)
    hellos.push_back(hello_for(p));
  std::vector<slot> slots;
  for (size_t t = 0; t < ports.size(); ++t)
    for (size_t i = 0; i < per_target; ++i)
      slots.push_back(slot{ports[t], &hellos[t]});
  std::vector<pollfd> fds;
  std::vector<slot*> polled;
  while (!stop_) {
    auto now = clock_type::now();
    fds.clear();
    polled.clear();
    for (auto& s : slots) {
      count(static_cast<uint8_t>(prepare(s, now, trickle)));
      if (s.st == slot::state::idle)
        continue;
      short ev = s.st == slot::state::connecting ? POLLOUT : POLLIN;
      fds.push_back(pollfd{s.fd, ev, 0});
      polled.push_back(&s);
    }
    if (::poll(fds.data(), fds.size(), 5) <= 0)
      continue;
    now = clock_type::now();
    for (size_t k = 0; k < fds.size(); ++k)
      if (fds[k].revents != 0)
        count(static_cast<uint8_t>(on_ready(*polled[k], fds[k].revents, now)));
  }
  for (auto& s : slots)
    if (s.fd >= 0)
      ::close(s.fd);
  open_now_ = 0;
}

int64_t rss_kib(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoll(line.substr(6));
  return -1;
}

double cpu_seconds(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text;
  std::getline(in, text);
  // Fields after the command name (which may hold spaces) in parentheses.
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return -1;
  std::istringstream rest{text.substr(close + 2)};
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15)
      ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace flexsync::process_testing
