// Parsing scenario command lines and the cluster options they name.

#include <sstream>
#include <stdexcept>

#include "scenarios/scenario_commands.hpp"

namespace flexsync::sim {

namespace {

std::string value(const command_line& cmd, const std::string& key) {
  auto i = cmd.opts.find(key);
  return i == cmd.opts.end() ? "0" : i->second;
}

} // namespace

command_line parse_command(const std::string& line) {
  command_line cmd;
  std::istringstream in{line};
  in >> cmd.verb;
  std::string word;
  while (in >> word) {
    cmd.args.push_back(word);
    if (auto eq = word.find('='); eq != std::string::npos)
      cmd.opts[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return cmd;
}

caf::timespan parse_duration(const std::string& x) {
  size_t pos = 0;
  double value = std::stod(x, &pos);
  auto unit = x.substr(pos);
  double ns = 0;
  if (unit == "s")
    ns = value * 1e9;
  else if (unit == "ms")
    ns = value * 1e6;
  else if (unit == "us")
    ns = value * 1e3;
  else
    throw std::invalid_argument("unknown duration unit in " + x);
  return caf::timespan{static_cast<int64_t>(ns)};
}

std::optional<quorum_spec> quorum_option(const command_line& cmd,
                                         const std::vector<node_id>& voters) {
  auto has = [&](const char* key) { return cmd.opts.count(key) > 0; };
  std::optional<quorum_spec> spec;
  if (has("quorum") && (has("election_quorum") || has("replication_quorum")))
    throw config_error("quorum= and election_quorum=/replication_quorum= "
                       "name the quorum system twice");
  if (has("quorum"))
    spec = parse_quorum_spec(cmd.opts.at("quorum"));
  else if (has("election_quorum") || has("replication_quorum"))
    spec = quorum_spec{std::stoul(value(cmd, "election_quorum")),
                       std::stoul(value(cmd, "replication_quorum"))};
  label_map labels;
  // Zones label a zones system's voters; with any other system they are
  // for leader placement only (placement_option).
  if (has("zones") && spec && spec->kind == quorum_kind::zones)
    parse_zone_labels(cmd.opts.at("zones"), labels);
  if (has("weights"))
    parse_weight_labels(cmd.opts.at("weights"), labels);
  if (!spec && labels.empty())
    return std::nullopt;
  auto out = with_labels(spec.value_or(quorum_spec{}), voters, labels);
  if (out.kind == quorum_kind::majority)
    return std::nullopt;
  return out;
}

term_mode terms_option(const command_line& cmd) {
  auto terms = term_mode::shared;
  if (auto i = cmd.opts.find("terms"); i != cmd.opts.end())
    terms = parse_term_mode(i->second);
  auto i = cmd.opts.find("unchecked_quorum");
  if (i == cmd.opts.end() || i->second == "off")
    return terms;
  if (i->second != "on")
    throw std::invalid_argument("unchecked_quorum must be on or off");
  if (terms != term_mode::shared)
    throw config_error("unchecked_quorum=on is for shared terms only");
  return term_mode::unchecked;
}

} // namespace flexsync::sim
