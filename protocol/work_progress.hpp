#pragma once

// Progress of long work (a snapshot install, a journal replay) for logs and
// status: bytes done of a total, the rate, at most one log line per period.
// Pure: the caller passes the clock.

#include <cstdint>
#include <optional>
#include <string>

namespace flexsync {

class work_progress {
public:
  /// `what` names the work ("receiving snapshot 42 from a"); `total` bytes;
  /// `start_ns` and later times on one monotonic clock; a line is due at
  /// most every `period_ns` (the first one period after the start, so short
  /// work logs nothing but its end).
  work_progress(std::string what, uint64_t total, int64_t start_ns,
                int64_t period_ns = 2'000'000'000);

  /// Records `done` bytes at `now_ns`; returns a line to log when one is
  /// due, e.g. "receiving snapshot 42 from a: 120.0 of 1024.0 MiB (11 %),
  /// 60.0 MiB/s".
  std::optional<std::string> update(uint64_t done, int64_t now_ns);

  /// The line for status: as update's line, at the last update.
  std::string summary() const;

  /// The closing line: "<what>: done, 1024.0 MiB in 17.1 s (60.0 MiB/s)".
  std::string finish(int64_t now_ns) const;

  uint64_t done() const { return done_; }
  uint64_t total() const { return total_; }

private:
  std::string what_;
  uint64_t total_;
  uint64_t done_ = 0;
  int64_t start_;
  int64_t period_;
  int64_t last_update_;
  int64_t next_line_;
};

} // namespace flexsync
