#include "scenarios/examples/console_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace flexsync::examples {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// The operations a load generator has in flight; waits for them to drain
/// before its frame goes away (their callbacks refer to it). A producer
/// waiting for room is woken when a quarter of its window is free, not at
/// every completion: it then refills in a burst instead of paying a thread
/// wake-up per call.
class in_flight_gate {
public:
  /// Waits until fewer than `window` are in flight (after a wait: at most
  /// three quarters of it) or `until` passes; counts one more on success.
  bool enter(size_t window, clock_type::time_point until) {
    std::unique_lock<std::mutex> guard{mtx_};
    if (count_ < window) {
      ++count_;
      return true;
    }
    wake_at_ = window - std::max<size_t>(window / 4, 1);
    auto room = [&] { return count_ <= wake_at_; };
    auto ok = cv_.wait_until(guard, until, room);
    wake_at_ = none;
    if (!ok)
      return false;
    ++count_;
    return true;
  }

  /// Counts one more unless `limit` are in flight.
  bool try_enter(size_t limit) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (count_ >= limit)
      return false;
    ++count_;
    return true;
  }

  void leave() {
    std::lock_guard<std::mutex> guard{mtx_};
    --count_;
    if (count_ == wake_at_ || count_ == 0)
      cv_.notify_all();
  }

  /// Every call has a deadline, so this ends; the bound is a second guard.
  void drain() {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, 60s, [&] { return count_ == 0; }))
      std::abort();
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  size_t count_ = 0;
  static constexpr size_t none = static_cast<size_t>(-1);
  /// The count at which leave() wakes the waiting producer, or `none`.
  size_t wake_at_ = none;
};

/// The longest run (a day): beyond it, or for no number at all (NaN), the
/// deadline would overflow the clock.
constexpr double max_seconds = 86400;

/// Open loop: the highest rate, and the most arrivals of one run (each
/// takes 9 bytes until the end).
constexpr double max_rate = 1e7;
constexpr double max_arrivals = 1e8;

/// An error answer when `seconds` is no duration a run can have.
std::optional<std::string> bad_seconds(double seconds) {
  if (seconds >= 0 && seconds <= max_seconds)
    return std::nullopt;
  return "error SECONDS must be a number from 0 to 86400";
}

/// The `p` quantile of sorted `xs` (nonempty).
double quantile(const std::vector<double>& xs, double p) {
  return xs[static_cast<size_t>(p * static_cast<double>(xs.size() - 1))];
}

double us_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

} // namespace

std::string bench_pipelined(double seconds, size_t window, const async_op& op) {
  if (auto bad = bad_seconds(seconds))
    return *bad;
  in_flight_gate gate;
  std::atomic<uint64_t> ok{0}, failed{0};
  auto start = clock_type::now();
  auto stop = start + std::chrono::duration_cast<clock_type::duration>(
                        std::chrono::duration<double>(seconds));
  while (clock_type::now() < stop) {
    if (!gate.enter(window, stop))
      break;
    op([&](bool success) {
      (success ? ok : failed)++;
      gate.leave();
    });
  }
  // Operations done by the end of the window count; the rest drain first.
  auto counted = ok.load();
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start);
  gate.drain();
  std::ostringstream out;
  out << "ok ops=" << counted << " ops_per_s=" << counted / elapsed.count()
      << " failed=" << failed.load();
  return out.str();
}

std::string bench_sync(double seconds, const std::function<void()>& op) {
  if (auto bad = bad_seconds(seconds))
    return *bad;
  std::vector<double> us;
  uint64_t failed = 0;
  auto stop = clock_type::now() + std::chrono::duration<double>(seconds);
  while (clock_type::now() < stop) {
    auto t0 = clock_type::now();
    try {
      op();
    } catch (const std::exception&) {
      ++failed;
      continue;
    }
    us.push_back(us_between(t0, clock_type::now()));
  }
  if (us.empty())
    return "error no call succeeded";
  std::sort(us.begin(), us.end());
  std::ostringstream out;
  out << "ok calls=" << us.size() << " p50_us=" << quantile(us, 0.5)
      << " p99_us=" << quantile(us, 0.99) << " failed=" << failed;
  return out.str();
}

std::string bench_open_loop(double seconds, double rate, size_t max_in_flight,
                            const async_op& op) {
  if (!(rate > 0) || !(seconds > 0))
    return "error open loop needs a positive rate and duration";
  if (auto bad = bad_seconds(seconds))
    return *bad;
  if (rate > max_rate || rate * seconds > max_arrivals)
    return "error open loop takes at most 10000000 calls per second and "
           "100000000 in all";
  auto total = static_cast<size_t>(rate * seconds);
  // One slot per arrival, written once by its completion: no lock.
  auto latency = std::make_unique<double[]>(total);
  auto outcome = std::make_unique<std::atomic<uint8_t>[]>(total);
  in_flight_gate gate;
  uint64_t dropped = 0;
  auto start = clock_type::now();
  auto arrival = [&](size_t i) {
    return start + std::chrono::duration_cast<clock_type::duration>(
                     std::chrono::duration<double>(i / rate));
  };
  for (size_t i = 0; i < total; ++i) {
    auto due = arrival(i);
    if (clock_type::now() < due)
      std::this_thread::sleep_until(due);
    if (!gate.try_enter(max_in_flight)) {
      ++dropped;
      continue;
    }
    op([&, i, due](bool success) {
      latency[i] = us_between(due, clock_type::now());
      outcome[i].store(success ? 1 : 2, std::memory_order_release);
      gate.leave();
    });
  }
  gate.drain();
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start);
  std::vector<double> us;
  uint64_t failed = 0;
  for (size_t i = 0; i < total; ++i) {
    auto o = outcome[i].load(std::memory_order_acquire);
    if (o == 1)
      us.push_back(latency[i]);
    failed += o == 2 ? 1 : 0;
  }
  if (us.empty())
    return "error no call succeeded";
  std::sort(us.begin(), us.end());
  std::ostringstream out;
  out << "ok offered=" << rate << " ops=" << us.size()
      << " ops_per_s=" << static_cast<double>(us.size()) / elapsed.count()
      << " p50_us=" << quantile(us, 0.5) << " p99_us=" << quantile(us, 0.99)
      << " p999_us=" << quantile(us, 0.999) << " failed=" << failed
      << " dropped=" << dropped;
  return out.str();
}

} // namespace flexsync::examples
