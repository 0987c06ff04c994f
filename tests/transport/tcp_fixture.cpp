#include "tests/transport/tcp_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/transport/wire/tcp_socket.hpp"

namespace flexsync::testing {

std::vector<uint16_t> free_ports(size_t n, const std::string& host) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  auto r = net::resolve({host, 1});
  REQUIRE(r.error.empty());
  auto addr = r.addresses.front();
  // Port 0 in either family sits at the same offset.
  *reinterpret_cast<uint16_t*>(addr.bytes.data() + 2) = 0;
  for (size_t i = 0; i < n; ++i) {
    auto l = net::listen_on({addr}, {});
    REQUIRE(l.error.empty());
    fds.push_back(l.fds.front());
    ports.push_back(l.port);
  }
  for (auto fd : fds)
    net::close_socket(fd);
  return ports;
}

std::string address(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

// -- log_capture --------------------------------------------------------------

logger::sink_fn log_capture::sink() {
  return [data = data_](log_level, std::string_view line) {
    std::lock_guard<std::mutex> guard{data->mtx};
    data->lines.emplace_back(line);
  };
}

size_t log_capture::count(const std::string& needle) const {
  std::lock_guard<std::mutex> guard{data_->mtx};
  size_t n = 0;
  for (auto& line : data_->lines)
    if (line.find(needle) != std::string::npos)
      ++n;
  return n;
}

std::string log_capture::dump() const {
  std::lock_guard<std::mutex> guard{data_->mtx};
  std::string result;
  for (auto& line : data_->lines)
    result += line + '\n';
  return result;
}

namespace {

/// Sets every actor handle an inspect() overload visits.
struct fill_handles {
  using result_type = void;
  caf::actor value;

  template <class... Ts>
  void operator()(Ts&... xs) {
    ((xs = value), ...);
  }
};

} // namespace

node_endpoints all_to(const caf::actor& x) {
  node_endpoints ep;
  fill_handles f{x};
  inspect(f, ep);
  return ep;
}

// -- recorder -----------------------------------------------------------------

recorder::recorder(caf::actor_system& sys) {
  actor_ = sys.spawn([data = data_](caf::event_based_actor* self) {
    self->set_default_handler(
        [data](caf::scheduled_actor*,
               caf::message_view& x) -> caf::result<caf::message> {
          std::lock_guard<std::mutex> guard{data->mtx};
          data->messages.push_back(x.copy_content_to_message());
          return caf::message{};
        });
    return caf::behavior{[](caf::tick_atom) {}};
  });
  ep_ = all_to(actor_);
}

recorder::~recorder() {
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
}

std::vector<caf::message> recorder::messages() const {
  std::lock_guard<std::mutex> guard{data_->mtx};
  return data_->messages;
}

tcp_transport_config fast_config(const std::string& self,
                                 const std::vector<std::string>& members) {
  tcp_transport_config cfg;
  cfg.self = node_id{self};
  for (auto& m : members)
    cfg.partners.emplace_back(m);
  cfg.connection_timeout = 1s;
  cfg.connection_retry_time = 100ms;
  cfg.max_connection_retry_time = 400ms;
  cfg.bind_retry_time = 100ms;
  cfg.level = log_level::info;
  return cfg;
}

// -- raw_client ---------------------------------------------------------------

raw_client::raw_client(const std::string& host, uint16_t port) {
  auto d = net::dial({host, port}, std::chrono::milliseconds(2000), {});
  fd_ = d.fd;
}

raw_client::~raw_client() {
  net::close_socket(fd_);
}

void raw_client::send(const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, 1000);
    auto n =
        ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0 && errno != EAGAIN)
      return;
    if (n > 0)
      done += static_cast<size_t>(n);
  }
}

bool raw_client::read_exact(uint8_t* dst, size_t n, caf::timespan bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  size_t done = 0;
  while (done < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    auto got = ::recv(fd_, dst + done, n - done, 0);
    if (got == 0 || (got < 0 && errno != EAGAIN))
      return false;
    if (got > 0)
      done += static_cast<size_t>(got);
  }
  return true;
}

std::optional<std::vector<uint8_t>>
raw_client::read_frame(caf::timespan bound) {
  std::vector<uint8_t> prefix(wire::length_prefix_size);
  if (!read_exact(prefix.data(), prefix.size(), bound))
    return std::nullopt;
  std::vector<uint8_t> body(wire::read_length(prefix));
  if (!read_exact(body.data(), body.size(), bound))
    return std::nullopt;
  return body;
}

bool raw_client::closed_by_peer(caf::timespan bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  uint8_t buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    auto got = ::recv(fd_, buf, sizeof(buf), 0);
    if (got == 0 || (got < 0 && errno != EAGAIN))
      return true;
  }
  return false;
}

bool raw_client::plain_handshake(const std::string& self,
                                 const std::string& peer) {
  wire::hello h;
  h.from = node_id{self};
  h.to = node_id{peer};
  send(wire::encode_hello(h));
  auto body = read_frame();
  return body && wire::decode_hello(*body).value.has_value();
}

std::vector<uint8_t> message_frame(caf::actor_system& sys,
                                   const caf::message& msg) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink(const_cast<caf::message&>(msg)));
  auto bytes = crypto::byte_span{reinterpret_cast<const uint8_t*>(buf.data()),
                                 buf.size()};
  return wire::encode_plain(wire::frame_kind::message, bytes);
}

} // namespace flexsync::testing
