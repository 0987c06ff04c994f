// The disk interface over POSIX files in one directory.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/disk/disk.hpp"

namespace flexsync {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw storage_error(what + " " + path + ": " + std::strerror(errno));
}

class posix_file : public disk_file {
public:
  posix_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    struct stat st;
    if (::fstat(fd_, &st) != 0)
      fail("cannot stat", path_);
    size_ = static_cast<uint64_t>(st.st_size);
  }

  ~posix_file() override { ::close(fd_); }

  void append(const char* data, size_t size) override {
    while (size > 0) {
      auto n = ::pwrite(fd_, data, size, static_cast<off_t>(size_));
      if (n < 0) {
        if (errno == EINTR)
          continue;
        fail("cannot write", path_);
      }
      data += n;
      size -= static_cast<size_t>(n);
      size_ += static_cast<uint64_t>(n);
    }
  }

  void read(uint64_t offset, char* out, size_t size) const override {
    while (size > 0) {
      auto n = ::pread(fd_, out, size, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR)
          continue;
        fail("cannot read", path_);
      }
      if (n == 0) {
        errno = 0;
        throw storage_error("unexpected end of file " + path_ + " at offset "
                            + std::to_string(offset));
      }
      out += n;
      offset += static_cast<uint64_t>(n);
      size -= static_cast<size_t>(n);
    }
  }

  uint64_t size() const override { return size_; }

  void sync() override {
    if (::fdatasync(fd_) != 0)
      fail("cannot fsync", path_);
  }

  void truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      fail("cannot truncate", path_);
    size_ = size;
  }

private:
  int fd_;
  std::string path_;
  uint64_t size_ = 0;
};

class posix_disk : public disk {
public:
  explicit posix_disk(std::string dir) : dir_(std::move(dir)) {
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      fail("cannot create directory", dir_);
    dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0)
      fail("cannot open directory", dir_);
  }

  ~posix_disk() override { ::close(dir_fd_); }

  std::unique_ptr<disk_file> open(const std::string& name,
                                  bool create) override {
    auto path = path_of(name);
    int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
    int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0)
      fail("cannot open", path);
    return std::make_unique<posix_file>(fd, path);
  }

  bool exists(const std::string& name) const override {
    struct stat st;
    return ::stat(path_of(name).c_str(), &st) == 0;
  }

  std::vector<std::string> list() const override {
    std::vector<std::string> result;
    auto* d = ::opendir(dir_.c_str());
    if (!d)
      fail("cannot list", dir_);
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..")
        result.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(result.begin(), result.end());
    return result;
  }

  void remove(const std::string& name) override {
    if (::unlink(path_of(name).c_str()) != 0 && errno != ENOENT)
      fail("cannot remove", path_of(name));
  }

  void rename(const std::string& from, const std::string& to) override {
    if (::rename(path_of(from).c_str(), path_of(to).c_str()) != 0)
      fail("cannot rename " + path_of(from) + " to", path_of(to));
  }

  void sync_dir() override {
    if (::fsync(dir_fd_) != 0)
      fail("cannot fsync directory", dir_);
  }

  std::string where() const override { return dir_; }

private:
  std::string path_of(const std::string& name) const {
    return dir_ + "/" + name;
  }

  std::string dir_;
  int dir_fd_ = -1;
};

} // namespace

std::unique_ptr<disk> make_posix_disk(const std::string& directory) {
  return std::make_unique<posix_disk>(directory);
}

} // namespace flexsync
