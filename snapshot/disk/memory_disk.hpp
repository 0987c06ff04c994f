#pragma once

// A disk in memory, with the crash semantics of a real one: what was not
// synced (appends, truncations) or not sync_dir'ed (creations, renames,
// removals) may be lost at crash(), and the last unsynced write of a file may
// survive torn. Memory-mode nodes keep their snapshots on one (never
// crashed); the simulator gives every node one and crashes it with the node.

#include <map>
#include <memory>
#include <random>
#include <string>

#include "snapshot/disk/disk.hpp"

namespace flexsync {

class memory_disk : public disk {
public:
  struct file_data {
    /// What reads see.
    std::string current;
    /// What survives a crash.
    std::string durable;
  };

  explicit memory_disk(std::string name = "memory") : name_(std::move(name)) {}

  std::unique_ptr<disk_file> open(const std::string& name,
                                  bool create) override;
  bool exists(const std::string& name) const override;
  std::vector<std::string> list() const override;
  void remove(const std::string& name) override;
  void rename(const std::string& from, const std::string& to) override;
  void sync_dir() override;
  std::string where() const override { return name_; }

  /// Loses everything not durable. With `tear`, each file keeps a random
  /// prefix of its unsynced appended bytes (a torn last write).
  void crash(std::mt19937_64& rng, bool tear);

  /// When set, every operation that writes fails with storage_error (a full
  /// or broken disk), for tests.
  void fail_writes(bool x) { fail_writes_ = x; }

  /// Whether a crash now would lose or tear anything.
  bool dirty() const;

  /// Total bytes held (status, tests).
  size_t bytes() const;

private:
  friend class memory_file;
  void check_writable(const std::string& what) const;

  std::string name_;
  std::map<std::string, std::shared_ptr<file_data>> files_;
  std::map<std::string, std::shared_ptr<file_data>> durable_files_;
  bool fail_writes_ = false;
};

} // namespace flexsync
