// Zero-downtime deploy on real processes (issue 11 item 5): five
// flexsync-node processes (disk, fsync) start as binaries that support code
// version 1 (--max-code-version=1) and are restarted one at a time as
// binaries that support 2, while a client keeps writing; then
// flexsync-admin enables version 2. Checked: no acknowledged write lost,
// every replica equal (the versioned tally switched at the same entry
// everywhere), at most one election per restart (the leader hands over
// before it restarts), and the longest time without an acknowledged write.
// set-version is refused while some voter lacks the version, naming it.

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"
#include "tests/process/program_run.hpp"

#ifndef FLEXSYNC_ADMIN_BIN
#  error "FLEXSYNC_ADMIN_BIN must name the flexsync-admin program"
#endif

using namespace flexsync::process_testing;
using clock_type = std::chrono::steady_clock;

namespace {

program_result admin(process_cluster& c, size_t i,
                     std::vector<std::string> args) {
  args.insert(args.begin(),
              {"--conn", "127.0.0.1:" + std::to_string(c.admin_port(i))});
  return run_program(FLEXSYNC_ADMIN_BIN, args);
}

std::string describe(const program_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out
         + "stderr:\n" + r.err;
}

/// A client writing through every node in turn, on a thread of its own:
/// `set kN N` and `tick`, alternately. A node whose lock the test holds (it
/// is being restarted) is skipped. Records every acknowledged key and the
/// time of every acknowledgement. No Catch macro runs on its thread.
class writer {
public:
  explicit writer(process_cluster& c)
    : c_(c), locks_(c.size()), thread_([this] { run(); }) {}
  ~writer() { stop(); }

  std::mutex& lock(size_t i) { return locks_[i]; }

