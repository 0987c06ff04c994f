#pragma once

// The nemesis runner's fault-injecting TCP proxy, loopback only. Node i is
// known to its peers by a front address (127.0.0.1:front_port(i)) that this
// proxy listens on, and listens itself on a back port; every peer link goes
// through the proxy, which forwards bytes both ways on one poll() thread.
//
// The first frame of an accepted connection is the dialer's hello
// (actors/transport/wire/frame.hpp, readable before any encryption); the
// proxy decodes it to learn which node dialed, so faults apply per pair of
// nodes:
//   cut      no link between a and b: existing connections are closed, new
//            ones are closed right after their hello, until healed
//   drop     every connection between a and b is closed once
//   delay    bytes between a and b are held for d ms before they go on
//   replay   a hostile copy of a's and b's traffic: the last sealed frame
//            the dialer sent goes to the acceptor once more on the same
//            connection, and the first bytes the dialer sent (hello,
//            proof, first frames) go to it on a new connection
// heal() lifts every cut and delay.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace flexsync::nemesis {

class fault_proxy {
public:
  /// Listens on one free front port per node; `back_ports[i]` is where node
  /// i listens. Throws when a socket cannot be set up.
  explicit fault_proxy(std::vector<uint16_t> back_ports);
  ~fault_proxy();

  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  uint16_t front_port(size_t i) const { return front_ports_[i]; }

  /// Node i's id, "127.0.0.1:<front port>".
  std::string id(size_t i) const;

  void cut(size_t a, size_t b);
  void drop(size_t a, size_t b);
  void delay(size_t a, size_t b, int ms);
  /// Asks for a replay on a live link between a and b (either dialed);
  /// nothing happens when there is none or it carried no sealed frame
  /// (plain mode).
  void replay(size_t a, size_t b);
  void heal();

  /// Sealed frames sent again on their own connection, and connection
  /// starts replayed on a new one, so far.
  uint64_t replayed_frames() const { return replayed_frames_.load(); }
  uint64_t replayed_connections() const { return replayed_conns_.load(); }

  /// Connections accepted and closed by a fault, so far.
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t closed_by_faults() const { return fault_closes_.load(); }

private:
  struct connection;
  using pair_key = std::pair<size_t, size_t>;
  static pair_key key(size_t a, size_t b);

  void loop();
  void on_dialer_bytes(connection& c, std::string bytes,
                       std::chrono::steady_clock::time_point now);
  void pump(connection& c, short down_events, short up_events);
  void accept_on(size_t node);
  void serve_replays(std::chrono::steady_clock::time_point now);
  bool still_allowed(connection& c);
  int delay_of(size_t a, size_t b);

  std::vector<uint16_t> back_ports_;
  std::vector<uint16_t> front_ports_;
  std::vector<int> listeners_;
  std::vector<connection*> conns_;
  mutable std::mutex mtx_;
  std::set<pair_key> cuts_;
  std::map<pair_key, int> delays_;
  std::map<pair_key, uint64_t> drops_;
  /// Replays asked for, with the rounds each waited for a frame boundary.
  std::vector<std::pair<pair_key, int>> replays_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> fault_closes_{0};
  std::atomic<uint64_t> replayed_frames_{0};
  std::atomic<uint64_t> replayed_conns_{0};
  std::thread thread_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t free_port();

} // namespace flexsync::nemesis
