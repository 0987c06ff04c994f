// What flexsync-admin prints and returns (admin/admin_format.hpp): PySyncObj's
// result and status lines, JSON, exactly one stderr line per failure, and
// the exit code of every outcome. CAF-free.

#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "admin/admin_format.hpp"

using namespace flexsync;
using namespace flexsync::admin;

namespace {

cli_options opts(command cmd, std::string arg = {}, bool json = false) {
  cli_options o;
  o.conn = "127.0.0.1:7101";
  o.cmd = cmd;
  o.arg = std::move(arg);
  o.json = json;
  return o;
}

/// Empty, or one line ending in a newline.
bool one_line_or_none(const std::string& x) {
  return x.empty()
         || (std::count(x.begin(), x.end(), '\n') == 1 && x.back() == '\n');
}

} // namespace

TEST_CASE("status prints PySyncObj's key: value lines, or the node's JSON") {
  admin_status_reply r;
  r.json = R"({"role":"leader","term":3})";
  r.keys = {{"commit_idx", "7"}, {"leader", "127.0.0.1:7001"}};
  auto text = format_status(opts(command::status), r);
  CHECK(text.code == exit_code::ok);
  CHECK(text.out == "commit_idx: 7\nleader: 127.0.0.1:7001\n");
  CHECK(text.err.empty());
  auto json = format_status(opts(command::status, {}, true), r);
  CHECK(json.code == exit_code::ok);
  CHECK(json.out == "{\"role\":\"leader\",\"term\":3}\n");
  r.json = "{not json";
  auto broken = format_status(opts(command::status, {}, true), r);
  CHECK(broken.code == exit_code::failed);
  CHECK(broken.out.empty());
  CHECK(broken.err == "FAIL STATUS: the node sent malformed JSON\n");
}

TEST_CASE("a change prints SUCCESS on stdout or one FAIL line on stderr") {
  auto add = opts(command::add, "127.0.0.1:7004");
  auto done = format_change(add, change_result::success("already a voter"));
  CHECK(done.code == exit_code::ok);
  CHECK(done.out == "SUCCESS ADD 127.0.0.1:7004\n");
  CHECK(done.err.empty());
  auto remove = opts(command::remove, "127.0.0.1:7004");
  auto denied = format_change(remove, change_result::denied("last voter"));
  CHECK(denied.code == exit_code::failed);
  CHECK(denied.out.empty());
  CHECK(denied.err
        == "FAIL REMOVE 127.0.0.1:7004: request_denied: last voter\n");
  auto busy = format_change(
    add, {fail_reason::change_in_progress, "another change is in flight"});
  CHECK(busy.code == exit_code::in_progress);
  CHECK(busy.err == "FAIL ADD 127.0.0.1:7004: change_in_progress: another "
                    "change is in flight\n");
  auto late = format_change(add, {fail_reason::timeout, ""});
  CHECK(late.code == exit_code::timeout);
  CHECK(late.err == "FAIL ADD 127.0.0.1:7004: timeout\n");
  auto learner = format_change(opts(command::add_learner, "h:1"),
                               change_result::success());
  CHECK(learner.out == "SUCCESS ADD_LEARNER h:1\n");
  CHECK(format_change(opts(command::compact), change_result::success()).out
        == "SUCCESS COMPACT\n");
}

TEST_CASE("every fail reason maps to the documented exit code") {
  CHECK(exit_code_of(fail_reason::success) == exit_code::ok);
  CHECK(exit_code_of(fail_reason::request_denied) == exit_code::failed);
  CHECK(exit_code_of(fail_reason::change_in_progress)
        == exit_code::in_progress);
  CHECK(exit_code_of(fail_reason::timeout) == exit_code::timeout);
  for (auto r : {fail_reason::no_leader, fail_reason::stopped,
                 fail_reason::quorum_lost, fail_reason::would_block})
    CHECK(exit_code_of(r) == exit_code::failed);
  CHECK(exit_code_of(admin_refusal::authentication_required)
        == exit_code::auth);
  CHECK(exit_code_of(admin_refusal::wrong_password) == exit_code::auth);
  CHECK(exit_code_of(admin_refusal::not_supported) == exit_code::failed);
  CHECK(exit_code_of(admin_refusal::busy) == exit_code::failed);
}

TEST_CASE("json output is one object for a change whatever its outcome") {
  auto o = opts(command::remove, "127.0.0.1:7004", true);
  auto denied = format_change(o, change_result::denied("no"));
  auto j = nlohmann::json::parse(denied.out);
  CHECK(j["command"] == "remove");
  CHECK(j["arg"] == "127.0.0.1:7004");
  CHECK(j["ok"] == false);
  CHECK(j["reason"] == "request_denied");
  CHECK(j["detail"] == "no");
  CHECK(denied.err == "FAIL REMOVE 127.0.0.1:7004: request_denied: no\n");
  auto done = format_change(o, change_result::success());
  CHECK(nlohmann::json::parse(done.out)["ok"] == true);
  CHECK(done.err.empty());
}

TEST_CASE("refusals and failures are one stderr line with their exit code") {
  auto sv = format_refusal(opts(command::set_version, "3"),
                           admin_refusal::not_supported,
                           "set-version is not supported by this node yet");
  CHECK(sv.code == exit_code::failed);
  CHECK(sv.out.empty());
  CHECK(sv.err == "FAIL SET_VERSION 3: not supported: set-version is not "
                  "supported by this node yet\n");
  auto pw = format_refusal(opts(command::status),
                           admin_refusal::wrong_password, "");
  CHECK(pw.code == exit_code::auth);
  CHECK(pw.err == "FAIL STATUS: wrong password\n");
  auto gone = failure(opts(command::health), exit_code::unreachable,
                      "cannot connect to 127.0.0.1:7101");
  CHECK(gone.code == exit_code::unreachable);
  CHECK(gone.out.empty());
  CHECK(gone.err == "FAIL HEALTH: cannot connect to 127.0.0.1:7101\n");
  for (auto* x : {&sv, &pw, &gone})
    CHECK(one_line_or_none(x->err));
}

TEST_CASE("health prints its summary and unhealthy is exit 1 with the "
          "reasons") {
  admin_health_reply h;
  h.running = h.has_quorum = h.ready = h.healthy = true;
  h.role = "follower";
  h.leader = "127.0.0.1:7001";
  h.member = "intact";
  h.max_lag = 1000;
  auto fine = format_health(opts(command::health), h);
  CHECK(fine.code == exit_code::ok);
  CHECK(fine.err.empty());
  CHECK(fine.out.find("healthy: True\n") == 0);
  CHECK(fine.out.find("leader: 127.0.0.1:7001\n") != std::string::npos);
  CHECK(fine.out.find("commit_lag: None\n") != std::string::npos);
  h.healthy = false;
  h.leader.clear();
  h.problems = "no leader known";
  auto sick = format_health(opts(command::health, {}, true), h);
  CHECK(sick.code == exit_code::failed);
  CHECK(sick.err == "UNHEALTHY: no leader known\n");
  auto j = nlohmann::json::parse(sick.out);
  CHECK(j["healthy"] == false);
  CHECK(j["commit_lag"].is_null());
  CHECK(j["problems"] == "no leader known");
}

TEST_CASE("metrics are printed as the node rendered them") {
  auto m = format_metrics({"# TYPE flexsync_term gauge\nflexsync_term 3\n"});
  CHECK(m.code == exit_code::ok);
  CHECK(m.out == "# TYPE flexsync_term gauge\nflexsync_term 3\n");
}
