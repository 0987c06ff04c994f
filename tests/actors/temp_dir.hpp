#pragma once

// A fresh directory under the system's temp dir for a test's data, removed
// when the test ends.

#include <filesystem>
#include <stdexcept>
#include <string>

#include <stdlib.h>

namespace flexsync::testing {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl
      = (std::filesystem::temp_directory_path() / "flexsync-test-XXXXXX");
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string sub(const std::string& name) const {
    return (path / name).string();
  }
};

/// Removes the files of `dir` whose names start with `prefix` (a node
/// losing its snapshots or its journal); returns how many.
inline size_t remove_files(const std::filesystem::path& dir,
                           const std::string& prefix) {
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0)
      n += std::filesystem::remove(e.path()) ? 1 : 0;
  return n;
}

} // namespace flexsync::testing
