// Battery benchmark: repl_dict<string, string> on an in-process cluster
// (in-process transport, in-memory storage), driven through the public API.
//
//   battery-bench [--nodes N] [--seconds S] [--window W] [--keys K]
//                 [--batch B] [--inflight F] [--order sequential|random]
//
// Prints RESULT lines:
// - dict set throughput: set(k, v) calls/s with W callbacks in flight,
//   submitted on the leader;
// - dict get throughput: local get(k) reads/s on one thread;
// - memory (first, on a fresh cluster): VmRSS of the process at idle and
//   after K small keys
//   (k0000000 -> v0000000, as PySyncObj's benchmark) written with update()
//   batches of B keys, F batches in flight, in key order or (--order
//   random) in a shuffled order. Every node of the process holds
//   all K keys; rss_mb_per_node divides the process RSS by N (with N = 1 it
//   is one node's whole process, comparable to PySyncObj's per-process RSS).
// Not run by ctest.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "state_machines/repl_dict.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using dict = flexsync::repl_dict<std::string, std::string>;

struct options {
  size_t nodes = 3;
  double seconds = 5;
  size_t window = 5000;
  size_t keys = 1000000;
  size_t batch = 128;
  size_t inflight = 100;
  bool random_order = false;
};

double rss_mb() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

std::string numbered(char prefix, size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%c%07zu", prefix, i);
  return buf;
}

/// Keeps at most `limit` calls in flight; counts outcomes.
class window {
public:
  explicit window(size_t limit) : limit_(limit) {}

  void acquire() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [&] { return in_flight_ < limit_; });
    ++in_flight_;
  }

  void release(bool ok) {
    (ok ? ok_ : failed_)++;
    std::lock_guard<std::mutex> guard{mtx_};
    --in_flight_;
    cv_.notify_all();
  }

  void drain() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, 60s, [&] { return in_flight_ == 0; });
  }

  uint64_t ok() const { return ok_; }
  uint64_t failed() const { return failed_; }

private:
  size_t limit_;
  std::mutex mtx_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;
  std::atomic<uint64_t> ok_{0}, failed_{0};
};

void set_throughput(dict& d, const options& opt) {
  window w{opt.window};
  auto start = clock_type::now();
  auto stop = start + std::chrono::duration<double>(opt.seconds);
  size_t i = 0;
  while (clock_type::now() < stop) {
    w.acquire();
    d.set(numbered('s', i % 100000), numbered('v', i))
      .then([&w](const caf::error& err) { w.release(!err); });
    ++i;
  }
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start);
  w.drain();
  std::cout << "RESULT bench=battery op=dict_set nodes=" << opt.nodes
            << " window=" << opt.window << " ops_per_s="
            << static_cast<uint64_t>(w.ok() / elapsed.count())
            << " failed=" << w.failed() << std::endl;
}

void get_throughput(dict& d, const options& opt) {
  uint64_t n = 0;
  uint64_t hits = 0;
  auto start = clock_type::now();
  auto stop = start + std::chrono::duration<double>(opt.seconds / 2);
  while (clock_type::now() < stop)
    for (size_t k = 0; k < 1000; ++k, ++n)
      hits += d.get(numbered('s', n % 100000)).has_value() ? 1 : 0;
  auto elapsed = std::chrono::duration<double>(clock_type::now() - start);
  std::cout << "RESULT bench=battery op=dict_get nodes=" << opt.nodes
            << " ops_per_s=" << static_cast<uint64_t>(n / elapsed.count())
            << " hits=" << hits << std::endl;
}

void memory(std::vector<std::unique_ptr<dict>>& dicts, dict& leader,
            const options& opt) {
  std::vector<size_t> order(opt.keys);
  std::iota(order.begin(), order.end(), size_t{0});
  if (opt.random_order)
    std::shuffle(order.begin(), order.end(), std::mt19937_64{42});
  auto idle = rss_mb();
  window w{opt.inflight};
  auto start = clock_type::now();
  for (size_t i = 0; i < opt.keys; i += opt.batch) {
    std::map<std::string, std::string> xs;
    for (size_t k = i; k < std::min(opt.keys, i + opt.batch); ++k)
      xs.emplace(numbered('k', order[k]), numbered('v', order[k]));
    w.acquire();
    leader.update(xs).then([&w](const caf::error& err) { w.release(!err); });
  }
  w.drain();
  // Every replica applies the last batch.
  for (auto& d : dicts)
    while (d->size() < opt.keys)
      std::this_thread::sleep_for(10ms);
  auto fill = std::chrono::duration<double>(clock_type::now() - start);
  auto full = rss_mb();
  std::cout << "RESULT bench=battery op=dict_memory nodes=" << opt.nodes
            << " keys=" << opt.keys << " batch=" << opt.batch
            << " order=" << (opt.random_order ? "random" : "sequential")
            << " fill_s=" << fill.count() << " rss_mb_idle=" << idle
            << " rss_mb_process=" << full
            << " rss_mb_per_node=" << full / opt.nodes
            << " failed=" << w.failed() << std::endl;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    auto v = std::string{argv[i + 1]};
    if (k == "--nodes")
      opt.nodes = std::stoul(v);
    else if (k == "--seconds")
      opt.seconds = std::stod(v);
    else if (k == "--window")
      opt.window = std::stoul(v);
    else if (k == "--keys")
      opt.keys = std::stoul(v);
    else if (k == "--batch")
      opt.batch = std::stoul(v);
    else if (k == "--inflight")
      opt.inflight = std::stoul(v);
    else if (k == "--order")
      opt.random_order = v == "random";
  }
  flexsync::system_config cfg{2};
  caf::actor_system sys{cfg};
  auto net = flexsync::spawn_local_network(sys);
  std::vector<std::string> names;
  for (size_t i = 0; i < opt.nodes; ++i)
    names.push_back("n" + std::to_string(i));
  std::vector<std::unique_ptr<dict>> dicts;
  std::vector<std::unique_ptr<flexsync::node>> nodes;
  for (size_t i = 0; i < opt.nodes; ++i) {
    std::vector<std::string> partners;
    for (size_t j = 0; j < opt.nodes; ++j)
      if (j != i)
        partners.push_back(names[j]);
    dicts.push_back(std::make_unique<dict>());
    flexsync::node_config nc{names[i], partners};
    nc.default_call_timeout = 60s;
    nodes.push_back(std::make_unique<flexsync::node>(
      sys, nc, net, std::vector<flexsync::replicated_object*>{dicts.back().get()}));
  }
  for (auto& n : nodes)
    if (!n->wait_ready(10s)) {
      std::cerr << "cluster not ready\n";
      return 1;
    }
  size_t leader = 0;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i]->is_leader())
      leader = i;
  // Memory first, on a fresh cluster (as PySyncObj's benchmark does), then
  // throughput on top of the 1 M keys.
  memory(dicts, *dicts[leader], opt);
  set_throughput(*dicts[leader], opt);
  get_throughput(*dicts[leader], opt);
  for (auto& n : nodes)
    n->stop();
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
  return 0;
}
