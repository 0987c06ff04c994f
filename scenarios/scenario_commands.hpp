#pragma once

// The commands of scenario scripts, executed against a simulated cluster.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/sim/cluster.hpp"

namespace flexsync::sim {

/// A parsed command line: a verb, positional words and key=value options.
struct command_line {
  std::string verb;
  std::vector<std::string> args;
  std::map<std::string, std::string> opts;
};

command_line parse_command(const std::string& line);

/// Parses "2s", "150ms", "30us". @throws std::invalid_argument.
caf::timespan parse_duration(const std::string& x);

/// The quorum system a command names over `voters`: quorum=SPEC (the text
/// form of protocol/quorum_spec.hpp) or election_quorum=Q1
/// replication_quorum=Q2, with the labels zones=1=us,2=eu,... and
/// weights=1=2,2=1,...; nothing for majority.
/// @throws config_error for a bad spec or labels.
std::optional<quorum_spec> quorum_option(const command_line& cmd,
                                         const std::vector<node_id>& voters);

/// The term mode a `cluster` command names: terms=shared|owned, or
/// unchecked_quorum=on (term_mode::unchecked: shared terms with a quorum
/// system validated as owned terms would be; unsafe, to show two leaders in
/// one term). Without either, shared terms, whose validation stays.
/// @throws config_error or std::invalid_argument for a bad value.
term_mode terms_option(const command_line& cmd);

/// The state of one script run: the cluster (once created) and the calls
/// not yet reported.
class scenario_state {
public:
  /// Executes one command and appends its output lines to `out`.
  /// @throws std::invalid_argument for malformed commands.
  void execute(const command_line& cmd, std::vector<std::string>& out);

  /// Violations found since the last call.
  std::vector<std::string> take_violations();

private:
  cluster& require_cluster();
  node_id node_arg(const command_line& cmd, size_t pos);

  void make_cluster(const command_line& cmd, std::vector<std::string>& out);

  /// The handler of one verb; execute looks it up in verbs().
  using verb_handler = void (scenario_state::*)(const command_line&,
                                                std::vector<std::string>&);
  static const std::map<std::string, verb_handler>& verbs();

  // The verbs that drive the cluster (scenario_commands.cpp).
  void elect(const command_line& cmd, std::vector<std::string>& out);
  void campaign(const command_line& cmd, std::vector<std::string>& out);
  void wait_leader(const command_line& cmd, std::vector<std::string>& out);
  void run(const command_line& cmd, std::vector<std::string>& out);
  void propose(const command_line& cmd, std::vector<std::string>& out);
  void read(const command_line& cmd, std::vector<std::string>& out);
  void fill(const command_line& cmd, std::vector<std::string>& out);
  void disk(const command_line& cmd, std::vector<std::string>& out);
  void compact(const command_line& cmd, std::vector<std::string>& out);
  void force_recover(const command_line& cmd, std::vector<std::string>& out);
  void partition(const command_line& cmd, std::vector<std::string>& out);
  void isolate(const command_line& cmd, std::vector<std::string>& out);
  void link(const command_line& cmd, std::vector<std::string>& out);
  void release(const command_line& cmd, std::vector<std::string>& out);
  void heal(const command_line& cmd, std::vector<std::string>& out);
  void crash(const command_line& cmd, std::vector<std::string>& out);
  void restart(const command_line& cmd, std::vector<std::string>& out);
  void net(const command_line& cmd, std::vector<std::string>& out);
  void check(const command_line& cmd, std::vector<std::string>& out);

  // The verbs that report (scenario_reports.cpp).
  void status(const command_line& cmd, std::vector<std::string>& out);
  void results(const command_line& cmd, std::vector<std::string>& out);
  void log(const command_line& cmd, std::vector<std::string>& out);
  void stats(const command_line& cmd, std::vector<std::string>& out);
  void digest(const command_line& cmd, std::vector<std::string>& out);

  /// scenario_membership.cpp: false when `cmd` is no membership command.
  bool membership_command(const command_line& cmd,
                          std::vector<std::string>& out);

  std::unique_ptr<cluster> cluster_;
  size_t reported_ = 0;
  size_t violations_seen_ = 0;
  /// Values proposed by `fill` so far (each value is unique).
  uint64_t filled_ = 0;
};

} // namespace flexsync::sim
