#include "scenarios/check/history.hpp"

#include "protocol/assert.hpp"

namespace flexsync::check {

std::string to_string(outcome x) {
  switch (x) {
    case outcome::ok:
      return "ok";
    case outcome::fail:
      return "fail";
    case outcome::info:
      return "info";
  }
  return "?";
}

ticks effective_return_time(const operation& op) {
  return op.result == outcome::info ? infinite_time : op.return_time;
}

history drop_failed(const history& ops) {
  history result;
  result.reserve(ops.size());
  for (const auto& op : ops)
    if (op.result != outcome::fail)
      result.push_back(op);
  return result;
}

void validate(const history& ops) {
  for (const auto& op : ops)
    FLEXSYNC_ASSERT(op.result != outcome::ok
                      || op.invoke_time <= op.return_time,
                    "op returns before it was invoked: " + describe(op));
}

std::string describe(const operation& op) {
  auto line = "client " + std::to_string(op.client);
  if (!op.key.empty())
    line += " key " + op.key;
  line += "  " + std::to_string(op.invoke_time) + "..";
  if (op.result != outcome::info)
    line += std::to_string(op.return_time);
  line += "  " + describe(op.input) + " -> ";
  switch (op.result) {
    case outcome::ok:
      return line + describe(op.input.kind, op.output);
    case outcome::fail:
      return line + "fail";
    case outcome::info:
      return line + "? (info)";
  }
  return line;
}

std::string describe(const history& ops) {
  std::string result;
  for (const auto& op : ops)
    result += "  " + describe(op) + "\n";
  return result;
}

operation ok_op(int64_t client, ticks invoke, ticks ret, op_input input,
                op_output output) {
  return {.client = client,
          .input = input,
          .output = std::move(output),
          .invoke_time = invoke,
          .return_time = ret,
          .result = outcome::ok};
}

operation info_op(int64_t client, ticks invoke, op_input input) {
  return {.client = client,
          .input = input,
          .invoke_time = invoke,
          .return_time = infinite_time,
          .result = outcome::info};
}

operation fail_op(int64_t client, ticks invoke, ticks ret, op_input input) {
  return {.client = client,
          .input = input,
          .invoke_time = invoke,
          .return_time = ret,
          .result = outcome::fail};
}

operation on_key(std::string key, operation op) {
  op.key = std::move(key);
  return op;
}

} // namespace flexsync::check
