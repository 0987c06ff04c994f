#include "snapshot/disk/memory_disk.hpp"

#include <algorithm>

namespace flexsync {

class memory_file : public disk_file {
public:
  memory_file(memory_disk* owner, std::string name,
              std::shared_ptr<memory_disk::file_data> data)
    : owner_(owner), name_(std::move(name)), data_(std::move(data)) {}

  void append(const char* p, size_t n) override {
    owner_->check_writable(name_);
    data_->current.append(p, n);
  }

  void read(uint64_t offset, char* out, size_t n) const override {
    if (offset + n > data_->current.size())
      throw storage_error("unexpected end of file " + owner_->where() + "/"
                          + name_ + " at offset " + std::to_string(offset));
    std::copy_n(data_->current.data() + offset, n, out);
  }

  uint64_t size() const override { return data_->current.size(); }

  void sync() override {
    owner_->check_writable(name_);
    data_->durable = data_->current;
  }

  void truncate(uint64_t n) override {
    owner_->check_writable(name_);
    data_->current.resize(n);
  }

private:
  memory_disk* owner_;
  std::string name_;
  std::shared_ptr<memory_disk::file_data> data_;
};

void memory_disk::check_writable(const std::string& what) const {
  if (fail_writes_)
    throw storage_error("cannot write " + name_ + "/" + what
                        + ": No space left on device");
}

std::unique_ptr<disk_file> memory_disk::open(const std::string& name,
                                             bool create) {
  auto i = files_.find(name);
  if (i == files_.end()) {
    if (!create)
      throw storage_error("cannot open " + name_ + "/" + name
                          + ": No such file or directory");
    check_writable(name);
    i = files_.emplace(name, std::make_shared<file_data>()).first;
  }
  return std::make_unique<memory_file>(this, name, i->second);
}

bool memory_disk::exists(const std::string& name) const {
  return files_.count(name) > 0;
}

std::vector<std::string> memory_disk::list() const {
  std::vector<std::string> result;
  for (auto& [name, f] : files_)
    result.push_back(name);
  return result;
}

void memory_disk::remove(const std::string& name) {
  check_writable(name);
  files_.erase(name);
}

void memory_disk::rename(const std::string& from, const std::string& to) {
  check_writable(from);
  auto i = files_.find(from);
  if (i == files_.end())
    throw storage_error("cannot rename " + name_ + "/" + from
                        + ": No such file or directory");
  auto data = i->second;
  files_.erase(i);
  files_[to] = std::move(data);
}

void memory_disk::sync_dir() {
  check_writable("(directory)");
  durable_files_ = files_;
}

void memory_disk::crash(std::mt19937_64& rng, bool tear) {
  files_ = durable_files_;
  for (auto& [name, f] : files_) {
    auto& cur = f->current;
    auto& dur = f->durable;
    std::string kept = dur;
    // A torn write: part of what was appended after the last sync survives.
    if (tear && cur.size() > dur.size() && cur.compare(0, dur.size(), dur) == 0) {
      std::uniform_int_distribution<size_t> cut{0, cur.size() - dur.size()};
      kept = cur.substr(0, dur.size() + cut(rng));
    }
    cur = kept;
    dur = kept;
  }
}

bool memory_disk::dirty() const {
  if (files_.size() != durable_files_.size())
    return true;
  for (auto& [name, f] : files_) {
    auto i = durable_files_.find(name);
    if (i == durable_files_.end() || i->second != f
        || f->current != f->durable)
      return true;
  }
  return false;
}

size_t memory_disk::bytes() const {
  size_t n = 0;
  for (auto& [name, f] : files_)
    n += f->current.size();
  return n;
}

} // namespace flexsync
