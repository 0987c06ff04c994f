#pragma once

// The file system as the journal and the snapshot files see it: one
// directory of named files, appends that become durable only at sync(), and
// directory changes (create, rename, remove) that become durable only at
// sync_dir(). posix_disk is the real one; the simulator's disk model
// implements the same interface and loses, at a crash, exactly what was not
// made durable (possibly tearing the last write).
//
// Every operation reports failure (disk full, EIO, permission denied) by
// throwing storage_error, whose message names the file and the cause. The
// node treats it as fatal: it stops rather than continue on a lie.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace flexsync {

class storage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// An open file.
class disk_file {
public:
  virtual ~disk_file() = default;

  /// Appends at the end (buffered until sync()).
  virtual void append(const char* data, size_t size) = 0;

  /// Reads exactly `size` bytes at `offset`. @throws storage_error when the
  /// file is shorter.
  virtual void read(uint64_t offset, char* out, size_t size) const = 0;

  virtual uint64_t size() const = 0;

  /// Makes every append so far durable (fdatasync).
  virtual void sync() = 0;

  /// Cuts the file to `size` bytes (durable at the next sync()).
  virtual void truncate(uint64_t size) = 0;
};

class disk {
public:
  virtual ~disk() = default;

  /// Opens `name`, creating it (empty) when `create` is set and it does not
  /// exist. @throws storage_error when it does not exist and !create.
  virtual std::unique_ptr<disk_file> open(const std::string& name,
                                          bool create) = 0;

  virtual bool exists(const std::string& name) const = 0;

  /// Names of all files, sorted.
  virtual std::vector<std::string> list() const = 0;

  virtual void remove(const std::string& name) = 0;

  /// Atomically replaces `to` with `from`.
  virtual void rename(const std::string& from, const std::string& to) = 0;

  /// Makes creations, renames and removals so far durable.
  virtual void sync_dir() = 0;

  /// A description for log lines, e.g. the directory path.
  virtual std::string where() const = 0;

  // -- helpers built on the interface ---------------------------------------

  /// Writes `bytes` to `name` so that after a crash the file holds either
  /// its old content or all of `bytes`: write a temporary file, sync it,
  /// rename it over `name`, sync the directory.
  void write_atomically(const std::string& name, const std::string& bytes);

  /// The whole content of `name`.
  std::string read_all(const std::string& name);
};

/// The real file system: files in `directory`, created if missing.
/// @throws storage_error when the directory cannot be created or opened.
std::unique_ptr<disk> make_posix_disk(const std::string& directory);

} // namespace flexsync
