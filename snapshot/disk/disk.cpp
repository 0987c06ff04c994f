#include "snapshot/disk/disk.hpp"

namespace flexsync {

void disk::write_atomically(const std::string& name, const std::string& bytes) {
  auto tmp = name + ".tmp";
  {
    auto f = open(tmp, true);
    f->truncate(0);
    f->append(bytes.data(), bytes.size());
    f->sync();
  }
  rename(tmp, name);
  sync_dir();
}

std::string disk::read_all(const std::string& name) {
  auto f = open(name, false);
  std::string result(f->size(), '\0');
  if (!result.empty())
    f->read(0, result.data(), result.size());
  return result;
}

} // namespace flexsync
