// Membership benchmark: how long adding a voter takes when the cluster holds
// a large state, and what commit latency clients see meanwhile. A 3-node
// cluster in one actor system (in-process transport, in-memory storage:
// the actors, the snapshot install and the joint consensus, not a network)
// is filled with MB megabytes, compacted, and then a fourth node that starts
// empty is added (learner, snapshot install, catch-up, joint, new
// configuration) while one client keeps making blocking calls on the leader.
//
//   membership-bench [--mb MB] [--value-bytes B]
//
// Prints RESULT lines: the fill, the add (seconds until add_node returned,
// and the state the new node holds), and the blocking-call latency p50 / p99
// / max before and during the add.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/local_network.hpp"
#include "state_machines/state_machine.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using put_atom = caf::atom_constant<caf::atom("put")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;

/// The state: every value put, kept (a snapshot holds them all).
struct blob_store : flexsync::state_machine {
  std::vector<std::string> values;
  uint64_t bytes = 0;
  caf::behavior make_behavior() override {
    return {
      [this](put_atom, std::string& v) {
        bytes += v.size();
        values.push_back(std::move(v));
        return static_cast<int64_t>(values.size());
      },
      [this](ping_atom) { return static_cast<int64_t>(values.size()); },
    };
  }
  caf::error save(caf::serializer& sink) override { return sink(values); }
  caf::error load(caf::deserializer& source) override {
    auto err = source(values);
    bytes = 0;
    for (auto& v : values)
      bytes += v.size();
    return err;
  }
  uint64_t held() const {
    return read([this] { return bytes; });
  }
};

struct options {
  size_t mb = 256;
  size_t value_bytes = 1024;
};

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? argv[++i] : nullptr; };
    if (!std::strcmp(argv[i], "--mb")) {
      auto v = next();
      if (!v)
        return false;
      o.mb = std::stoul(v);
    } else if (!std::strcmp(argv[i], "--value-bytes")) {
      auto v = next();
      if (!v)
        return false;
      o.value_bytes = std::max<size_t>(1, std::stoul(v));
    } else {
      return false;
    }
  }
  return true;
}

/// Puts `mb` megabytes with a window of calls in flight; returns seconds.
double fill(blob_store& obj, const options& o) {
  std::atomic<size_t> in_flight{0};
  std::string value(o.value_bytes, 'v');
  auto total = o.mb * 1000000 / o.value_bytes;
  auto start = clock_type::now();
  for (size_t i = 0; i < total; ++i) {
    while (in_flight.load() >= 512)
      std::this_thread::sleep_for(100us);
    ++in_flight;
    obj.call<int64_t>(put_atom::value, value)
      .then([&](int64_t, const caf::error&) { --in_flight; });
  }
  while (in_flight.load() > 0)
    std::this_thread::sleep_for(1ms);
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct latencies {
  std::vector<double> us;
  size_t failed = 0;
  std::set<std::string> reasons;
  double at(double q) {
    if (us.empty())
      return 0;
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))];
  }
};

/// Blocking calls on `obj` until `stop`.
void probe(blob_store& obj, std::atomic<bool>& stop, latencies& out) {
  while (!stop.load()) {
    auto t0 = clock_type::now();
    try {
      obj.call<int64_t>(ping_atom::value).get(5s);
      out.us.push_back(
        std::chrono::duration<double, std::micro>(clock_type::now() - t0)
          .count());
    } catch (const flexsync::command_error& e) {
      ++out.failed;
      out.reasons.insert(to_string(e.reason()));
    } catch (const std::exception& e) {
      ++out.failed;
      out.reasons.insert(e.what());
    }
  }
}

void print(const char* phase, latencies& l) {
  std::cout << "RESULT membership_bench phase=" << phase
            << " calls=" << l.us.size() << " failed=" << l.failed
            << " p50_us=" << l.at(0.5) << " p99_us=" << l.at(0.99)
            << " max_us=" << l.at(1.0);
  for (auto& r : l.reasons)
    std::cout << " failure=" << r;
  std::cout << '\n';
}

