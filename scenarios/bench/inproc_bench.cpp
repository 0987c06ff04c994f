// In-process benchmark: a 3-node cluster in one actor system (in-process
// transport, in-memory storage), driven through the public API.
//
//   inproc-bench [--seconds S] [--window W] [--payload B] [--threads T]
//
// Prints RESULT lines: pipelined commits/s with W calls in flight (callbacks
// on the leader), and blocking-call latency p50/p99 (one caller, on a
// follower and on the leader). Measures the actors and the protocol, not a
// network; the TCP benchmark is a separate program.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "state_machines/state_machine.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using put_atom = caf::atom_constant<caf::atom("put")>;

/// Stores the size of the last payload; the payload is the benchmark's
/// command size.
struct sink : flexsync::state_machine {
  int64_t count = 0;
  caf::behavior make_behavior() override {
    return {[this](put_atom, const std::string&) { return ++count; }};
  }
  // Snapshots start after 100 000 entries; a run passes that quickly.
  caf::error save(caf::serializer& sink) override { return sink(count); }
  caf::error load(caf::deserializer& source) override { return source(count); }
};

struct options {
  double seconds = 5;
  size_t window = 20000;
  size_t payload = 16;
  size_t threads = 0;
};

double pipelined(sink& obj, const options& opt) {
  std::mutex mtx;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::atomic<uint64_t> ok{0}, failed{0};
  std::string payload(opt.payload, 'x');
  auto start = clock_type::now();
  auto stop = start + std::chrono::duration<double>(opt.seconds);
  while (clock_type::now() < stop) {
    {
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait(guard, [&] { return in_flight < opt.window; });
      ++in_flight;
    }
    obj.call<int64_t>(put_atom::value, payload)
      .then([&](int64_t, const caf::error& err) {
        (err ? failed : ok)++;
        std::lock_guard<std::mutex> guard{mtx};
        --in_flight;
        cv.notify_one();
      });
  }
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start);
  std::unique_lock<std::mutex> guard{mtx};
  cv.wait_for(guard, 30s, [&] { return in_flight == 0; });
  if (failed > 0)
    std::cerr << "pipelined: " << failed << " calls failed\n";
  return ok.load() / elapsed.count();
}

void latency(sink& obj, const std::string& where, const options& opt) {
  std::vector<double> us;
  std::string payload(opt.payload, 'x');
  auto stop = clock_type::now() + std::chrono::duration<double>(opt.seconds / 2);
  while (clock_type::now() < stop) {
    auto t0 = clock_type::now();
    obj.call<int64_t>(put_atom::value, payload).get();
    us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0)
                   .count());
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[static_cast<size_t>(p * (us.size() - 1))]; };
  std::cout << "RESULT bench=inproc mode=blocking caller=" << where
            << " payload=" << opt.payload << " calls=" << us.size()
            << " p50_us=" << pct(0.5) << " p99_us=" << pct(0.99) << '\n';
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--seconds")
      opt.seconds = std::stod(argv[i + 1]);
    else if (k == "--window")
      opt.window = std::stoul(argv[i + 1]);
    else if (k == "--payload")
      opt.payload = std::stoul(argv[i + 1]);
    else if (k == "--threads")
      opt.threads = std::stoul(argv[i + 1]);
  }
  flexsync::system_config cfg{opt.threads};
  if (getenv("FS_POLICY")) cfg.set("scheduler.policy", caf::atom_from_string(getenv("FS_POLICY")));
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  sink a, b, c;
  flexsync::node n1{sys, {"a", {"b", "c"}}, net, {&a}};
  flexsync::node n2{sys, {"b", {"a", "c"}}, net, {&b}};
  flexsync::node n3{sys, {"c", {"a", "b"}}, net, {&c}};
  if (!n1.wait_ready(10s) || !n2.wait_ready(10s) || !n3.wait_ready(10s)) {
    std::cerr << "cluster not ready\n";
    return 1;
  }
  std::vector<std::pair<flexsync::node*, sink*>> nodes{{&n1, &a}, {&n2, &b},
                                                       {&n3, &c}};
  auto leader = std::find_if(nodes.begin(), nodes.end(), [](auto& x) {
    return x.first->status().role == flexsync::raft_role::leader;
  });
  auto follower = leader == nodes.begin() ? nodes.begin() + 1 : nodes.begin();
  auto rate = pipelined(*leader->second, opt);
  std::cout << "RESULT bench=inproc mode=pipelined payload=" << opt.payload
            << " window=" << opt.window << " ops_per_s=" << rate << '\n';
  latency(*leader->second, "leader", opt);
  latency(*follower->second, "follower", opt);
  return 0;
}
