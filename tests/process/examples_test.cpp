// The example programs of scenarios/examples/ as 3-process clusters on
// loopback: kv-service (a SET through one node is read on every node, across
// a killed node), lock-service (one holder at a time, and a killed holder's
// lock frees itself) and leader-job (one runner; after SIGKILL of the runner
// another takes over). Outcomes come from what the programs print, each line
// stamped with the Unix time: all processes share this machine's clock.
// Assertions are REQUIREs: after a failure the cluster's folder, with every
// node's stdout and stderr, is kept and its path printed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <chrono>
#include <optional>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/process/example_process.hpp"
#include "tests/process/node_process.hpp"

#if !defined(KV_SERVICE_BIN) || !defined(LOCK_SERVICE_BIN)                    \
  || !defined(LEADER_JOB_BIN)
#  error "the example programs' paths must be defined"
#endif

using namespace flexsync::process_testing;

namespace {

using std::chrono::milliseconds;

// -- kv-service ----------------------------------------------------------------

/// Sends one request line to a kv-service client port; its answer line, or
/// empty when the connection failed or no answer came within `bound`.
std::string kv_request(uint16_t port, const std::string& line,
                       milliseconds bound = 8s) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  std::string answer;
  auto text = line + "\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::send(fd, text.data(), text.size(), MSG_NOSIGNAL)
           == static_cast<ssize_t>(text.size())) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    char c = 0;
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(
        deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0
          || ::read(fd, &c, 1) != 1) {
        answer.clear();
        break;
      }
      if (c == '\n')
        break;
      answer += c;
    }
  }
  ::close(fd);
  return answer;
}

/// Retries `line` on node i until it answers `expected`.
bool kv_until(example_cluster& c, size_t i, const std::string& line,
              const std::string& expected) {
  return wait_until([&] {
    return kv_request(c.spare_port(i), line) == expected;
  });
}

// -- lock-service and leader-job -----------------------------------------------

/// One line of lock-service or leader-job: "<unix time> <node> <what...>
/// token=<n>".
struct event {
  int64_t us = 0;
  std::string node;
  std::string what;
  uint64_t token = 0;
};

std::optional<event> parse_event(const std::string& line) {
  std::istringstream in{line};
  std::string stamp, word;
  event e;
  if (!(in >> stamp >> e.node))
    return std::nullopt;
  auto dot = stamp.find('.');
  if (dot == std::string::npos)
    return std::nullopt;
  e.us = std::stoll(stamp.substr(0, dot)) * 1000000
         + std::stoll(stamp.substr(dot + 1));
  while (in >> word) {
    if (word.rfind("token=", 0) == 0)
      e.token = std::stoull(word.substr(6));
    else
      e.what += (e.what.empty() ? "" : " ") + word;
  }
  return e;
}

/// Every event of every node, in time order.
std::vector<event> events(example_cluster& c) {
  std::vector<event> result;
  for (size_t i = 0; i < c.size(); ++i)
    for (auto& line : c.at(i).lines())
      if (auto e = parse_event(line))
        result.push_back(*e);
  std::stable_sort(result.begin(), result.end(),
                   [](auto& x, auto& y) { return x.us < y.us; });
  return result;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// One lock-service tenure: from "acquired" to "releasing" or "lost", or to
/// the SIGKILL of its node; open (end 0) while it lasts.
struct tenure {
  std::string node;
  uint64_t token = 0;
  int64_t begin = 0;
  int64_t end = 0;
};

/// The tenures printed so far; `killed` maps a killed node to its kill time.
std::vector<tenure> tenures(example_cluster& c,
                            const std::map<std::string, int64_t>& killed) {
  std::vector<tenure> result;
  for (auto& e : events(c)) {
    if (e.what.rfind("acquired", 0) == 0) {
      result.push_back({e.node, e.token, e.us, 0});
      continue;
    }
    for (auto& t : result)
      if (t.node == e.node && t.token == e.token && t.end == 0)
        t.end = e.us;
  }
  for (auto& t : result)
    if (auto k = killed.find(t.node); k != killed.end() && t.end == 0)
      t.end = k->second;
  std::sort(result.begin(), result.end(),
            [](auto& x, auto& y) { return x.begin < y.begin; });
  return result;
}

/// No two tenures overlap, and each new one has a greater fencing token.
void check_one_holder(const std::vector<tenure>& ts) {
  for (size_t k = 1; k < ts.size(); ++k) {
    INFO(ts[k - 1].node << " token " << ts[k - 1].token << " [" << ts[k - 1].begin
         << ", " << ts[k - 1].end << "] then " << ts[k].node << " token "
         << ts[k].token << " from " << ts[k].begin);
    REQUIRE(ts[k - 1].end != 0);
    REQUIRE(ts[k - 1].end <= ts[k].begin);
    REQUIRE(ts[k - 1].token < ts[k].token);
  }
}

/// The leader-job runs so far, in time order.
std::vector<event> runs(example_cluster& c) {
  auto es = events(c);
  std::erase_if(es, [](auto& e) { return e.what.rfind("run ", 0) != 0; });
  return es;
}

/// Runs never interleave: in time order the tokens never decrease, and each
/// token belongs to one node.
void check_one_runner(const std::vector<event>& rs) {
  std::map<uint64_t, std::string> runner_of;
  for (size_t k = 0; k < rs.size(); ++k) {
    INFO(rs[k].node << " " << rs[k].what << " token " << rs[k].token);
    REQUIRE(runner_of.emplace(rs[k].token, rs[k].node).first->second == rs[k].node);
    if (k > 0)
      REQUIRE(rs[k - 1].token <= rs[k].token);
  }
}

size_t index_of(example_cluster& c, const std::string& node) {
  for (size_t i = 0; i < c.size(); ++i)
    if (c.id(i) == node)
      return i;
  FAIL("no node " << node);
  return 0;
}

} // namespace