/// Four nodes in one actor system: a, b and c form the cluster, d starts
/// empty later and joins it.
struct bench_cluster {
  caf::actor_system& sys;
  caf::actor net;
  std::vector<std::string> names{"a", "b", "c", "d"};
  std::vector<blob_store> objs = std::vector<blob_store>(4);
  std::vector<std::unique_ptr<flexsync::node>> nodes
    = std::vector<std::unique_ptr<flexsync::node>>(4);

  void start(size_t i) {
    flexsync::node_config nc{names[i], {"a", "b", "c"}};
    nc.join = i == 3;
    nc.persistence.snapshot_threshold_entries = 0; // compacted by hand
    nodes[i] = std::make_unique<flexsync::node>(
      sys, nc, net, std::vector<flexsync::replicated_object*>{&objs[i]});
  }
};

/// Starts a, b and c; returns the index of their leader.
size_t start_cluster(bench_cluster& c) {
  for (size_t i = 0; i < 3; ++i)
    c.start(i);
  for (size_t i = 0; i < 3; ++i)
    c.nodes[i]->wait_ready(10s);
  size_t leader = 0;
  while (!c.nodes[leader]->is_leader())
    leader = (leader + 1) % 3, std::this_thread::sleep_for(1ms);
  return leader;
}

/// Every node snapshots the whole state: once it applied everything (a
/// follower may still be applying when the leader's calls returned).
void compact_all(bench_cluster& c, size_t leader) {
  auto last = c.nodes[leader]->last_applied();
  for (size_t i = 0; i < 3; ++i) {
    while (c.nodes[i]->last_applied() < last)
      std::this_thread::sleep_for(10ms);
    c.nodes[i]->force_compaction();
  }
  for (size_t i = 0; i < 3; ++i)
    while (c.nodes[i]->status().snapshot_index < last)
      std::this_thread::sleep_for(10ms);
}

/// The blocking-call latency on the leader for 2 s before the add.
void probe_before_add(blob_store& obj) {
  std::atomic<bool> stop{false};
  latencies before;
  std::thread t{[&] { probe(obj, stop, before); }};
  std::this_thread::sleep_for(2s);
  stop = true;
  t.join();
  print("before_add", before);
}

/// Starts d and adds it while a client keeps making blocking calls on the
/// leader; prints the latencies and the add; true when the add succeeded.
bool add_fourth(bench_cluster& c, size_t leader) {
  std::atomic<bool> stop{false};
  latencies during;
  std::thread t{[&] { probe(c.objs[leader], stop, during); }};
  auto term_before = c.nodes[leader]->status().term.value;
  c.start(3);
  auto t0 = clock_type::now();
  auto r = c.nodes[leader]->add_node(flexsync::node_id{"d"}, 600s);
  auto add_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  stop = true;
  t.join();
  print("during_add", during);
  std::cout << "RESULT membership_bench phase=add ok=" << r.ok()
            << " seconds=" << add_s
            << " new_node_mb=" << c.objs[3].held() / 1e6
            << " voters=" << c.nodes[leader]->status().voters.size()
            << " term_before=" << term_before
            << " term_after=" << c.nodes[leader]->status().term.value << '\n';
  if (!r.ok())
    std::cerr << "add failed: " << to_string(r.reason) << ": " << r.detail
              << '\n';
  return r.ok();
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: membership-bench [--mb MB] [--value-bytes B]\n";
    return 2;
  }
  flexsync::system_config cfg{2};
  caf::actor_system sys{cfg};
  bench_cluster c{sys, flexsync::spawn_local_network(sys)};
  auto leader = start_cluster(c);
  auto fill_s = fill(c.objs[leader], o);
  std::cout << "RESULT membership_bench phase=fill mb=" << o.mb
            << " seconds=" << fill_s << " mb_per_second=" << o.mb / fill_s
            << '\n';
  compact_all(c, leader);
  probe_before_add(c.objs[leader]);
  auto ok = add_fourth(c, leader);
  for (auto& n : c.nodes)
    n->stop();
  caf::anon_send_exit(c.net, caf::exit_reason::user_shutdown);
  return ok ? 0 : 1;
}
