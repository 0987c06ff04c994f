// The simulator network's latency model (scenarios/sim/zone_latency.hpp):
// per-link delays from a zone RTT matrix with jitter, and the network's
// uniform delays, which must stay exactly as they were without a model
// (pinned seeds replay only if the generator is used the same way).

#include <cmath>
#include <random>

#include <caf/make_message.hpp>
#include <catch2/catch.hpp>

#include "scenarios/sim/sim_network.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

/// Two zones "A" and "B" 100 ms apart, 1 ms within a zone; nodes 1 and 2
/// in A, 3 in B.
sim::zone_latency two_zones(caf::timespan wan_sigma,
                            caf::timespan intra_sigma) {
  sim::zone_latency m;
  m.zones = {"A", "B"};
  m.rtt = {{0ms, 100ms}, {100ms, 0ms}};
  m.intra_rtt = 1ms;
  m.wan_sigma = wan_sigma;
  m.intra_sigma = intra_sigma;
  m.zone_of = {{node_id{"1"}, 0}, {node_id{"2"}, 0}, {node_id{"3"}, 1}};
  return m;
}

double mean_ms(const sim::zone_latency& m, const node_id& a, const node_id& b,
               std::mt19937_64& rng, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i)
    sum += std::chrono::duration<double, std::milli>(m.draw(a, b, rng)).count();
  return sum / n;
}

} // namespace

TEST_CASE("a message takes half the zones' round trip, within a zone half "
          "the intra-zone one") {
  auto m = two_zones(0ms, 0ms);
  REQUIRE(m.check({node_id{"1"}, node_id{"2"}, node_id{"3"}}).empty());
  std::mt19937_64 rng{1};
  CHECK(m.draw(node_id{"1"}, node_id{"3"}, rng) == 50ms);
  CHECK(m.draw(node_id{"3"}, node_id{"2"}, rng) == 50ms);
  CHECK(m.draw(node_id{"1"}, node_id{"2"}, rng) == 500us);
  CHECK(m.mean_one_way(node_id{"2"}, node_id{"1"}) == 500us);
}

TEST_CASE("jitter averages out to the mean and has the asked deviation") {
  auto m = two_zones(2ms, 20us);
  std::mt19937_64 rng{7};
  constexpr int n = 20000;
  CHECK(mean_ms(m, node_id{"1"}, node_id{"3"}, rng, n) ==
        Approx(50.0).margin(0.1));
  CHECK(mean_ms(m, node_id{"1"}, node_id{"2"}, rng, n) ==
        Approx(0.5).margin(0.002));
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    auto x = std::chrono::duration<double, std::milli>(
                 m.draw(node_id{"3"}, node_id{"1"}, rng))
                 .count();
    sum += x;
    sq += x * x;
  }
  auto sd = std::sqrt(sq / n - (sum / n) * (sum / n));
  CHECK(sd == Approx(2.0).margin(0.1));
}

TEST_CASE("jitter larger than the delay is clamped to the minimum delay") {
  auto m = two_zones(0ms, 10ms);
  std::mt19937_64 rng{3};
  bool clamped = false;
  for (int i = 0; i < 1000; ++i) {
    auto d = m.draw(node_id{"1"}, node_id{"2"}, rng);
    REQUIRE(d >= m.min_delay);
    clamped = clamped || d == m.min_delay;
  }
  CHECK(clamped);
}

TEST_CASE("the same seed draws the same delays") {
  auto m = two_zones(2ms, 20us);
  std::mt19937_64 a{42}, b{42};
  for (int i = 0; i < 100; ++i)
    REQUIRE(m.draw(node_id{"1"}, node_id{"3"}, a) ==
            m.draw(node_id{"1"}, node_id{"3"}, b));
}

TEST_CASE("a model that cannot serve the nodes says why") {
  auto m = two_zones(0ms, 0ms);
  CHECK(m.check({node_id{"4"}}) == "node 4 has no zone");
  m.rtt[0][1] = 90ms;
  CHECK(!m.check({node_id{"1"}}).empty());
  m.rtt.pop_back();
  CHECK(!m.check({node_id{"1"}}).empty());
  CHECK(two_zones(0ms, 0ms).zone_index("B") == 1);
  CHECK_THROWS(two_zones(0ms, 0ms).zone_index("C"));
}

TEST_CASE("without a model the network draws uniform delays exactly as "
          "before") {
  // The delays a seed gave before latency models existed: one uniform draw
  // per message (and per duplicate), after one coin per drop or duplicate.
  sim::sim_network net{99};
  net.faults.min_delay = 1ms;
  net.faults.max_delay = 5ms;
  net.faults.drop = 0.1;
  std::mt19937_64 rng{99};
  std::uniform_real_distribution<double> coin{0.0, 1.0};
  std::uniform_int_distribution<int64_t> delay{caf::timespan{1ms}.count(),
                                               caf::timespan{5ms}.count()};
  auto msg = caf::make_message(int32_t{1});
  for (int i = 0; i < 200; ++i) {
    auto got = net.route(node_id{"1"}, node_id{"2"}, msg);
    std::vector<caf::timespan> want;
    if (!(coin(rng) < 0.1))
      want.emplace_back(caf::timespan{delay(rng)});
    REQUIRE(got == want);
  }
}

TEST_CASE("with a model the network delays by zone") {
  sim::sim_network net{5};
  net.latency = two_zones(0ms, 0ms);
  net.clock = [] { return caf::timespan{0}; };
  net.faults.slow[node_id{"3"}] = 7ms;
  auto msg = caf::make_message(int32_t{1});
  CHECK(net.route(node_id{"1"}, node_id{"2"}, msg) ==
        std::vector<caf::timespan>{500us});
  CHECK(net.route(node_id{"1"}, node_id{"3"}, msg) ==
        std::vector<caf::timespan>{57ms});
}

TEST_CASE("a link's messages arrive in the order they were sent, unless the "
          "model allows overtaking") {
  // 20 ms of jitter on a 50 ms link, a message every millisecond: drawn
  // alone, many would overtake their predecessor.
  for (bool fifo : {true, false}) {
    sim::sim_network net{8};
    net.latency = two_zones(20ms, 0ms);
    net.latency->fifo = fifo;
    caf::timespan now{0};
    net.clock = [&] { return now; };
    auto msg = caf::make_message(int32_t{1});
    caf::timespan last{0};
    size_t overtaken = 0;
    for (int i = 0; i < 200; ++i, now += 1ms) {
      auto d = net.route(node_id{"1"}, node_id{"3"}, msg);
      REQUIRE(d.size() == 1);
      if (now + d[0] <= last)
        ++overtaken;
      last = std::max(last, now + d[0]);
      // The other direction is a link of its own.
      net.route(node_id{"3"}, node_id{"1"}, msg);
    }
    if (fifo)
      CHECK(overtaken == 0);
    else
      CHECK(overtaken > 20);
  }
}
