#include "protocol/code_version.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

using kind = version_admission::kind;
using step = version_step::kind;

voter_version supports(const std::string& id, uint32_t v) {
  return {node_id{id}, v};
}

voter_version silent(const std::string& id) {
  return {node_id{id}, std::nullopt};
}

} // namespace

TEST_CASE("a version entry payload survives encoding", "[code_version]") {
  for (uint32_t v : {0u, 1u, 7u, 4294967295u})
    CHECK(decode_code_version(encode_code_version(v)) == v);
}

TEST_CASE("a malformed version entry payload decodes to nothing",
          "[code_version]") {
  for (auto bad : {"", "2", "{}", "[1]", R"({"v":1})", R"({"code_version":2})",
                   R"({"v":2,"code_version":2})", R"({"v":1,"code_version":-1})",
                   R"({"v":1,"code_version":1.5})",
                   R"({"v":1,"code_version":"2"})",
                   R"({"v":1,"code_version":4294967296})"})
    CHECK_FALSE(decode_code_version(bad));
}

TEST_CASE("the newest handler set at or below the enabled version comes first",
          "[code_version]") {
  std::vector<uint32_t> declared{0, 2, 5};
  CHECK(versions_in_effect(declared, 0) == std::vector<uint32_t>{0});
  CHECK(versions_in_effect(declared, 1) == std::vector<uint32_t>{0});
  CHECK(versions_in_effect(declared, 2) == std::vector<uint32_t>{2, 0});
  CHECK(versions_in_effect(declared, 4) == std::vector<uint32_t>{2, 0});
  CHECK(versions_in_effect(declared, 9) == std::vector<uint32_t>{5, 2, 0});
}

TEST_CASE("handler sets declared out of order or twice count once",
          "[code_version]") {
  CHECK(versions_in_effect({3, 1, 3}, 3) == std::vector<uint32_t>{3, 1});
  // An object whose first set is version 1 has nothing before it.
  CHECK(versions_in_effect({1}, 0).empty());
}

TEST_CASE("a version entry switches up, never down", "[code_version]") {
  auto s = apply_version_entry(1, 2, 2);
  CHECK(s.what == step::change);
  CHECK(s.next == 2);
  for (uint32_t old : {0u, 2u}) {
    s = apply_version_entry(2, old, 5);
    CHECK(s.what == step::unchanged);
    CHECK(s.next == 2);
  }
}

TEST_CASE("a version entry beyond what the binary supports stops the replica",
          "[code_version]") {
  auto s = apply_version_entry(1, 3, 2);
  CHECK(s.what == step::unsupported);
  CHECK(s.next == 1);
  // Unless it changes nothing: an old entry replayed by an old binary.
  CHECK(apply_version_entry(3, 3, 2).what == step::unchanged);
}

TEST_CASE("set-version is accepted when every voter supports it",
          "[code_version]") {
  auto a = admit_code_version(2, 1, {supports("a", 2), supports("b", 3),
                                     supports("c", 2)});
  CHECK(a.what == kind::accepted);
}

TEST_CASE("set-version of the enabled version is a success with nothing to do",
          "[code_version]") {
  auto a = admit_code_version(2, 2, {supports("a", 1), silent("b")});
  CHECK(a.what == kind::already);
  CHECK(a.detail == "code version 2 is already enabled");
  CHECK(admit_code_version(0, 0, {}).what == kind::already);
}

TEST_CASE("set-version below the enabled version is refused as a downgrade",
          "[code_version]") {
  auto a = admit_code_version(1, 2, {supports("a", 2)});
  CHECK(a.what == kind::denied);
  CHECK(a.detail
        == "downgrades are not supported: code version 2 is enabled, 1 is "
           "lower");
}

TEST_CASE("set-version names the voters that lack it or did not answer",
          "[code_version]") {
  auto a = admit_code_version(2, 1, {supports("a", 2), supports("b", 1),
                                     silent("c"), supports("d", 0)});
  CHECK(a.what == kind::denied);
  CHECK(a.detail
        == "code version 2 is not supported by every voter: b supports up to "
           "1, d supports up to 0; no answer from c");
  a = admit_code_version(2, 1, {supports("a", 2), silent("c")});
  CHECK(a.detail
        == "code version 2 is not supported by every voter: no answer from c");
}

TEST_CASE("set-version waits for a learner that answered and lacks it, not "
          "for a silent one",
          "[code_version]") {
  auto learner = [](voter_version v) {
    v.learner = true;
    return v;
  };
  auto a = admit_code_version(2, 1, {supports("a", 2), supports("b", 2),
                                     learner(supports("r", 1))});
  CHECK(a.what == kind::denied);
  CHECK(a.detail
        == "code version 2 is not supported by every learner: r (a learner) "
           "supports up to 1");
  a = admit_code_version(2, 1, {supports("a", 2), supports("b", 1),
                                learner(supports("r", 1))});
  CHECK(a.detail
        == "code version 2 is not supported by every voter and learner: b "
           "supports up to 1, r (a learner) supports up to 1");
  CHECK(admit_code_version(2, 1, {supports("a", 2), learner(silent("r")),
                                  learner(supports("s", 3))})
          .what
        == kind::accepted);
  // Learners never make "no voter supports it" true or false.
  a = admit_code_version(9, 1, {supports("a", 2), learner(supports("r", 9))});
  CHECK(a.detail
        == "no voter supports code version 9 (the highest any voter supports "
           "is 2)");
}

TEST_CASE("set-version that no voter supports says so", "[code_version]") {
  auto a = admit_code_version(9, 1, {supports("a", 2), supports("b", 3)});
  CHECK(a.what == kind::denied);
  CHECK(a.detail
        == "no voter supports code version 9 (the highest any voter supports "
           "is 3)");
}

TEST_CASE("a typed version is digits only", "[code_version]") {
  CHECK(parse_code_version("0") == 0u);
  CHECK(parse_code_version("42") == 42u);
  CHECK(parse_code_version("4294967295") == 4294967295u);
  for (auto bad : {"", "-1", "+1", " 1", "1 ", "two", "1.0", "4294967296"})
    CHECK_FALSE(parse_code_version(bad));
}
