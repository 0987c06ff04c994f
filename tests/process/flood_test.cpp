// Issue 18: half-open connections on a majority must not stop the cluster.
// Three password-protected nodes; a client writes through the one node that
// is not attacked; the two others (the lowest address, which both others
// dial, and the middle one) each get a flood of half-open connections (see
// flooder.hpp). Then (a) every link is dropped at once and (b) the lowest
// node is killed with SIGKILL and restarted, both while the flood goes on.
// The links must come back within their normal redial time, the client's
// longest window without a successful call must stay within 3 s, its rate
// during the attack must be at least half the rate before it, and the
// flooded nodes' memory and log output must stay bounded.

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/process/flooder.hpp"
#include "tests/process/node_process.hpp"

using namespace flexsync::process_testing;

namespace {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// The client: `inc` through one node's console in a loop on its own
/// thread. The console serves one command at a time, so the test's own
/// commands to that node go through `command` and take turns with it.
class client {
public:
  explicit client(node_process& node) : node_(node) {
    thread_ = std::thread{[this] { loop(); }};
  }

  ~client() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  std::string command(const std::string& line) {
    std::lock_guard<std::mutex> guard{console_};
    return node_.command(line);
  }

  fields status() {
    std::lock_guard<std::mutex> guard{console_};
    return node_.status();
  }

  /// Successful calls in [from, to) per second.
  double rate(time_point from, time_point to) const {
    std::lock_guard<std::mutex> guard{results_};
    auto n = std::count_if(ok_.begin(), ok_.end(),
                           [&](auto t) { return t >= from && t < to; });
    return static_cast<double>(n) / seconds(to - from);
  }

  /// The longest time in [from, to] without a successful call.
  clock_type::duration longest_gap(time_point from, time_point to) const {
    std::lock_guard<std::mutex> guard{results_};
    auto last = from;
    clock_type::duration gap{0};
    for (auto t : ok_) {
      if (t < from || t > to)
        continue;
      gap = std::max(gap, t - last);
      last = t;
    }
    return std::max(gap, to - last);
  }

  size_t failures() const {
    std::lock_guard<std::mutex> guard{results_};
    return failed_;
  }

private:
  void loop() {
    while (!stop_) {
      auto answer = command("inc");
      std::lock_guard<std::mutex> guard{results_};
      if (answer.rfind("ok ", 0) == 0)
        ok_.push_back(clock_type::now());
      else
        ++failed_;
    }
  }

  node_process& node_;
  std::mutex console_;
  mutable std::mutex results_;
  std::vector<time_point> ok_;
  size_t failed_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// The last `n` lines of every node's log: a flood may write many.
std::string log_tails(process_cluster& c, size_t n = 40) {
  std::string result;
  for (size_t i = 0; i < c.size(); ++i) {
    auto text = c.at(i).log();
    size_t start = text.size();
    for (size_t k = 0; k <= n && start > 0; ++k) {
      auto nl = text.rfind('\n', start - 1);
      start = nl == std::string::npos ? 0 : nl;
    }
    result += "---- " + c.id(i) + " (last lines)\n" + text.substr(start);
  }
  return result;
}

size_t line_count(const node_process& n) {
  auto text = n.log();
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// CPU share (1.0 = one core) and RSS of a node over a period.
struct usage {
  double cpu_start = 0;
  time_point start;

  explicit usage(const node_process& n)
    : cpu_start(cpu_seconds(n.pid())), start(clock_type::now()) {}

  double cpu_share(const node_process& n) const {
    return (cpu_seconds(n.pid()) - cpu_start) / seconds(clock_type::now() - start);
  }
};

} // namespace

TEST_CASE("half-open connection floods on two of three nodes neither stop "
          "the writes nor keep dropped or restarted links from coming back") {
  constexpr size_t flood_per_node = 200;
  std::string pw = "correct horse battery staple";
  process_cluster c{{.passwords = {pw, pw, pw}}};
  // By address: the greater address dials, so `low` is dialed by both others.
  auto order = c.all();
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return c.id(a) < c.id(b); });
  size_t low = order[0];
  size_t mid = order[1];
  size_t top = order[2];
  c.wait_leader(c.all());
  REQUIRE(c.wait_all(c.all(), "links", "2"));
  INFO("top " << c.id(top) << ", flooded " << c.id(low) << " and "
              << c.id(mid));

