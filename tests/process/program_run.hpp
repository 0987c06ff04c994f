#pragma once

// Runs a short-lived program (flexsync-admin) to its end: its stdout and
// stderr captured, its exit code and wall time recorded. A program still
// running after the bound is killed by its PID and reported as such; the
// bound is a safety net, never what decides a test.

#include <chrono>
#include <string>
#include <vector>

namespace flexsync::process_testing {

struct program_result {
  /// The exit status; -1 when it was killed or died of a signal.
  int exit_code = -1;
  std::string out;
  std::string err;
  /// From start to exit.
  std::chrono::milliseconds elapsed{0};
  /// Still running at the bound (then killed).
  bool hung = false;
};

/// Runs `program` with `args`, stdin from /dev/null.
program_result run_program(const std::string& program,
                           const std::vector<std::string>& args,
                           std::chrono::milliseconds bound
                           = std::chrono::seconds(60));

/// The lines of `text` (without newlines; no empty last line).
std::vector<std::string> lines_of(const std::string& text);

} // namespace flexsync::process_testing
