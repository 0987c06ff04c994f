#include "actors/node/logger.hpp"

#include <cstdio>

namespace flexsync {

logger::logger(std::string name, log_level level, sink_fn sink)
  : name_(std::move(name)), level_(level), sink_(std::move(sink)) {
  // nop
}

void logger::write(log_level x, std::string_view text) const {
  if (!enabled(x))
    return;
  std::string line;
  line.reserve(name_.size() + text.size() + 16);
  line += to_string(x);
  line += ' ';
  line += name_;
  line += ": ";
  line += text;
  if (sink_) {
    sink_(x, line);
    return;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

const char* to_string(log_level x) {
  switch (x) {
    case log_level::error:
      return "ERROR";
    case log_level::warning:
      return "WARN";
    case log_level::info:
      return "INFO";
    default:
      return "DEBUG";
  }
}

} // namespace flexsync
