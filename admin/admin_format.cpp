#include "admin/admin_format.hpp"

#include <nlohmann/json.hpp>

namespace flexsync::admin {

namespace {

std::string py_bool(bool x) {
  return x ? "True" : "False";
}

std::string subject(const cli_options& o) {
  std::string s = result_word(o.cmd);
  if (!o.arg.empty())
    s += " " + o.arg;
  return s;
}

/// --json for commands that answer with an outcome.
std::string outcome_json(const cli_options& o, bool ok,
                         const std::string& reason,
                         const std::string& detail) {
  nlohmann::json j{{"command", to_string(o.cmd)},
                   {"arg", o.arg},
                   {"ok", ok},
                   {"reason", reason},
                   {"detail", detail}};
  return j.dump() + "\n";
}

} // namespace

exit_code exit_code_of(fail_reason x) {
  switch (x) {
    case fail_reason::success:
      return exit_code::ok;
    case fail_reason::change_in_progress:
      return exit_code::in_progress;
    case fail_reason::timeout:
      return exit_code::timeout;
    default:
      return exit_code::failed;
  }
}

exit_code exit_code_of(admin_refusal x) {
  switch (x) {
    case admin_refusal::authentication_required:
    case admin_refusal::wrong_password:
      return exit_code::auth;
    default:
      return exit_code::failed;
  }
}

std::string fail_line(const cli_options& o, const std::string& why) {
  return "FAIL " + subject(o) + ": " + why;
}

output failure(const cli_options& o, exit_code code, const std::string& why) {
  return {code, {}, fail_line(o, why) + "\n"};
}

output format_status(const cli_options& o, const admin_status_reply& r) {
  output result;
  if (o.json) {
    auto j = nlohmann::json::parse(r.json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return failure(o, exit_code::failed, "the node sent malformed JSON");
    result.out = j.dump() + "\n";
    return result;
  }
  for (auto& kv : r.keys)
    result.out += kv.key + ": " + kv.value + "\n";
  return result;
}

output format_health(const cli_options& o, const admin_health_reply& r) {
  output result;
  auto commit_lag = r.commit_lag_known ? std::to_string(r.commit_lag)
                                       : std::string{"None"};
  if (o.json) {
    nlohmann::json j{{"healthy", r.healthy},     {"running", r.running},
                     {"role", r.role},           {"leader", r.leader},
                     {"has_quorum", r.has_quorum}, {"ready", r.ready},
                     {"member", r.member},       {"apply_lag", r.apply_lag},
                     {"max_lag", r.max_lag},     {"problems", r.problems}};
    if (r.commit_lag_known)
      j["commit_lag"] = r.commit_lag;
    else
      j["commit_lag"] = nullptr;
    result.out = j.dump() + "\n";
  } else {
    result.out = "healthy: " + py_bool(r.healthy) + "\n"
                 + "running: " + py_bool(r.running) + "\n"
                 + "role: " + r.role + "\n"
                 + "leader: " + (r.leader.empty() ? "None" : r.leader) + "\n"
                 + "has_quorum: " + py_bool(r.has_quorum) + "\n"
                 + "ready: " + py_bool(r.ready) + "\n"
                 + "member: " + r.member + "\n"
                 + "commit_lag: " + commit_lag + "\n"
                 + "apply_lag: " + std::to_string(r.apply_lag) + "\n"
                 + "max_lag: " + std::to_string(r.max_lag) + "\n";
  }
  if (!r.healthy) {
    result.code = exit_code::failed;
    result.err = "UNHEALTHY: " + r.problems + "\n";
  }
  return result;
}

output format_metrics(const admin_metrics_reply& r) {
  return {exit_code::ok, r.text, {}};
}

output format_change(const cli_options& o, const change_result& r) {
  output result;
  result.code = exit_code_of(r.reason);
  auto reason = std::string{to_string(r.reason)};
  if (o.json)
    result.out = outcome_json(o, r.ok(), reason, r.detail);
  if (r.ok()) {
    if (!o.json)
      result.out = "SUCCESS " + subject(o) + "\n";
    return result;
  }
  auto why = r.detail.empty() ? reason : reason + ": " + r.detail;
  result.err = fail_line(o, why) + "\n";
  return result;
}

output format_refusal(const cli_options& o, admin_refusal x,
                      const std::string& detail) {
  output result;
  result.code = exit_code_of(x);
  auto reason = std::string{to_string(x)};
  if (o.json)
    result.out = outcome_json(o, false, reason, detail);
  result.err = fail_line(o, detail.empty() ? reason : reason + ": " + detail)
               + "\n";
  return result;
}

} // namespace flexsync::admin
