// Peer messages with values no switch of this node handles are malformed.

#include "protocol/well_formed.hpp"

#include "protocol/code_version.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

TEST_CASE("an append with an entry of unknown kind is malformed",
          "[well_formed]") {
  append_entries ae;
  ae.entries.resize(2);
  ae.entries[1].index = index_t{7};
  ae.entries[1].kind = entry_kind::version;
  ae.entries[1].data = encode_code_version(2);
  CHECK_FALSE(malformed(ae));
  ae.entries[1].kind = static_cast<entry_kind>(4);
  auto why = malformed(ae);
  REQUIRE(why);
  CHECK(why->find("entry 7 of unknown kind 4") != std::string::npos);
}

TEST_CASE("an append with a version entry that names no version is malformed",
          "[well_formed]") {
  append_entries ae;
  ae.entries.push_back(
    log_entry{index_t{3}, term_t{1}, entry_kind::version, 0, 0, 0, "2"});
  auto why = malformed(ae);
  REQUIRE(why);
  CHECK(*why == "append_entries with version entry 3 that names no code "
                "version");
}

TEST_CASE("a vote request of unknown campaign kind is malformed",
          "[well_formed]") {
  request_vote rv;
  rv.kind = vote_kind::recover;
  CHECK_FALSE(malformed(rv));
  rv.kind = static_cast<vote_kind>(3);
  CHECK(malformed(rv));
}

TEST_CASE("a forward reply must prove its commands were never applied",
          "[well_formed]") {
  forward_reply fr;
  for (auto r : {fail_reason::not_leader, fail_reason::queue_full})
    CHECK_FALSE(malformed(forward_reply{fr.term, r, {}, 0, {}}));
  for (auto r : {fail_reason::success, fail_reason::timeout,
                 static_cast<fail_reason>(200)})
    CHECK(malformed(forward_reply{fr.term, r, {}, 0, {}}));
}
