#pragma once

// Runs scenario scripts: etcd-style datadriven text. A block is one or more
// command lines, a line `----`, and the expected output, up to a blank line:
//
//   # a 4-node cluster, election quorum 3, replication quorum 2
//   cluster n=4 election_quorum=3 replication_quorum=2
//   elect 1
//   ----
//   cluster: 4 nodes, counting(n=4, election=3, replication=2)
//   1 leader term=1
//
// Every block also reports checker violations (lines starting VIOLATION), so
// a script passes only if the cluster stayed safe throughout. The commands
// are listed in scenarios/README.md.

#include <iosfwd>
#include <string>
#include <vector>

namespace flexsync::sim {

struct scenario_block {
  /// Line number of the first command (1-based).
  size_t line = 0;
  /// Comment lines and commands, as written.
  std::vector<std::string> text;
  std::vector<std::string> commands;
  std::vector<std::string> expected;
  std::vector<std::string> actual;
};

/// Parses a script. @throws std::runtime_error on malformed input.
std::vector<scenario_block> parse_scenario(std::istream& in);

/// Runs every block, filling in `actual`. Returns false when a command is
/// malformed (the error is reported as the block's output).
void run_scenario(std::vector<scenario_block>& blocks);

/// Renders blocks with their actual output (for --rewrite).
std::string render_scenario(const std::vector<scenario_block>& blocks);

} // namespace flexsync::sim
