#include "protocol/work_progress.hpp"

#include <cstdio>

namespace flexsync {

namespace {

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

/// MiB per second of `bytes` over `ns` ("-" before any time passed).
std::string rate(uint64_t bytes, int64_t ns) {
  if (ns <= 0)
    return "-";
  return mib(static_cast<uint64_t>(static_cast<double>(bytes) * 1e9
                                   / static_cast<double>(ns)));
}

} // namespace

work_progress::work_progress(std::string what, uint64_t total,
                             int64_t start_ns, int64_t period_ns)
  : what_(std::move(what)),
    total_(total),
    start_(start_ns),
    period_(period_ns),
    last_update_(start_ns),
    next_line_(start_ns + period_ns) {
  // Nothing else.
}

std::optional<std::string> work_progress::update(uint64_t done,
                                                 int64_t now_ns) {
  done_ = done;
  last_update_ = now_ns;
  if (now_ns < next_line_)
    return std::nullopt;
  next_line_ = now_ns + period_;
  return summary();
}

std::string work_progress::summary() const {
  auto percent = total_ == 0 ? 100 : done_ * 100 / total_;
  return what_ + ": " + mib(done_) + " of " + mib(total_) + " MiB ("
         + std::to_string(percent) + " %), "
         + rate(done_, last_update_ - start_) + " MiB/s";
}

std::string work_progress::finish(int64_t now_ns) const {
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.1f",
                static_cast<double>(now_ns - start_) / 1e9);
  return what_ + ": done, " + mib(done_) + " MiB in " + secs + " s ("
         + rate(done_, now_ns - start_) + " MiB/s)";
}

} // namespace flexsync
