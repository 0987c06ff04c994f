// Real-disk crash test (issue 3, item 6): a child process appends to a
// journal on the real file system with fsync policy `always` and reports
// every synced index through a pipe (and, before each step, the step); the
// parent kills it with SIGKILL after a random number of reports, reopens the journal and checks that
// every acknowledged entry is there with its exact content, that the entries
// form a gap-free prefix of what was written, and that a torn record at the
// end (added by the parent, as a power loss would leave it) is cut with
// nothing after it returned.
//
// Also a hidden benchmark (`storage_tests "[.bench]"`): appends plus fsync per
// second for 1 KiB records.

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/storage/storage_support.hpp"

using namespace flexsync;
using namespace flexsync::storage_testing;

namespace {

/// What the writer reports: the step it is about to take, or an
/// acknowledgement of a synced index (and the term saved before it).
enum class report_kind : uint64_t { append, sync, vote, ack };

struct report {
  report_kind kind;
  uint64_t index;
  uint64_t term;
};

/// Entries of the kill test: content from the index alone, up to 2 KiB.
log_entry kill_test_entry(uint64_t index) {
  return generated_entry(index, 1, 2048);
}

/// The writing child: continues the journal in `dir`, appending batches of
/// 1..16 entries, each synced and then acknowledged on `fd` with the last
/// index and the current term. Before each step it reports the step, so the
/// parent can kill it in the middle of an append, an fsync or a vote. Never
/// returns.
[[noreturn]] void writer(const std::string& dir, int fd, uint64_t seed,
                         uint64_t segment_bytes) {
  int code = 0;
  auto say = [&](report_kind kind, uint64_t index, uint64_t term) {
    report r{kind, index, term};
    if (::write(fd, &r, sizeof(r)) != static_cast<ssize_t>(sizeof(r)))
      ::_exit(3);
  };
  try {
    std::mt19937_64 gen{seed};
    journal_options o;
    o.fsync = fsync_policy::always;
    o.segment_bytes = segment_bytes;
    auto j = open_journal(make_posix_disk(dir), o);
    auto next = j->last_index().value + 1;
    auto term = j->current_term().value;
    // Bounded, in case the parent never kills.
    for (int batch = 0; batch < 5000; ++batch) {
      if (gen() % 4 == 0) {
        ++term;
        say(report_kind::vote, next - 1, term);
        j->save_term_and_vote(term_t{term},
                              node_id{"n" + std::to_string(term)});
      }
      auto n = 1 + gen() % 16;
      entry_list entries;
      for (uint64_t k = 0; k < n; ++k)
        entries.push_back(kill_test_entry(next + k));
      say(report_kind::append, next - 1, term);
      j->append(std::move(entries));
      next += n;
      say(report_kind::sync, next - 1, term);
      j->sync();
      say(report_kind::ack, next - 1, term);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer: %s\n", e.what());
    code = 2;
  }
  ::_exit(code);
}

/// Reads one report; false at end of file.
bool read_report(int fd, report& a) {
  size_t got = 0;
  auto* p = reinterpret_cast<char*>(&a);
  while (got < sizeof(a)) {
    auto n = ::read(fd, p + got, sizeof(a) - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

/// Appends a torn record to the last segment: a header announcing more
/// bytes than follow, as a write cut by a power loss leaves it.
void append_torn_record(const std::string& dir, std::mt19937_64& gen) {
  auto d = make_posix_disk(dir);
  auto segs = segment_files(*d);
  REQUIRE(!segs.empty());
  auto f = d->open(segs.back(), false);
  std::string torn;
  uint32_t length = 100 + static_cast<uint32_t>(gen() % 1000);
  uint32_t crc = static_cast<uint32_t>(gen());
  torn.append(reinterpret_cast<const char*>(&length), 4);
  torn.append(reinterpret_cast<const char*>(&crc), 4);
  auto keep = gen() % length; // part of the payload made it
  for (uint64_t i = 0; i < keep; ++i)
    torn.push_back(static_cast<char>(gen()));
  // Sometimes only part of the header made it.
  if (gen() % 3 == 0)
    torn.resize(1 + gen() % 7);
  f->append(torn.data(), torn.size());
  f->sync();
}

} // namespace

namespace {

/// What the parent learned from one writer it killed.
struct killed_writer {
  uint64_t reports = 0;
  uint64_t acks = 0;
  /// The last acknowledgement (0, 0 without one).
  uint64_t acked_index = 0;
  uint64_t acked_term = 0;
  /// The step the writer was in when the kill was sent.
  report_kind killed_in = report_kind::append;
};

/// Starts a writer on `path`, SIGKILLs it after `kill_after` reports and
/// reaps it. Every acknowledgement written before it died is counted.
killed_writer kill_writer_after(const std::string& path, uint64_t kill_after,
                                uint64_t seed, uint64_t segment_bytes) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    writer(path, fds[1], seed, segment_bytes);
  }
  ::close(fds[1]);
  killed_writer k;
  report r{};
  auto take = [&] {
    ++k.reports;
    if (r.kind == report_kind::ack) {
      ++k.acks;
      k.acked_index = r.index;
      k.acked_term = r.term;
    }
  };
  while (k.reports < kill_after && read_report(fds[0], r))
    take();
  k.killed_in = r.kind;
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (read_report(fds[0], r))
    take();
  ::close(fds[0]);
  INFO("child status " << status << ", " << k.reports << " reports, "
                       << k.acks << " acks");
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  REQUIRE(k.reports >= kill_after);
  return k;
}

/// Reopens the journal and checks it holds every acknowledged entry with
/// its exact content, gap-free, and the acknowledged term and vote. Returns
/// its last index; sets `cut` when recovery cut a torn tail.
uint64_t check_recovered(const std::string& path, uint64_t acked_index,
                         uint64_t acked_term, bool& cut) {
  log_lines log;
  journal_options o;
  o.log = log.fn();
  auto j = open_journal(make_posix_disk(path), o);
  auto last = j->last_index().value;
  INFO("acked " << acked_index << ", recovered " << last << "\n" << log.all());
  REQUIRE(last >= acked_index);
  // A kill during a write spanning pages may leave a short write: a torn
  // tail, cut like any other.
  cut = log.any_contains("cutting");
  for (uint64_t i = 1; i <= last; ++i) {
    entry_list got;
    j->entries(index_t{i}, index_t{i}, 1, got);
    REQUIRE(got.size() == 1);
    REQUIRE(got[0] == kill_test_entry(i));
  }
  REQUIRE(j->current_term().value >= acked_term);
  if (j->current_term().value == acked_term && acked_term > 0)
    CHECK(j->voted_for()
          == std::optional<node_id>{node_id{"n" + std::to_string(acked_term)}});
  return last;
}

/// Adds a torn record after entry `last` and checks that recovery cuts it,
/// logs the cut and returns nothing after `last`.
void check_torn_record_cut(const std::string& path, uint64_t last,
                           std::mt19937_64& gen) {
  append_torn_record(path, gen);
  log_lines log;
  journal_options o;
  o.log = log.fn();
  auto j = open_journal(make_posix_disk(path), o);
  CHECK(j->last_index().value == last);
  CHECK(log.any_contains("cutting torn journal tail"));
  entry_list got;
  j->entries(index_t{last}, index_t{last}, 1, got);
  CHECK(got[0] == kill_test_entry(last));
}

} // namespace

TEST_CASE("kill -9 of a process writing the journal never loses an "
          "acknowledged entry",
          "[storage][posix][kill]") {
  temp_dir dir;
  auto path = dir.sub("journal");
  std::mt19937_64 gen{20240601};
  uint64_t acked_index = 0;
  uint64_t acked_term = 0;
  uint64_t total_acks = 0;
  int kill_cut = 0;
  size_t killed_in[4] = {}; // per report_kind
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    auto kill_after = 1 + gen() % 100; // reports, about 3 per batch
    auto segment_bytes = 8192 + gen() % 65536;
    auto k = kill_writer_after(path, kill_after, gen(), segment_bytes);
    ++killed_in[static_cast<size_t>(k.killed_in)];
    total_acks += k.acks;
    if (k.acks > 0) {
      acked_index = k.acked_index;
      acked_term = k.acked_term;
    }
    bool cut = false;
    auto last = check_recovered(path, acked_index, acked_term, cut);
    kill_cut += cut ? 1 : 0;
    // Every other round, a torn record at the end (as a power loss leaves
    // it); the next writer continues from the cut.
    if (round % 2 == 1)
      check_torn_record_cut(path, last, gen);
  }
  INFO(kill_cut << " rounds cut a tail left by the kill itself");
  CHECK(total_acks >= 20);
  // The kills landed in appends and in fsyncs.
  CHECK(killed_in[static_cast<size_t>(report_kind::append)] > 0);
  CHECK(killed_in[static_cast<size_t>(report_kind::sync)] > 0);
  // The journal really spans segments by now.
  CHECK(segment_files(*make_posix_disk(path)).size() > 3);
}

TEST_CASE("appends with fsync per second on this disk, 1 KiB records",
          "[.bench][storage][posix]") {
  temp_dir dir;
  journal_options o;
  o.fsync = fsync_policy::always;
  auto j = open_journal(make_posix_disk(dir.path()), o);
  std::string kib(1024, 'x');
  uint64_t next = 1;
  auto run = [&](size_t batch, size_t batches) {
    auto start = std::chrono::steady_clock::now();
    for (size_t b = 0; b < batches; ++b) {
      entry_list entries;
      for (size_t k = 0; k < batch; ++k)
        entries.push_back(make_entry(next++, 1, kib));
      j->append(std::move(entries));
      j->sync();
    }
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
    std::cout << "batch " << batch << ": " << batches << " fsyncs, "
              << static_cast<uint64_t>(batches / s.count()) << " fsyncs/s, "
              << static_cast<uint64_t>(batch * batches / s.count())
              << " records/s, " << (s.count() / batches * 1e3)
              << " ms per batch\n";
  };
  run(1, 500);
  run(100, 200);
  run(1000, 50);
}
