#pragma once

// What flexsync-admin prints and returns for each answer, as pure
// functions (CAF-free, unit-tested): PySyncObj's result lines
// (`SUCCESS ADD 127.0.0.1:7004`, `FAIL REMOVE 127.0.0.1:7004: <reason>`),
// its `key: value` status lines, JSON objects with --json, and the exit
// code of every outcome. A failure is exactly one line on stderr.

#include <string>

#include "admin/admin_cli.hpp"
#include "protocol/admin.hpp"
#include "protocol/membership.hpp"

namespace flexsync::admin {

enum class exit_code : int {
  /// Success (health: healthy).
  ok = 0,
  /// The node refused or failed the command, or is unhealthy.
  failed = 1,
  /// Bad arguments or a bad address.
  usage = 2,
  /// Nothing listens, it is not an admin port, or the connection dropped.
  unreachable = 3,
  /// A wrong password, or the node needs one.
  auth = 4,
  /// Another membership change is in progress.
  in_progress = 5,
  /// No answer within --timeout (a change's outcome is unknown).
  timeout = 6,
};

/// What the program prints and returns.
struct output {
  exit_code code = exit_code::ok;
  /// stdout.
  std::string out;
  /// stderr: empty or exactly one line.
  std::string err;
};

/// The exit code of a node's answer.
exit_code exit_code_of(fail_reason x);

/// The exit code of an admin actor's refusal.
exit_code exit_code_of(admin_refusal x);

/// "FAIL ADD 127.0.0.1:7004: <why>" ("FAIL STATUS: <why>" without ARG).
std::string fail_line(const cli_options& o, const std::string& why);

/// A failure before any answer: the line on stderr, nothing on stdout.
output failure(const cli_options& o, exit_code code, const std::string& why);

/// status: "key: value" lines, or the node's JSON object.
output format_status(const cli_options& o, const admin_status_reply& r);

/// health: "key: value" lines or a JSON object; unhealthy is exit 1 with
/// "UNHEALTHY: <problems>" on stderr.
output format_health(const cli_options& o, const admin_health_reply& r);

/// metrics: the Prometheus text as the node rendered it (also with --json).
output format_metrics(const admin_metrics_reply& r);

/// A command answered with the node's change_result.
output format_change(const cli_options& o, const change_result& r);

/// A command the admin actor refused.
output format_refusal(const cli_options& o, admin_refusal x,
                      const std::string& detail);

} // namespace flexsync::admin
