#pragma once

// Helpers for tests of the TCP transport inside one process on loopback: an
// actor system with the middleman, free ports, a log capture, a stand-in
// node that records what the transport delivers, and a raw client that
// speaks (or mangles) the wire protocol by hand.
//
// Nothing here decides a test by sleeping: wait_until() polls a condition up
// to a generous bound.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>

#include "actors/transport/wire/frame.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "actors/node/wiring.hpp"

namespace flexsync::testing {

using namespace std::chrono_literals;

/// flexsync's config plus the middleman (see the report: system_config
/// could load it by default).
struct tcp_system_config : system_config {
  tcp_system_config() : system_config(2) { load<caf::io::middleman>(); }
};

/// Generous bound for anything a test waits for.
constexpr caf::timespan tcp_patience = 10s;

template <class Pred>
bool wait_until(Pred&& pred, caf::timespan bound = tcp_patience) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return pred();
    std::this_thread::sleep_for(5ms);
  }
}

/// `n` distinct ports that were free a moment ago on `host` (all bound at
/// once, so they differ; then released).
std::vector<uint16_t> free_ports(size_t n,
                                 const std::string& host = "127.0.0.1");

/// "host:port" with brackets for IPv6 when asked.
std::string address(const std::string& host, uint16_t port);

/// Collects log lines from any thread.
class log_capture {
public:
  logger::sink_fn sink();
  size_t count(const std::string& needle) const;
  bool contains(const std::string& needle) const { return count(needle) > 0; }
  std::string dump() const;

private:
  struct shared {
    mutable std::mutex mtx;
    std::vector<std::string> lines;
  };
  std::shared_ptr<shared> data_ = std::make_shared<shared>();
};

/// Endpoints that send everything to `x` (whatever actors a node has).
node_endpoints all_to(const caf::actor& x);

/// A stand-in node: registered with a transport, records every message
/// delivered to any of its "actors".
class recorder {
public:
  explicit recorder(caf::actor_system& sys);
  ~recorder();

  const node_endpoints& endpoints() const { return ep_; }

  std::vector<caf::message> messages() const;

  /// Messages holding a T, in arrival order.
  template <class T>
  std::vector<T> of() const {
    std::vector<T> result;
    for (auto& m : messages())
      if (m.match_elements<T>())
        result.push_back(m.get_as<T>(0));
    return result;
  }

private:
  struct shared {
    mutable std::mutex mtx;
    std::vector<caf::message> messages;
  };
  std::shared_ptr<shared> data_ = std::make_shared<shared>();
  caf::actor actor_;
  node_endpoints ep_;
};

/// A transport config for `self` with fast timeouts.
tcp_transport_config fast_config(const std::string& self,
                                 const std::vector<std::string>& members);

/// A plain TCP client for hand-made frames.
class raw_client {
public:
  raw_client(const std::string& host, uint16_t port);
  ~raw_client();

  bool connected() const { return fd_ >= 0; }

  void send(const std::vector<uint8_t>& bytes);

  /// The next frame's body, or nothing when the connection closed (or
  /// nothing came within `bound`).
  std::optional<std::vector<uint8_t>> read_frame(caf::timespan bound = 5s);

  /// Waits until the peer closes the connection.
  bool closed_by_peer(caf::timespan bound = tcp_patience);

  /// Plays the dialer's side of an unencrypted handshake as `self` towards
  /// `peer`; returns whether the peer answered with its hello.
  bool plain_handshake(const std::string& self, const std::string& peer);

private:
  bool read_exact(uint8_t* dst, size_t n, caf::timespan bound);
  int fd_ = -1;
};

/// A frame carrying `msg` serialized with CAF, as a peer would send it.
std::vector<uint8_t> message_frame(caf::actor_system& sys,
                                   const caf::message& msg);

} // namespace flexsync::testing
