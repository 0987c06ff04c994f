// Nodes in disk mode on real directories, on real CAF threads: restart from
// snapshot + journal, fork()ed snapshot writers (and one that dies),
// snapshot install to a member that starts empty, and a data directory that
// cannot be used. The simulator covers the same code on a simulated disk with
// crashes; these tests cover the POSIX disk and fork().

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "actors/transport/local_network.hpp"
#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "snapshot/disk/disk.hpp"
#include "state_machines/repl_counter.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/actors/temp_dir.hpp"

using namespace flexsync;
using namespace flexsync::testing;
namespace fs = std::filesystem;

namespace {


/// Files in `dir` named prefix...suffix.
size_t count_files(const std::string& dir, const std::string& prefix,
                   const std::string& suffix = "") {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(suffix))
      ++n;
  }
  return n;
}

/// Collects a node's log lines (thread-safe) for tests that wait on them.
struct log_capture {
  std::mutex mtx;
  std::vector<std::string> lines;
  logger::sink_fn sink() {
    return [this](log_level, std::string_view line) {
      std::lock_guard<std::mutex> guard{mtx};
      lines.emplace_back(line);
    };
  }
  bool contains(const std::string& text) {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& l : lines)
      if (l.find(text) != std::string::npos)
        return true;
    return false;
  }
};

node_config single(const std::string& dir) {
  node_config cfg{"a", {}};
  use_fast_timeouts(cfg);
  cfg.seed = 7;
  cfg.persistence.data_dir = dir;
  cfg.persistence.segment_bytes = 4096;
  cfg.persistence.snapshot_check_interval = 20ms;
  return cfg;
}

/// The process that constructed the counters; a fork()ed child differs.
const pid_t parent_pid = getpid();

/// When set, a snapshot writer child kills itself while serializing.
std::atomic<bool> kill_writer{false};

/// A counter whose snapshot writer dies when kill_writer is set (in the
/// child, which inherited the flag's value at fork()).
class fragile_counter : public repl_counter {
public:
  caf::error save(caf::serializer& sink) override {
    if (getpid() != parent_pid && kill_writer.load())
      raise(SIGKILL);
    return repl_counter::save(sink);
  }
};

/// A counter whose snapshot writer, in the child, reports its pid in the
/// file `marker` and then hangs (a writer stuck on a dead disk, or
/// deadlocked). The child has closed every inherited descriptor, so it
/// reports through the file system.
class hanging_counter : public repl_counter {
public:
  explicit hanging_counter(std::string marker) : marker_(std::move(marker)) {}
  caf::error save(caf::serializer& sink) override {
    if (getpid() != parent_pid) {
      auto tmp = marker_ + ".tmp";
      std::ofstream{tmp} << getpid();
      std::rename(tmp.c_str(), marker_.c_str());
      for (;;)
        ::pause();
    }
    return repl_counter::save(sink);
  }
  /// The writer's pid once it reported (0 until then).
  pid_t writer() const {
    pid_t pid = 0;
    std::ifstream{marker_} >> pid;
    return pid;
  }

private:
  std::string marker_;
};

template <class Counter>
void add_all(Counter& c, int from, int to) {
  for (int i = from; i <= to; ++i)
    c.add(i).get();
}

} // namespace

TEST_CASE("a disk-mode node keeps state, term and log across a restart",
          "[disk]") {
  temp_dir dir;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto net = spawn_local_network(sys);
  term_t term;
  {
    repl_counter c;
    node n{sys, single(dir.path.string()), net, {&c}};
    REQUIRE(n.wait_ready(patience));
    add_all(c, 1, 100);
    CHECK(c.get() == 5050);
    term = n.status().term;
    CHECK(n.status().last_log_index >= index_t{100});
  }
  repl_counter c;
  node n{sys, single(dir.path.string()), net, {&c}};
  // Committed entries are replayed before the node is ready.
  REQUIRE(n.wait_ready(patience));
  CHECK(c.get() == 5050);
  auto st = n.status();
  CHECK(st.term > term); // it won a new election, never reusing a term
  CHECK(st.last_log_index >= index_t{101});
  CHECK(c.add(1).get() == 5051);
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
}

TEST_CASE("force_compaction writes a snapshot from a fork()ed child, drops "
          "old segments, and a restart starts from it",
          "[disk]") {
  temp_dir dir;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto net = spawn_local_network(sys);
  index_t snap;
  {
    repl_counter c;
    node n{sys, single(dir.path.string()), net, {&c}};
    REQUIRE(n.wait_ready(patience));
    add_all(c, 1, 300);
    auto segments = count_files(dir.path.string(), "journal-");
    REQUIRE(segments > 2);
    n.force_compaction();
    REQUIRE(wait_until(
      [&] { return n.status().snapshot_index >= index_t{300}; }));
    snap = n.status().snapshot_index;
    CHECK(count_files(dir.path.string(), "journal-") < segments);
    CHECK(count_files(dir.path.string(), "snapshot-", ".snap") >= 1);
    CHECK(n.status().log_entries < 10);
    CHECK(c.add(1).get() == 45151);
  }
  repl_counter c;
  node n{sys, single(dir.path.string()), net, {&c}};
  REQUIRE(n.wait_ready(patience));
  CHECK(c.get() == 45151);
  CHECK(n.status().snapshot_index >= snap);
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
}

