#include "scenarios/check/checker.hpp"

#include "scenarios/check/minimize.hpp"

namespace flexsync::check {

namespace {

partition_report check_part(const model& m, const history& part,
                            const check_options& options) {
  partition_report report;
  report.key = part.empty() ? "" : part.front().key;
  report.operations = part.size();
  auto found = linearize(m, part, options.max_steps_per_partition);
  report.result = found.result;
  report.steps = found.steps;
  if (found.result == verdict::not_linearizable)
    report.violation = options.minimize
                         ? minimize(m, part, options.max_steps_per_partition)
                         : part;
  return report;
}

std::string key_name(const std::string& key) {
  return key.empty() ? "(no key)" : "key " + key;
}

} // namespace

check_result check_history(const model& m, const history& ops,
                           const check_options& options) {
  auto kept = drop_failed(ops);
  validate(kept);
  check_result result;
  bool undecided = false;
  for (const auto& part : m.partition(kept)) {
    auto report = check_part(m, part, options);
    result.steps += report.steps;
    if (report.result == verdict::not_linearizable)
      result.result = verdict::not_linearizable;
    undecided = undecided || report.result == verdict::unknown;
    result.partitions.push_back(std::move(report));
  }
  if (undecided && result.result == verdict::linearizable)
    result.result = verdict::unknown;
  return result;
}

std::string check_result::describe(const model& m) const {
  auto text = to_string(result) + " (" + m.name() + ", "
              + std::to_string(partitions.size()) + " parts, "
              + std::to_string(steps) + " steps)\n";
  for (const auto& p : partitions) {
    if (p.result == verdict::unknown)
      text += key_name(p.key) + ": unknown after "
              + std::to_string(p.steps) + " steps\n";
    if (p.result != verdict::not_linearizable)
      continue;
    text += key_name(p.key) + ": not linearizable; these "
            + std::to_string(p.violation.size()) + " of "
            + std::to_string(p.operations)
            + " ops cannot all be as recorded, whatever the others did:\n"
            + check::describe(p.violation);
  }
  return text;
}

} // namespace flexsync::check