  void stop() {
    done_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  size_t acked() const { return acked_.load(); }

  /// Waits until `n` more writes than now were acknowledged.
  bool wait_more(size_t n) {
    auto target = acked() + n;
    return wait_until([&] { return acked() >= target; });
  }

  /// Keys acknowledged (stop() first).
  const std::vector<uint64_t>& keys() const { return keys_; }
  uint64_t ticks() const { return ticks_; }

  /// The longest time between two acknowledgements (stop() first).
  std::chrono::milliseconds longest_gap() const {
    clock_type::duration gap{0};
    for (size_t i = 1; i < times_.size(); ++i)
      gap = std::max(gap, times_[i] - times_[i - 1]);
    return std::chrono::duration_cast<std::chrono::milliseconds>(gap);
  }

private:
  void run() {
    uint64_t n = 0;
    for (size_t i = 0; !done_; i = (i + 1) % locks_.size()) {
      std::unique_lock<std::mutex> guard{locks_[i], std::try_to_lock};
      if (!guard.owns_lock())
        continue;
      bool tick = n % 2 == 1;
      auto line = tick ? std::string{"tick"}
                       : "set k" + std::to_string(n) + " " + std::to_string(n);
      if (c_.at(i).command(line, 10s).rfind("ok", 0) == 0) {
        if (tick)
          ++ticks_;
        else
          keys_.push_back(n);
        times_.push_back(clock_type::now());
        ++acked_;
      }
      ++n;
    }
  }

  process_cluster& c_;
  std::vector<std::mutex> locks_;
  std::atomic<bool> done_{false};
  std::atomic<size_t> acked_{0};
  std::vector<uint64_t> keys_;
  uint64_t ticks_ = 0;
  std::vector<clock_type::time_point> times_;
  std::thread thread_;
};

/// Node `i`'s status keys through flexsync-admin: while the writer runs,
/// the consoles are its, except the one of a node the test locked.
std::map<std::string, std::string> admin_status(process_cluster& c, size_t i) {
  std::map<std::string, std::string> out;
  for (auto& line : lines_of(admin(c, i, {"status"}).out))
    if (auto sep = line.find(": "); sep != std::string::npos)
      out[line.substr(0, sep)] = line.substr(sep + 2);
  return out;
}

/// The leader node `asked` names, once that node says it leads itself;
/// with its status.
std::pair<size_t, std::map<std::string, std::string>>
leader_seen_from(process_cluster& c, size_t asked) {
  std::pair<size_t, std::map<std::string, std::string>> out;
  auto found = wait_until([&] {
    auto named = admin_status(c, asked)["leader"];
    for (size_t j = 0; j < c.size(); ++j)
      if (c.id(j) == named && c.at(j).running()) {
        out = {j, admin_status(c, j)};
        return out.second["state"] == "2";
      }
    return false;
  });
  REQUIRE(found);
  return out;
}

/// Node `i`'s arguments with --max-code-version=`v`.
std::vector<std::string> with_max_version(const node_process& n, int v) {
  auto args = n.args();
  for (auto& a : args)
    if (a.rfind("--max-code-version=", 0) == 0)
      a = "--max-code-version=" + std::to_string(v);
  return args;
}

/// Restarts node `i` (SIGKILL, under its lock) as a binary supporting
/// version 2, handing leadership over first when it leads; waits until it
/// caught up and links with every peer again (a node that is linked with
/// the leader only is no good target for the next hand-over: it could not
/// win). Returns how many terms the restart took.
int64_t upgrade(process_cluster& c, writer& w, size_t i) {
  auto asked = (i + 1) % c.size();
  auto [leader, st] = leader_seen_from(c, asked);
  auto before = std::stoll(st["raft_term"]);
  if (leader == i) {
    auto t = admin(c, i, {"transfer"});
    INFO(describe(t));
    REQUIRE(t.exit_code == 0);
  }
  auto commit = std::stoll(leader_seen_from(c, asked).second["commit_idx"]);
  {
    std::lock_guard<std::mutex> guard{w.lock(i)};
    c.at(i).kill();
    c.at(i).set_args(with_max_version(c.at(i), 2));
    c.at(i).start();
    CHECK(wait_until([&] {
      auto now = c.at(i).status();
      return now["ready"] == "1" && now["code_version"] == "2"
             && number(now, "applied") >= commit
             && number(now, "links") == static_cast<int64_t>(c.size() - 1);
    }));
  }
  return std::stoll(leader_seen_from(c, asked).second["raft_term"]) - before;
}

/// Two of five upgraded: the others lack version 2, and set-version says so.
void check_refused_while_upgrading(process_cluster& c) {
  auto refused = admin(c, 0, {"set-version", "2"});
  INFO(describe(refused));
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("is not supported by every voter: ")
        != std::string::npos);
  for (size_t j = 0; j < c.size(); ++j)
    CHECK((refused.err.find(c.id(j) + " supports up to 1")
           != std::string::npos)
          == (j > 1));
}

/// PySyncObj's spelling, retried: already enabled is success; a downgrade
/// and a version nobody supports are refused; version 2's new operation
/// works.
void check_after_switch(process_cluster& c) {
  CHECK(admin(c, 4, {"-set_version", "2"}).out == "SUCCESS SET_VERSION 2\n");
  auto down = admin(c, 2, {"set-version", "1"});
  CHECK(down.exit_code == 1);
  CHECK(down.err.find("downgrades are not supported") != std::string::npos);
  auto none = admin(c, 2, {"set-version", "3"});
  CHECK(none.err.find("no voter supports code version 3") != std::string::npos);
  CHECK(c.at(0).command("tick-n 5").rfind("ok ", 0) == 0);
}

/// Every replica equal (applied index, store, tally, switch entry) and
/// every acknowledged write on them (the writer stopped); returns node 0's
/// status.
fields check_replicas(process_cluster& c, const writer& w) {
  fields first;
  CHECK(wait_until([&] {
    first = c.at(0).status();
    for (size_t i = 1; i < c.size(); ++i) {
      auto st = c.at(i).status();
      for (auto key : {"applied", "kv", "kv_digest", "tally_before",
                       "tally_after", "switched_at", "enabled_code_version"})
        if (st[key] != first[key])
          return false;
    }
    return true;
  }));
  CHECK(first["enabled_code_version"] == "2");
  CHECK(number(first, "switched_at") > 0);
  CHECK(number(first, "tally_before") + number(first, "tally_after")
        >= static_cast<int64_t>(w.ticks() + 5));
  size_t lost = 0;
  for (auto k : w.keys())
    if (c.at(0).command("kv k" + std::to_string(k))
        != "ok " + std::to_string(k))
      ++lost;
  CHECK(lost == 0);
  CHECK(static_cast<size_t>(number(first, "kv")) >= w.keys().size());
  return first;
}

} // namespace

TEST_CASE("a rolling upgrade of five processes under load, then set-version "
          "through flexsync-admin",
          "[process][versions]") {
  process_cluster c{{.size = 5,
                     .disk = true,
                     .admin = true,
                     .extra_args = {"--max-code-version=1"}}};
  c.wait_leader(c.all());
  auto r = admin(c, 1, {"set-version", "1"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "SUCCESS SET_VERSION 1\n");
  auto started = clock_type::now();
  writer w{c};
  REQUIRE(w.wait_more(50));
  std::vector<int64_t> elections;
  for (size_t i = 0; i < c.size(); ++i) {
    elections.push_back(upgrade(c, w, i));
    REQUIRE(w.wait_more(30));
    if (i == 1)
      check_refused_while_upgrading(c);
  }
  auto upgraded = clock_type::now();
  r = admin(c, 3, {"set-version", "2"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "SUCCESS SET_VERSION 2\n");
  REQUIRE(w.wait_more(50));
  w.stop();
  check_after_switch(c);
  auto first = check_replicas(c, w);
  // At most one election per restart: the leader's (its hand-over).
  for (auto e : elections)
    CHECK(e <= 1);
  auto gap = w.longest_gap();
  CHECK(gap < 5s);
  auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  std::cout << "rolling upgrade of 5 processes: " << w.acked()
            << " writes acknowledged, restarts took " << ms(upgraded - started)
            << " ms, elections per restart";
  for (auto e : elections)
    std::cout << ' ' << e;
  std::cout << ", longest time without an acknowledged write " << gap.count()
            << " ms, version 2 enabled at index " << first["switched_at"]
            << '\n';
}
