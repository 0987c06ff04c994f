#pragma once

// flexsync-admin's command line, parsed without CAF (CAF's option parser
// knows neither positional commands nor PySyncObj's single-dash spellings):
//
//   flexsync-admin --conn HOST:PORT [--password-file F] [--json]
//                  [--timeout SECONDS] [--max-lag N] [--timings] COMMAND [ARG]
//
// PySyncObj's syncobj_admin spellings work too: -conn HOST:PORT,
// -pass PASSWORD, -status, -add ADDR, -remove ADDR, -set_version N,
// -timeout SECONDS. Every option takes its value as `--opt V` or `--opt=V`.
// Addresses are checked with the transport's parser (net::parse_address),
// so a bad one is reported before anything is sent.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flexsync::admin {

enum class command : uint8_t {
  status,
  add,
  remove,
  add_learner,
  set_version,
  transfer,
  compact,
  health,
  metrics,
};

/// The command as typed ("add-learner").
const char* to_string(command x);

/// The command as PySyncObj's result lines name it ("ADD_LEARNER").
const char* result_word(command x);

struct cli_options {
  /// HOST:PORT of the node's admin port.
  std::string conn;
  /// Its host and port, split.
  std::string host;
  uint16_t port = 0;
  /// --password-file: the first line is the password.
  std::string password_file;
  /// -pass: the password itself (PySyncObj's spelling; visible in `ps`).
  std::optional<std::string> password;
  /// One JSON object on stdout instead of text lines.
  bool json = false;
  /// Bound of the whole command, connecting included.
  double timeout_seconds = 10;
  /// health: entries a commit or apply index may lag.
  uint64_t max_lag = 1000;
  /// Print connect, login and request times to stderr.
  bool timings = false;
  command cmd = command::status;
  /// ADDR of add/remove/add-learner/transfer, N of set-version; else empty.
  std::string arg;
  /// set-version's N.
  uint32_t version = 0;
};

/// What the command line asks for: options, the help text, or an error.
struct cli_parse {
  std::optional<cli_options> options;
  bool help = false;
  /// One line, without the program name; empty unless parsing failed.
  std::string error;
  /// The error is a malformed address (--conn or a command's ADDR).
  bool bad_address = false;
};

/// Parses argv[1..].
cli_parse parse_cli(const std::vector<std::string>& args);

/// The --help text.
std::string usage_text();

/// Where flexsync-node publishes its admin actor.
struct admin_endpoint {
  std::string host;
  uint16_t port = 0;
};

/// flexsync-node's --admin value: HOST:PORT, or PORT (also :PORT) alone for
/// 127.0.0.1, so that every interface is bound only when the user names
/// such an address; nothing when malformed.
std::optional<admin_endpoint> parse_admin_option(const std::string& x);

/// Whether `host` names this machine's loopback (127.x.y.z, ::1,
/// localhost).
bool is_loopback_host(const std::string& host);

/// The first line of `path` without trailing blanks, as flexsync-node reads
/// its --password-file; nothing when it cannot be read or is empty.
std::optional<std::string> read_password_file(const std::string& path);

} // namespace flexsync::admin
