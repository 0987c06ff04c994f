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

} // namespace flexsync::testing
