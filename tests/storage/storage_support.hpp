#pragma once

// Helpers shared by the storage tests: entries with content derived from their
// index, a clock the test moves by hand, captured log lines, byte surgery on
// files of a disk, a temporary directory and running code in a child process.

#include <catch2/catch.hpp>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol/log_entry.hpp"
#include "snapshot/disk/disk.hpp"
#include "snapshot/log/journal.hpp"

namespace Catch {

template <>
struct StringMaker<flexsync::log_entry> {
  static std::string convert(const flexsync::log_entry& e) {
    std::ostringstream out;
    out << "{index " << e.index << ", term " << e.term << ", kind "
        << static_cast<int>(e.kind) << ", client " << e.client_id
        << ", request " << e.request_id << ", time " << e.time << ", "
        << e.data.size() << " bytes";
    if (e.data.size() <= 16)
      out << " \"" << e.data << "\"";
    out << "}";
    return out.str();
  }
};

} // namespace Catch

namespace flexsync::storage_testing {

inline log_entry make_entry(uint64_t index, uint64_t term, std::string data,
                            int64_t time = 0) {
  log_entry e;
  e.index = index_t{index};
  e.term = term_t{term};
  e.kind = entry_kind::command;
  e.client_id = 7;
  e.request_id = index;
  e.time = time;
  e.data = std::move(data);
  return e;
}

/// Payload determined by the index alone (length 0..max_len-1, binary), so a
/// reader can check any entry without knowing what the writer chose.
inline std::string payload_for(uint64_t index, size_t max_len = 300) {
  std::mt19937_64 gen{index * 0x9e3779b97f4a7c15ull + 1};
  size_t len = static_cast<size_t>(gen() % max_len);
  std::string s(len, '\0');
  for (auto& c : s)
    c = static_cast<char>(gen() & 0xff);
  return s;
}

/// `size` pseudo-random bytes determined by `seed`.
inline std::string random_bytes(uint64_t seed, size_t size) {
  std::mt19937_64 gen{seed};
  std::string s(size, '\0');
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    auto x = gen();
    std::memcpy(s.data() + i, &x, 8);
  }
  for (; i < size; ++i)
    s[i] = static_cast<char>(gen());
  return s;
}

/// The entry a writer appends at `index` in the generated logs.
inline log_entry generated_entry(uint64_t index, uint64_t term = 1,
                                 size_t max_len = 300) {
  auto e = make_entry(index, term, payload_for(index, max_len),
                      static_cast<int64_t>(index) * 1000);
  e.kind = index % 5 == 0 ? entry_kind::noop : entry_kind::command;
  e.client_id = index % 3;
  return e;
}

inline entry_list generated_entries(uint64_t from, uint64_t to,
                                    uint64_t term = 1, size_t max_len = 300) {
  entry_list out;
  for (auto i = from; i <= to; ++i)
    out.push_back(generated_entry(i, term, max_len));
  return out;
}

/// Every entry a storage holds, in order.
inline entry_list all_entries(const storage& s) {
  entry_list out;
  if (s.last_index() > s.snapshot_index())
    s.entries(s.snapshot_index() + 1, s.last_index(), SIZE_MAX, out);
  return out;
}

/// A clock that moves only when the test says so.
struct manual_clock {
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(0);

  std::function<int64_t()> fn() const {
    auto p = now;
    return [p] { return *p; };
  }
  void advance(int64_t ns) { *now += ns; }
  void set(int64_t ns) { *now = ns; }
};

/// Collects log lines.
struct log_lines {
  std::shared_ptr<std::vector<std::string>> lines
    = std::make_shared<std::vector<std::string>>();

  std::function<void(const std::string&)> fn() const {
    auto p = lines;
    return [p](const std::string& line) { p->push_back(line); };
  }
  bool any_contains(const std::string& what) const {
    for (auto& l : *lines)
      if (l.find(what) != std::string::npos)
        return true;
    return false;
  }
  std::string all() const {
    std::string out;
    for (auto& l : *lines)
      out += l + "\n";
    return out;
  }
  void clear() { lines->clear(); }
};

/// Opens a journal and recovers it after the given snapshot.
inline std::unique_ptr<journal> open_journal(std::shared_ptr<disk> d,
                                             journal_options opts,
                                             index_t snap_index = index_t{0},
                                             term_t snap_term = term_t{0},
                                             int64_t snap_time = 0) {
  auto j = std::make_unique<journal>(std::move(d), std::move(opts));
  j->recover(snap_index, snap_term, snap_time);
  return j;
}

inline std::string segment_file(uint64_t first) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "journal-%020" PRIu64 ".seg", first);
  return buf;
}

/// Names of the segment files of a disk, in order.
inline std::vector<std::string> segment_files(const disk& d) {
  std::vector<std::string> out;
  for (auto& n : d.list())
    if (n.rfind("journal-", 0) == 0 && n.size() == 32
        && n.compare(28, 4, ".seg") == 0)
      out.push_back(n);
  return out;
}

/// First index of a segment file, from its name.
inline uint64_t segment_first(const std::string& name) {
  return std::stoull(name.substr(8, 20));
}

/// Journal format facts the tests rely on (journal.cpp): a 32-byte segment
/// header, then records of [u32 length][u32 CRC32C][41 fixed bytes][data].
constexpr uint64_t segment_header_bytes = 32;
inline uint64_t record_bytes(const log_entry& e) {
  return 8 + 41 + e.data.size();
}

/// Replaces the whole content of `name` (durably), as a disk error or a
/// stray write would leave it.
inline void overwrite_file(disk& d, const std::string& name,
                           const std::string& bytes) {
  auto f = d.open(name, false);
  f->truncate(0);
  f->append(bytes.data(), bytes.size());
  f->sync();
}

/// XORs one byte of `name` at `offset`.
inline void flip_byte(disk& d, const std::string& name, uint64_t offset,
                      uint8_t mask = 0x40) {
  auto bytes = d.read_all(name);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ mask);
  overwrite_file(d, name, bytes);
}

/// A fresh directory under /tmp, removed (with its content) at the end.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/flexsync-storage-XXXXXX";
    auto* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~temp_dir() {
    std::error_code ec;
    // Restore permissions a test may have taken away, then remove.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 ec);
    for (auto& e : std::filesystem::recursive_directory_iterator(path_, ec))
      if (e.is_directory())
        std::filesystem::permissions(e.path(),
                                     std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// Result of running code in a child process.
struct child_result {
  bool exited = false;
  int exit_code = -1;
  int signal = 0;
};

/// Runs `fn` in a forked child and reports how it ended; `fn` returns the
/// exit code. Used for code that may crash the process (undefined behaviour
/// on a refused call) and for process-wide settings (user id, file size
/// limit) that must not leak into the test process.
inline child_result run_in_child(const std::function<int()>& fn) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 99;
    try {
      code = fn();
    } catch (...) {
      code = 98;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child_result r;
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

} // namespace flexsync::storage_testing
