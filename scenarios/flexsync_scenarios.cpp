// flexsync-scenarios: runs scenario scripts and compares their output with
// the expectations written in them.
//
//   flexsync-scenarios [--rewrite] [--plant BUG] FILE...
//
// With --rewrite, each file's expectations are replaced with the actual
// output; review the diff before committing it. --plant plants a classic bug
// (protocol/planted_bugs.hpp) for the whole run: a scenario written to
// catch it must then fail.

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/planted_bugs.hpp"
#include "scenarios/scenario_runner.hpp"

int main(int argc, char** argv) {
  bool rewrite = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rewrite") {
      rewrite = true;
    } else if (arg == "--plant" && i + 1 < argc) {
      auto bug = flexsync::planted_bug_from(argv[++i]);
      (void) bug;
#ifdef FLEXSYNC_PLANTED_BUGS
      if (bug) {
        flexsync::plant(*bug);
        continue;
      }
#endif
      std::cerr << "unknown or unavailable planted bug: " << argv[i] << '\n';
      return 2;
    } else
      files.push_back(arg);
  }
  if (files.empty()) {
    std::cerr << "usage: flexsync-scenarios [--rewrite] [--plant BUG] FILE...\n";
    return 2;
  }
  int failures = 0;
  for (auto& file : files) {
    std::ifstream in{file};
    if (!in) {
      std::cerr << file << ": cannot open\n";
      ++failures;
      continue;
    }
    std::vector<flexsync::sim::scenario_block> blocks;
    try {
      blocks = flexsync::sim::parse_scenario(in);
    } catch (const std::exception& e) {
      std::cerr << file << ": " << e.what() << '\n';
      ++failures;
      continue;
    }
    in.close();
    flexsync::sim::run_scenario(blocks);
    if (rewrite) {
      std::ofstream out{file, std::ios::trunc};
      out << flexsync::sim::render_scenario(blocks);
      std::cout << file << ": rewritten\n";
      continue;
    }
    bool ok = true;
    for (auto& b : blocks) {
      if (b.commands.empty() || b.expected == b.actual)
        continue;
      ok = false;
      std::cerr << file << ":" << b.line << ": output differs\n";
      for (auto& line : b.commands)
        std::cerr << "  > " << line << '\n';
      std::cerr << "  expected:\n";
      for (auto& line : b.expected)
        std::cerr << "    " << line << '\n';
      std::cerr << "  actual:\n";
      for (auto& line : b.actual)
        std::cerr << "    " << line << '\n';
    }
    std::cout << file << ": " << (ok ? "ok" : "FAILED") << '\n';
    if (!ok)
      ++failures;
  }
  return failures == 0 ? 0 : 1;
}
