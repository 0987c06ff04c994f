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

#include "actors/frame.hpp"

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
  int fd = -1;
  state st = state::idle;
  /// Bytes of the hello sent so far.
  size_t sent = 0;
  /// idle: when to connect; open: when to send the next byte.
  clock_type::time_point next{};
};

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

void flooder::run(std::vector<uint16_t> ports, size_t per_target,
                  std::chrono::milliseconds trickle) {
  std::vector<slot> slots;
  std::vector<std::vector<uint8_t>> hellos;
  for (size_t t = 0; t < ports.size(); ++t) {
    hellos.push_back(hello_for(ports[t]));
    for (size_t i = 0; i < per_target; ++i)
      slots.push_back(slot{ports[t], -1, slot::state::idle, 0, {}});
  }
  auto hello_of = [&](const slot& s) -> const std::vector<uint8_t>& {
    for (size_t t = 0; t < ports.size(); ++t)
      if (ports[t] == s.port)
        return hellos[t];
    return hellos[0];
  };
  std::vector<pollfd> fds;
  std::vector<size_t> index;
  while (!stop_) {
    auto now = clock_type::now();
    fds.clear();
    index.clear();
    for (size_t i = 0; i < slots.size(); ++i) {
      auto& s = slots[i];
      if (s.st == slot::state::idle && s.next <= now && !start_connect(s)) {
        ++failed_connects_;
        s.next = now + connect_retry;
      }
      if (s.st == slot::state::open && s.next <= now) {
        // One byte of the hello, never the whole frame in time.
        auto& h = hello_of(s);
        if (s.sent < h.size() &&
            ::send(s.fd, h.data() + s.sent, 1, MSG_NOSIGNAL) == 1)
          ++s.sent;
        s.next = now + trickle;
      }
      if (s.st == slot::state::idle)
        continue;
      short ev = s.st == slot::state::connecting ? POLLOUT : POLLIN;
      fds.push_back(pollfd{s.fd, ev, 0});
      index.push_back(i);
    }
    if (::poll(fds.data(), fds.size(), 5) <= 0)
      continue;
    now = clock_type::now();
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0)
        continue;
      auto& s = slots[index[k]];
      if (s.st == slot::state::connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (fds[k].revents & (POLLERR | POLLHUP))) {
          ++failed_connects_;
          close_slot(s, now + connect_retry);
          continue;
        }
        s.st = slot::state::open;
        s.sent = 0;
        s.next = now; // the first byte right away
        ++opened_;
        ++open_now_;
        continue;
      }
      char buf[512];
      auto n = ::recv(s.fd, buf, sizeof(buf), 0);
      if (n > 0 || (n < 0 && errno == EAGAIN))
        continue; // a refusal frame, say; the close follows
      ++closed_by_node_;
      --open_now_;
      close_slot(s, now); // reopened at once
    }
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
