// The replay driver: runs a fuzz target's LLVMFuzzerTestOneInput once on
// every file under the folders (or files) named on the command line, in
// sorted order, so the seed corpus and the regression inputs are checked by
// the normal build, without libFuzzer. A folder that does not exist is
// skipped (git keeps no empty regressions folder); no input at all fails.
//
//   fuzz_replay_<target> CORPUS_DIR [REGRESSIONS_DIR ...]

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_under(const fs::path& root) {
  std::vector<fs::path> result;
  if (fs::is_regular_file(root))
    result.push_back(root);
  else if (fs::is_directory(root))
    for (auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file())
        result.push_back(e.path());
  std::sort(result.begin(), result.end());
  return result;
}

void replay(const fs::path& file) {
  std::ifstream in{file, std::ios::binary};
  std::vector<char> bytes{std::istreambuf_iterator<char>{in}, {}};
  // The path first: when a property aborts, the last line names the input.
  std::cerr << "replaying " << file.string() << '\n';
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
}

} // namespace

int main(int argc, char** argv) {
  size_t count = 0;
  for (int i = 1; i < argc; ++i)
    for (auto& file : inputs_under(argv[i])) {
      replay(file);
      ++count;
    }
  if (count == 0) {
    std::cerr << "no inputs found\n";
    return 1;
  }
  std::cout << "replayed " << count << " inputs\n";
  return 0;
}
