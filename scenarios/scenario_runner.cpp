#include "scenarios/scenario_runner.hpp"

#include <istream>
#include <sstream>
#include <stdexcept>

#include "scenarios/scenario_commands.hpp"

namespace flexsync::sim {

namespace {

bool is_comment(const std::string& line) {
  return !line.empty() && line[0] == '#';
}

} // namespace

std::vector<scenario_block> parse_scenario(std::istream& in) {
  std::vector<scenario_block> blocks;
  std::string line;
  size_t lineno = 0;
  scenario_block current;
  enum { commands, expected } mode = commands;
  auto finish = [&] {
    if (!current.commands.empty() || !current.text.empty())
      blocks.push_back(std::move(current));
    current = scenario_block{};
    mode = commands;
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (mode == expected) {
      if (line.empty())
        finish();
      else
        current.expected.push_back(line);
      continue;
    }
    if (line.empty()) {
      if (!current.commands.empty())
        throw std::runtime_error("line " + std::to_string(lineno)
                                 + ": commands without a `----` line");
      if (!current.text.empty())
        finish();
      continue;
    }
    if (line == "----") {
      if (current.commands.empty())
        throw std::runtime_error("line " + std::to_string(lineno)
                                 + ": `----` without commands");
      mode = expected;
      continue;
    }
    current.text.push_back(line);
    if (!is_comment(line)) {
      if (current.commands.empty())
        current.line = lineno;
      current.commands.push_back(line);
    }
  }
  if (!current.commands.empty() && mode == commands)
    throw std::runtime_error("script ends with commands but no `----`");
  finish();
  return blocks;
}

void run_scenario(std::vector<scenario_block>& blocks) {
  scenario_state state;
  for (auto& block : blocks) {
    for (auto& line : block.commands) {
      try {
        state.execute(parse_command(line), block.actual);
      } catch (const std::exception& e) {
        block.actual.push_back(std::string{"error: "} + e.what());
      }
    }
    for (auto& v : state.take_violations())
      block.actual.push_back(std::move(v));
  }
}

std::string render_scenario(const std::vector<scenario_block>& blocks) {
  std::ostringstream out;
  for (size_t i = 0; i < blocks.size(); ++i) {
    auto& b = blocks[i];
    if (i > 0)
      out << '\n';
    for (auto& line : b.text)
      out << line << '\n';
    if (b.commands.empty())
      continue;
    out << "----\n";
    for (auto& line : b.actual)
      out << line << '\n';
  }
  return out.str();
}

} // namespace flexsync::sim
