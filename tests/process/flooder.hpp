#pragma once

// The attack of issue 18, in-process: many half-open TCP connections to the
// peer ports of some nodes on loopback. Each connection trickles one byte of
// a hello frame every `trickle` (so it never completes a frame), and is
// reopened as soon as the node closes it. It knows no password and sends no
// valid frame; all it costs the node is a connection slot and some work per
// accept.
//
// One thread drives every socket (non-blocking, poll), so the attack keeps
// its pace while the test thread drives the cluster. The destructor stops
// the thread and closes every socket, also when a test fails.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace flexsync::process_testing {

using namespace std::chrono_literals;

class flooder {
 public:
  /// Counters since the start, summed over all targets.
  struct totals {
    /// Connections that reached the node (connect completed).
    uint64_t opened = 0;
    /// Of these, closed by the node.
    uint64_t closed_by_node = 0;
    /// Connect attempts that failed (node down, backlog full).
    uint64_t failed_connects = 0;
    /// Connections open right now.
    uint64_t open_now = 0;
  };

  /// Keeps `per_target` connections open to each port of 127.0.0.1 `ports`.
  flooder(std::vector<uint16_t> ports, size_t per_target,
          std::chrono::milliseconds trickle = 2s);
  ~flooder();

  flooder(const flooder&) = delete;
  flooder& operator=(const flooder&) = delete;

  totals counts() const;

 private:
  void run(std::vector<uint16_t> ports, size_t per_target,
           std::chrono::milliseconds trickle);

  /// Adds one step's outcome (flooder.cpp) to the counters.
  void count(uint8_t outcome);

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> opened_{0};
  std::atomic<uint64_t> closed_by_node_{0};
  std::atomic<uint64_t> failed_connects_{0};
  std::atomic<uint64_t> open_now_{0};
  std::thread thread_;
};

/// Resident set size of process `pid` in KiB (VmRSS), or -1.
int64_t rss_kib(int pid);

/// User plus system CPU time of process `pid` so far, in seconds, or -1.
double cpu_seconds(int pid);

} // namespace flexsync::process_testing