  client cl{c.at(top)};
  auto links_of = [&](size_t i) {
    return number(i == top ? cl.status() : c.at(i).status(), "links");
  };
  auto all_linked = [&] {
    return links_of(low) == 2 && links_of(mid) == 2 && links_of(top) == 2;
  };
  // The periods below only set how long a rate is measured over.
  std::vector<size_t> flooded{low, mid};
  auto t_base = clock_type::now();
  std::vector<usage> cpu_base{usage{c.at(low)}, usage{c.at(mid)}};
  std::this_thread::sleep_for(3s);
  std::vector<double> idle_cpu{cpu_base[0].cpu_share(c.at(low)),
                               cpu_base[1].cpu_share(c.at(mid))};
  std::vector<int64_t> rss_before{rss_kib(c.at(low).pid()),
                                  rss_kib(c.at(mid).pid())};
  std::vector<size_t> lines_before{line_count(c.at(low)),
                                   line_count(c.at(mid))};
  auto t_flood = clock_type::now();
  double rate_before = cl.rate(t_base, t_flood);
  flooder flood{{c.port(low), c.port(mid)}, flood_per_node};
  REQUIRE(wait_until(
    [&] { return flood.counts().opened >= 2 * flood_per_node; }));
  std::vector<usage> cpu_flood{usage{c.at(low)}, usage{c.at(mid)}};
  std::this_thread::sleep_for(2s);
  // Nothing of the flood reaches the links that were up already.
  CHECK(all_linked());

  // (a) Every link dropped at once: the dialers redial through the flood.
  auto t_drop = clock_type::now();
  CHECK(c.at(low).command("drop-links") == "ok");
  CHECK(c.at(mid).command("drop-links") == "ok");
  CHECK(cl.command("drop-links") == "ok");
  bool relinked = wait_until(all_linked, 10s);
  auto relink_a = clock_type::now() - t_drop;
  std::this_thread::sleep_for(2s);
  std::vector<double> flood_cpu{cpu_flood[0].cpu_share(c.at(low)),
                                cpu_flood[1].cpu_share(c.at(mid))};
  std::vector<int64_t> rss_during{rss_kib(c.at(low).pid()),
                                  rss_kib(c.at(mid).pid())};
  std::vector<size_t> lines_during{line_count(c.at(low)) - lines_before[0],
                                   line_count(c.at(mid)) - lines_before[1]};

  // (b) SIGKILL and restart of the lowest node, still flooded.
  auto t_kill = clock_type::now();
  c.at(low).kill();
  c.at(low).start();
  bool rejoined = wait_until(all_linked, 10s);
  auto rejoin_b = clock_type::now() - t_kill;
  std::this_thread::sleep_for(2s);
  auto t_end = clock_type::now();
  auto f = flood.counts();
  cl.stop();

  double rate_during = cl.rate(t_flood, t_end);
  auto gap = cl.longest_gap(t_flood, t_end);
  auto flood_rate = static_cast<double>(f.opened) / seconds(t_end - t_flood);
  std::cout << "flood: " << flood_per_node << " connections per node on 2 "
            << "nodes, " << f.opened << " opened, " << f.closed_by_node
            << " closed by the nodes, " << flood_rate
            << " new connections/s\n"
            << "client: " << rate_before << " calls/s before, " << rate_during
            << " calls/s during the attack, longest window without a call "
            << seconds(gap) << " s, " << cl.failures() << " failed calls\n"
            << "links back after drop-links in " << seconds(relink_a)
            << " s; after SIGKILL+restart in " << seconds(rejoin_b) << " s\n";
  for (size_t k = 0; k < flooded.size(); ++k)
    std::cout << c.id(flooded[k]) << ": RSS " << rss_before[k] << " KiB before, "
              << rss_during[k] << " KiB during; CPU " << 100 * idle_cpu[k]
              << " % of a core before, " << 100 * flood_cpu[k]
              << " % during; " << lines_during[k] << " log lines in "
              << seconds(t_kill - t_flood) << " s of flood\n";
  std::cout.flush();

  INFO(log_tails(c));
  CHECK(relinked);
  CHECK(rejoined);
  CHECK(relink_a <= 2s);
  CHECK(gap <= 3s);
  CHECK(rate_during >= rate_before / 2);
  for (size_t k = 0; k < flooded.size(); ++k) {
    // Bounded: a summary line per interval, not a line per connection.
    CHECK(lines_during[k] <= 100);
    CHECK(rss_during[k] <= rss_before[k] + 64 * 1024);
  }
}
