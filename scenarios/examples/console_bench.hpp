#pragma once

// The load generators behind flexsync-node's `bench` console commands
// (process-bench drives them): closed loop with a window of calls in
// flight, one blocking call at a time, and open loop at a fixed rate.

#include <cstddef>
#include <functional>
#include <string>

namespace flexsync::examples {

/// Submits one asynchronous operation; `done(ok)` runs when it completes
/// (on any thread).
using async_op = std::function<void(std::function<void(bool)> done)>;

/// Up to `window` operations in flight for `seconds`. Answers
/// "ok ops=N ops_per_s=X failed=F".
std::string bench_pipelined(double seconds, size_t window, const async_op& op);

/// One blocking operation at a time for `seconds` (`op` throws on failure).
/// Answers "ok calls=N p50_us=X p99_us=Y failed=F".
std::string bench_sync(double seconds, const std::function<void()>& op);

/// Open loop: operations arrive at `rate` per second for `seconds`, whether
/// or not earlier ones completed, and each one's latency runs from its
/// scheduled arrival (not from when the submitter got to it), so a stall
/// shows in the percentiles instead of slowing the arrivals (no
/// coordinated omission). More than `max_in_flight` outstanding counts
/// the arrival as dropped (overload). Answers "ok offered=R ops=N
/// ops_per_s=X p50_us=.. p99_us=.. p999_us=.. failed=F dropped=D".
std::string bench_open_loop(double seconds, double rate, size_t max_in_flight,
                            const async_op& op);

} // namespace flexsync::examples
