// The nemesis: fault events carried out and lifted (see nemesis.hpp).

#include "scenarios/nemesis/nemesis.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>

namespace flexsync::nemesis {

using namespace std::chrono_literals;

size_t count_lines(const node_child& n, const std::string& text) {
  size_t k = 0;
  for (auto& line : n.whole_log())
    k += line.find(text) != std::string::npos ? 1 : 0;
  return k;
}

uint64_t journal_size(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string newest;
  uint64_t size = 0;
  for (auto& e : fs::directory_iterator{data_dir, ec}) {
    auto name = e.path().filename().string();
    if (name.rfind("journal-", 0) != 0 || name.size() < 12
        || name.substr(name.size() - 4) != ".seg" || name < newest)
      continue;
    auto n = fs::file_size(e.path(), ec);
    if (ec)
      continue;
    newest = name;
    size = n;
  }
  return size;
}

size_t nemesis::start(const fault_event& ev) {
  auto target = ev.node;
  if (ev.at_leader)
    if (auto l = cluster_.leader())
      target = *l;
  ++counts_[to_string(ev.kind)];
  note_.clear();
  auto& c = cluster_;
  switch (ev.kind) {
    case fault_kind::kill_restart:
      c.at(target).kill();
      break;
    case fault_kind::pause:
      c.at(target).pause();
      break;
    case fault_kind::partition:
      c.cut_sides(ev.side);
      break;
    case fault_kind::isolate:
      c.cut_sides({target});
      break;
    case fault_kind::drop_links:
      for (size_t j = 0; j < c.size(); ++j)
        if (j != target)
          c.proxy().drop(target, j);
      break;
    case fault_kind::delay:
      for (size_t j = 0; j < c.size(); ++j)
        if (j != target)
          c.proxy().delay(target, j, static_cast<int>(ev.delay_ms));
      break;
    case fault_kind::cluster_restart:
      c.kill_all();
      break;
    case fault_kind::replay:
      c.proxy().replay(target, (target + 1) % c.size());
      break;
    case fault_kind::disk_full:
      start_disk_full(ev, target);
      break;
  }
  return target;
}

size_t nemesis::start_disk_full(const fault_event& ev, size_t target) {
  auto& n = cluster_.at(target);
  lines_before_ = count_lines(n, failed_write_text);
  auto headroom = static_cast<uint64_t>(ev.headroom_bytes);
  // Live: the running node's limit is lowered (prlimit; same user, no
  // privileges), so its writes start failing in the middle of the run, with
  // clients writing through it. At restart (or when prlimit is refused):
  // it restarts with the limit set before exec, so it recovers on a nearly
  // full disk.
  // (At least 1 byte: 0 means no limit.)
  if (!ev.at_restart) {
    auto limit = std::max<uint64_t>(
      1, journal_size(cluster_.data_dir(target)) + headroom);
    if (n.set_file_size_limit(limit)) {
      note_ = "file size limit " + std::to_string(limit) + " bytes (live)";
      return target;
    }
    note_ = "prlimit refused, so at restart: ";
  }
  n.kill();
  auto limit = std::max<uint64_t>(
    1, journal_size(cluster_.data_dir(target)) + headroom);
  n.start(limit);
  note_ += "file size limit " + std::to_string(limit) + " bytes (at restart)";
  return target;
}

void nemesis::stop_disk_full(size_t target) {
  auto& n = cluster_.at(target);
  auto who = "n" + std::to_string(target);
  // A node whose write failed must stop and exit (status 70) by itself;
  // give it a moment when it logged the failure but still runs.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string ended = n.exited();
  while (ended.empty() && count_lines(n, failed_write_text) > lines_before_
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    ended = n.exited();
  }
  bool still_running = ended.empty();
  // Reaping also collects the last log lines (the stderr relay ends).
  n.kill();
  auto lines = count_lines(n, failed_write_text) - lines_before_;
  if (lines > 0)
    ++disk_full_bites_;
  if (lines > 0 && still_running
      && std::chrono::steady_clock::now() >= deadline)
    disk_full_problems_.push_back(
      who + " logged a failed write but had not exited 5 s later");
  if (!ended.empty() && ended != "exit status 70")
    disk_full_problems_.push_back(who + " ended with " + ended
                                  + " on a full disk, not exit status 70");
  if (!ended.empty() && lines == 0)
    disk_full_problems_.push_back(who + " ended (" + ended
                                  + ") on a full disk without logging a "
                                    "failed write");
  if (lines > max_lines_per_failed_write)
    disk_full_problems_.push_back(who + " logged " + std::to_string(lines)
                                  + " lines about its failed write");
  // The disk has room again: the node restarts from what it made durable.
  n.start();
}

void nemesis::stop(const fault_event& ev, size_t target) {
  auto& c = cluster_;
  switch (ev.kind) {
    case fault_kind::kill_restart:
      c.at(target).start();
      break;
    case fault_kind::pause:
      c.at(target).resume();
      break;
    case fault_kind::partition:
    case fault_kind::isolate:
    case fault_kind::delay:
      c.proxy().heal();
      break;
    case fault_kind::drop_links:
    case fault_kind::replay:
      break; // closed once; the nodes redial by themselves
    case fault_kind::cluster_restart:
      c.start_all();
      break;
    case fault_kind::disk_full:
      stop_disk_full(target);
      break;
  }
}

int nemesis::total() const {
  int n = 0;
  for (auto& [kind, count] : counts_)
    n += count;
  return n;
}

} // namespace flexsync::nemesis
