#pragma once

/// @class flexsync::logger
/// flexsync's own minimal logger (Debian's CAF compiles its logging out). One
/// line per event: `"<level> <node>: <text>"`. CAF-free.

#include <functional>
#include <string>
#include <string_view>

namespace flexsync {

/// Severity of a log line; a logger writes the levels up to its own.
enum class log_level : uint8_t { error = 0, warning = 1, info = 2, debug = 3 };

class logger {
public:
  /// Receives each written line (level and text, without a newline) in place
  /// of stderr.
  using sink_fn = std::function<void(log_level, std::string_view line)>;

  logger() = default;
  /// Names lines with `name` and writes those up to `level`, to `sink` or,
  /// when it is empty, to stderr.
  logger(std::string name, log_level level, sink_fn sink = {});

  /// Whether a line of level `x` is written (`x` at least as severe as the
  /// logger's level).
  bool enabled(log_level x) const { return x <= level_; }

  /// Writes `text` as one line at level `x` if enabled(x): to the sink, else
  /// to stderr (with a newline).
  void write(log_level x, std::string_view text) const;

  /// write() at level error.
  void error(std::string_view text) const { write(log_level::error, text); }
  /// write() at level warning.
  void warning(std::string_view text) const {
    write(log_level::warning, text);
  }
  /// write() at level info.
  void info(std::string_view text) const { write(log_level::info, text); }
  /// write() at level debug.
  void debug(std::string_view text) const { write(log_level::debug, text); }

private:
  std::string name_;
  log_level level_ = log_level::warning;
  sink_fn sink_;
};

/// The level as log lines print it ("ERROR", "WARN", "INFO", "DEBUG").
const char* to_string(log_level x);

} // namespace flexsync
