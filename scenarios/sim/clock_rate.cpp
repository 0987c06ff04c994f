#include "scenarios/sim/clock_rate.hpp"

#include <cmath>
#include <stdexcept>

namespace flexsync::sim {

namespace {

std::chrono::nanoseconds scaled(std::chrono::nanoseconds d, double rate) {
  return std::chrono::nanoseconds{
    static_cast<int64_t>(std::llround(static_cast<double>(d.count()) / rate))};
}

} // namespace

node_config at_clock_rate(node_config cfg, double rate) {
  if (!(rate > 0))
    throw std::invalid_argument("a clock rate must be positive");
  if (rate == 1.0)
    return cfg;
  for (auto* d : {&cfg.heartbeat_interval, &cfg.election_timeout_min,
                  &cfg.election_timeout_max, &cfg.leader_fallback_timeout,
                  &cfg.clock_drift_bound, &cfg.default_call_timeout,
                  &cfg.transfer_timeout, &cfg.placement.settle,
                  &cfg.placement.interval, &cfg.placement.workload_window,
                  &cfg.persistence.fsync_period,
                  &cfg.persistence.snapshot_interval,
                  &cfg.persistence.snapshot_check_interval})
    *d = scaled(*d, rate);
  return cfg;
}

double rate_bound(std::chrono::nanoseconds election_timeout_min,
                  std::chrono::nanoseconds drift) {
  auto m = static_cast<double>(election_timeout_min.count());
  auto d = static_cast<double>(drift.count());
  if (d <= 0)
    return 0;
  return 0.999 * (std::sqrt(m * m + d * d) - m) / d;
}

} // namespace flexsync::sim
