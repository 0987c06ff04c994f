// On-demand measurement (hidden from ctest): round trips of a heartbeat and
// its reply between two TCP transports in one process, one in flight and
// pipelined, without and with a password. Run with
//   transport_tests "[bench]"

#include <algorithm>
#include <iostream>

#include <catch2/catch.hpp>

#include "protocol/appends.hpp"
#include "tests/transport/tcp_fixture.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

/// Answers every heartbeat with a heartbeat_reply through `transport`.
caf::behavior echo(caf::event_based_actor*, caf::actor transport,
                   node_id self) {
  return {
      [=](const heartbeat& hb) {
        heartbeat_reply r;
        r.term = hb.term;
        r.follower = self;
        r.last_log_index = hb.leader_commit;
        caf::anon_send(transport, peer_send_atom::value, self, hb.leader,
                       caf::make_message(r));
      },
  };
}

} // namespace

TEST_CASE("round trips between two TCP transports", "[.][bench]") {
  auto password = GENERATE(std::string{}, std::string{"secret"});
  tcp_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<std::string> ids;
  for (auto p : free_ports(2))
    ids.push_back(address("127.0.0.1", p));
  auto ca = fast_config(ids[0], ids);
  auto cb = fast_config(ids[1], ids);
  ca.level = cb.level = log_level::warning;
  ca.password = cb.password = password;
  ca.cluster_salt = cb.cluster_salt = "bench";
  auto a = spawn_tcp_transport(sys, ca);
  auto b = spawn_tcp_transport(sys, cb);
  auto e = sys.spawn(echo, b, node_id{ids[1]});
  caf::anon_send(b, register_atom::value, node_id{ids[1]}, all_to(e));
  {
    caf::scoped_actor self{sys};
    auto me = caf::actor_cast<caf::actor>(self);
    caf::anon_send(a, register_atom::value, node_id{ids[0]}, all_to(me));
    REQUIRE(wait_until([&] {
      return transport_status(sys, a).links.size() == 1 &&
             transport_status(sys, b).links.size() == 1;
    }));
    auto round = [&](uint64_t i) {
      heartbeat hb;
      hb.term = term_t{1};
      hb.leader = node_id{ids[0]};
      hb.leader_commit = index_t{i};
      caf::anon_send(a, peer_send_atom::value, node_id{ids[0]}, node_id{ids[1]},
                     caf::make_message(hb));
    };
    auto await_reply = [&] {
      bool ok = false;
      self->receive([&](const heartbeat_reply&) { ok = true; },
                    caf::after(std::chrono::seconds(5)) >> [] {});
      return ok;
    };
    // One in flight: latency.
    std::vector<double> us;
    for (uint64_t i = 0; i < 3000; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      round(i);
      REQUIRE(await_reply());
      us.push_back(std::chrono::duration<double, std::micro>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    }
    std::sort(us.begin(), us.end());
    // 64 in flight: throughput.
    const uint64_t total = 50000;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < 64; ++i)
      round(i);
    for (uint64_t i = 64; i < total + 64; ++i) {
      REQUIRE(await_reply());
      if (i < total)
        round(i);
    }
    auto secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    std::cout << "RESULT tcp_transport password=" << (password.empty() ? 0 : 1)
              << " rtt_p50_us=" << us[us.size() / 2]
              << " rtt_p99_us=" << us[us.size() * 99 / 100]
              << " pipelined_rt_per_s=" << static_cast<uint64_t>(total / secs)
              << '\n';
  }
  caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}