TEST_CASE("kv-service: a SET through one node is read on every node, also "
          "after the node that took it is killed and restarted") {
  example_cluster c{KV_SERVICE_BIN, 3, [](size_t, uint16_t port) {
    return std::vector<std::string>{"--client-port=" + std::to_string(port)};
  }};
  // Until the cluster has formed, writes answer ERR (no leader, timeout).
  REQUIRE(kv_until(c, 0, "SET color deep blue", "OK"));
  for (size_t i = 0; i < c.size(); ++i)
    REQUIRE(kv_until(c, i, "GET color", "VALUE deep blue"));
  REQUIRE(kv_request(c.spare_port(1), "GET shape") == "NIL");
  REQUIRE(kv_request(c.spare_port(1), "PUT x").rfind("ERR unknown command", 0) == 0);
  c.at(0).kill();
  REQUIRE(kv_until(c, 1, "SET shape round", "OK"));
  // A linearizable read on another node sees that write at once: asked
  // once, no retry (a local GET there may still miss it).
  CHECK(kv_request(c.spare_port(2), "LGET shape") == "VALUE round");
  REQUIRE(kv_until(c, 2, "DEL color", "OK"));
  CHECK(kv_request(c.spare_port(1), "LGET color") == "NIL");
  for (size_t i : {1, 2}) {
    REQUIRE(kv_until(c, i, "GET shape", "VALUE round"));
    REQUIRE(kv_until(c, i, "GET color", "NIL"));
  }
  // Restarted without its state (memory mode), node 0 catches up.
  c.at(0).start();
  REQUIRE(kv_until(c, 0, "GET shape", "VALUE round"));
  REQUIRE(kv_until(c, 0, "GET color", "NIL"));
  REQUIRE(kv_until(c, 0, "SET size 3", "OK"));
  REQUIRE(kv_until(c, 2, "GET size", "VALUE 3"));
}

TEST_CASE("lock-service: one holder at a time, each holding past the "
          "auto-unlock time, and a killed holder's lock frees itself") {
  example_cluster c{LOCK_SERVICE_BIN, 3, [](size_t, uint16_t) {
    return std::vector<std::string>{"--auto-unlock=2s", "--hold=3s",
                                    "--pause=500ms"};
  }};
  std::map<std::string, int64_t> killed;
  // Three finished tenures, by at least two nodes; each held 3 s, past
  // T = 2 s, thanks to the keep-alive.
  auto enough = [&] {
    auto ts = tenures(c, killed);
    std::set<std::string> holders;
    size_t closed = 0;
    for (auto& t : ts) {
      holders.insert(t.node);
      closed += t.end != 0 ? 1 : 0;
    }
    return closed >= 3 && holders.size() >= 2;
  };
  REQUIRE(wait_until(enough, 60s));
  check_one_holder(tenures(c, killed));
  // Kill whoever holds the lock now: it never releases, so the next holder
  // gets the lock only by auto-unlock.
  std::optional<tenure> open;
  REQUIRE(wait_until([&] {
    auto ts = tenures(c, killed);
    if (ts.empty() || ts.back().end != 0)
      return false;
    open = ts.back();
    return true;
  }));
  c.at(index_of(c, open->node)).kill();
  killed[open->node] = now_us();
  REQUIRE(wait_until([&] {
    auto ts = tenures(c, killed);
    return ts.back().token > open->token;
  }, 30s));
  auto ts = tenures(c, killed);
  check_one_holder(ts);
  for (auto& t : ts)
    if (t.node == open->node && t.token == open->token)
      REQUIRE(t.end == killed[open->node]); // no release was printed
}

TEST_CASE("leader-job: exactly one node runs the job, and after SIGKILL of "
          "the runner another one takes over") {
  example_cluster c{LEADER_JOB_BIN, 3, [](size_t, uint16_t) {
    return std::vector<std::string>{"--period=500ms", "--auto-unlock=2s"};
  }};
  REQUIRE(wait_until([&] { return runs(c).size() >= 3; }, 40s));
  auto before = runs(c);
  check_one_runner(before);
  auto first = before.back();
  for (auto& r : before)
    REQUIRE(r.node == first.node);
  c.at(index_of(c, first.node)).kill();
  auto killed_at = now_us();
  auto taken_over = [&] {
    auto rs = runs(c);
    return std::count_if(rs.begin(), rs.end(), [&](auto& r) {
             return r.token > first.token;
           }) >= 3;
  };
  REQUIRE(wait_until(taken_over, 30s));
  auto after = runs(c);
  check_one_runner(after);
  for (auto& r : after) {
    if (r.token > first.token) {
      REQUIRE(r.node != first.node);
      REQUIRE(r.us > killed_at);
    }
  }
}