TEST_CASE("a snapshot writer that dies leaves the node serving, the next "
          "snapshot succeeds",
          "[disk]") {
  temp_dir dir;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto net = spawn_local_network(sys);
  {
    fragile_counter c;
    log_capture logs;
    node_options opts;
    opts.log_sink = logs.sink();
    node n{sys, single(dir.path.string()), net, {&c}, opts};
    REQUIRE(n.wait_ready(patience));
    add_all(c, 1, 50);
    kill_writer = true;
    n.force_compaction();
    // The node keeps committing while its writer dies.
    add_all(c, 51, 100);
    REQUIRE(wait_until([&] { return logs.contains("writer for index"); }));
    CHECK(count_files(dir.path.string(), "snapshot-", ".snap") == 0);
    CHECK(n.status().snapshot_index == index_t{0});
    // The next snapshot succeeds (and removes the dead writer's file).
    kill_writer = false;
    REQUIRE(wait_until([&] {
      n.force_compaction();
      return n.status().snapshot_index >= index_t{100};
    }));
    CHECK(c.add(0).get() == 5050);
    CHECK(count_files(dir.path.string(), "snapshot-", ".tmp") == 0);
  }
  // Restart from the snapshot the second writer made.
  fragile_counter c;
  node n{sys, single(dir.path.string()), net, {&c}};
  REQUIRE(n.wait_ready(patience));
  CHECK(c.get() == 5050);
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
}

TEST_CASE("a node that stops kills its unfinished snapshot writer", "[disk]") {
  // A writer that outlived its node would keep writing into a directory a
  // new process may already use, and hold the parent's stdout open (ctest
  // then waits for it past the test's end).
  temp_dir dir;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto net = spawn_local_network(sys);
  pid_t writer = 0;
  {
    hanging_counter c{dir.sub("writer.pid")};
    node n{sys, single(dir.path.string()), net, {&c}};
    REQUIRE(n.wait_ready(patience));
    add_all(c, 1, 10);
    n.force_compaction();
    // The fork happened and the child hangs.
    REQUIRE(wait_until([&] { return (writer = c.writer()) > 0; }));
    CHECK(::kill(writer, 0) == 0);
    n.stop();
    // Killed and reaped by the node: no such process any more.
    bool gone = ::kill(writer, 0) != 0 && errno == ESRCH;
    CHECK(gone);
    if (!gone) { // do not leave it behind on failure
      ::kill(writer, SIGKILL);
      ::waitpid(writer, nullptr, 0);
    }
    CHECK(count_files(dir.path.string(), "snapshot-", ".snap") == 0);
  }
  // The next process starts without the half-written snapshot.
  repl_counter c;
  node n{sys, single(dir.path.string()), net, {&c}};
  REQUIRE(n.wait_ready(patience));
  CHECK(c.get() == 55);
  CHECK(count_files(dir.path.string(), "snapshot-", ".tmp") == 0);
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
}

TEST_CASE("a member that starts empty catches up by snapshot install",
          "[disk]") {
  temp_dir dir;
  auto tweak = [&](node_config& cfg) {
    cfg.persistence.data_dir = dir.sub(cfg.self.name);
    cfg.persistence.segment_bytes = 4096;
    cfg.persistence.snapshot_threshold_entries = 50;
    cfg.persistence.snapshot_check_interval = 20ms;
    cfg.persistence.snapshot_chunk_bytes = 512; // several chunks
  };
  // A new cluster forms with every voter; then c leaves and loses its data
  // directory, so that it comes back empty.
  local_cluster<repl_counter> cl{{"a", "b", "c"}, with(tweak)};
  REQUIRE(cl.wait_all_ready());
  cl.stop(2);
  std::filesystem::remove_all(dir.sub("c"));
  REQUIRE(cl.await_leader());
  add_all(cl.object(0), 1, 200);
  // Both running members compacted past the start of the log.
  REQUIRE(wait_until([&] {
    return cl.at(0).status().snapshot_index > index_t{1}
           && cl.at(1).status().snapshot_index > index_t{1};
  }));
  // The leader's replication cache still holds the entries: restart it from
  // its disk (it keeps its state), so whichever of the two leads next has
  // only its snapshot to send to the newcomer, which neither votes nor
  // counts until it has caught up.
  auto leader = cl.await_leader();
  REQUIRE(leader);
  cl.restart(*leader);
  REQUIRE(cl.await_leader());
  cl.restart(2);
  REQUIRE(wait_until([&] { return cl.object(2).get() == 20100; }));
  // It caught up by an install, not from entries. The objects are loaded
  // before the log store records the snapshot, so the counter can read
  // 20100 a moment before the install is counted: wait for the count.
  CHECK(wait_until([&] {
    auto m = cl.at(2).metrics();
    return m.snapshotter && m.snapshotter->installed.value >= 1;
  }));
  CHECK(cl.at(2).status().snapshot_index > index_t{0});
  // And it keeps following (the two running members are a quorum).
  cl.object(2).add(1).get();
  REQUIRE(wait_until([&] { return cl.object(2).get() == 20101; }));
}

TEST_CASE("a data directory that cannot be used refuses to start with a "
          "clear error",
          "[disk]") {
  temp_dir dir;
  auto file = dir.sub("not-a-directory");
  std::ofstream{file} << "x";
  system_config cfg;
  caf::actor_system sys{cfg};
  auto net = spawn_local_network(sys);
  repl_counter c;
  auto cfg_a = single(file);
  try {
    node n{sys, cfg_a, net, {&c}};
    FAIL("the node started on a regular file");
  } catch (const storage_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("not-a-directory"));
  }
  caf::anon_send_exit(net, caf::exit_reason::user_shutdown);
}
