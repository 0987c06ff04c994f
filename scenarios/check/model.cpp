#include "scenarios/check/model.hpp"

#include <map>

namespace flexsync::check {

std::vector<history> model::partition(const history& ops) const {
  std::vector<history> parts;
  std::map<std::string, size_t> part_of_key;
  for (const auto& op : ops) {
    auto [it, added] = part_of_key.emplace(op.key, parts.size());
    if (added)
      parts.emplace_back();
    parts[it->second].push_back(op);
  }
  return parts;
}

std::string model::describe_state(const model_state& state) const {
  std::string result = "[";
  for (size_t i = 0; i < state.size(); ++i)
    result += (i > 0 ? "," : "") + std::to_string(state[i]);
  return result + "]";
}

std::optional<model_state>
deterministic_model::step(const model_state& state, const op_input& input,
                          const op_output* output) const {
  auto t = apply(state, input);
  if (!t)
    return std::nullopt;
  if (output != nullptr && t->output != *output)
    return std::nullopt;
  return std::move(t->next);
}

} // namespace flexsync::check
