#pragma once

// flexsync's own minimal logger (Debian's CAF compiles its logging out). One
// line per event: "<level> <node>: <text>". CAF-free.

#include <functional>
#include <string>
#include <string_view>

namespace flexsync {

enum class log_level : uint8_t { error = 0, warning = 1, info = 2, debug = 3 };

class logger {
public:
  using sink_fn = std::function<void(log_level, std::string_view line)>;

  logger() = default;
  logger(std::string name, log_level level, sink_fn sink = {});

  bool enabled(log_level x) const { return x <= level_; }

  void write(log_level x, std::string_view text) const;

  void error(std::string_view text) const { write(log_level::error, text); }
  void warning(std::string_view text) const {
    write(log_level::warning, text);
  }
  void info(std::string_view text) const { write(log_level::info, text); }
  void debug(std::string_view text) const { write(log_level::debug, text); }

private:
  std::string name_;
  log_level level_ = log_level::warning;
  sink_fn sink_;
};

const char* to_string(log_level x);

} // namespace flexsync
