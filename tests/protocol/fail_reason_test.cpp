#include "protocol/fail_reason.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace flexsync;

namespace {

const std::vector<fail_reason> all_reasons{
  fail_reason::success,        fail_reason::queue_full,
  fail_reason::no_leader,      fail_reason::discarded,
  fail_reason::not_leader,     fail_reason::leader_changed,
  fail_reason::request_denied, fail_reason::stopped,
  fail_reason::timeout,        fail_reason::quorum_lost,
  fail_reason::bad_command,    fail_reason::would_block,
  fail_reason::change_in_progress,
};

} // namespace

TEST_CASE("each fail reason renders as its own name", "[fail_reason]") {
  CHECK(std::string{to_string(fail_reason::success)} == "success");
  CHECK(std::string{to_string(fail_reason::queue_full)} == "queue_full");
  CHECK(std::string{to_string(fail_reason::no_leader)} == "no_leader");
  CHECK(std::string{to_string(fail_reason::discarded)} == "discarded");
  CHECK(std::string{to_string(fail_reason::not_leader)} == "not_leader");
  CHECK(std::string{to_string(fail_reason::leader_changed)}
        == "leader_changed");
  CHECK(std::string{to_string(fail_reason::request_denied)}
        == "request_denied");
  CHECK(std::string{to_string(fail_reason::stopped)} == "stopped");
  CHECK(std::string{to_string(fail_reason::timeout)} == "timeout");
  CHECK(std::string{to_string(fail_reason::quorum_lost)} == "quorum_lost");
  CHECK(std::string{to_string(fail_reason::bad_command)} == "bad_command");
  CHECK(std::string{to_string(fail_reason::would_block)} == "would_block");
  CHECK(std::string{to_string(fail_reason::change_in_progress)}
        == "change_in_progress");
  std::set<std::string> names;
  for (auto x : all_reasons)
    names.insert(to_string(x));
  CHECK(names.size() == all_reasons.size());
}

TEST_CASE("fail reason numbers are stable", "[fail_reason]") {
  for (size_t i = 0; i < all_reasons.size(); ++i)
    CHECK(static_cast<size_t>(all_reasons[i]) == i);
}

TEST_CASE("only reasons that rule out application prove not applied",
          "[fail_reason]") {
  std::set<fail_reason> not_applied{
    fail_reason::queue_full,     fail_reason::no_leader,
    fail_reason::discarded,      fail_reason::not_leader,
    fail_reason::leader_changed, fail_reason::request_denied,
    fail_reason::bad_command,    fail_reason::would_block,
    fail_reason::change_in_progress,
  };
  for (auto x : all_reasons) {
    INFO(to_string(x));
    CHECK(proves_not_applied(x) == (not_applied.count(x) > 0));
  }
}

TEST_CASE("outcome of success, stop, timeout and lost quorum is unknown",
          "[fail_reason]") {
  static_assert(!proves_not_applied(fail_reason::success));
  CHECK_FALSE(proves_not_applied(fail_reason::stopped));
  CHECK_FALSE(proves_not_applied(fail_reason::timeout));
  CHECK_FALSE(proves_not_applied(fail_reason::quorum_lost));
}
