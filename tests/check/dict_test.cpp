#include "scenarios/check/checker.hpp"
#include "scenarios/check/models.hpp"

#include <catch2/catch.hpp>

using namespace flexsync::check;

namespace {

const dict_model dict;

operation at(const char* key, operation op) {
  return on_key(key, std::move(op));
}

} // namespace

TEST_CASE("a missing key reads as nil, before a put and after an erase",
          "[dict]") {
  history h{at("x", ok_op(1, 0, 10, get(), returns_nil())),
            at("x", ok_op(1, 20, 30, put(7))),
            at("x", ok_op(2, 40, 50, get(), returns(7))),
            at("x", ok_op(2, 60, 70, erase())),
            at("x", ok_op(1, 80, 90, get(), returns_nil()))};
  CHECK(check_history(dict, h).result == verdict::linearizable);
  h[4].output = returns(7);
  CHECK(check_history(dict, h).result == verdict::not_linearizable);
}

TEST_CASE("keys are independent: a put on one is invisible on another",
          "[dict]") {
  history h{at("x", ok_op(1, 0, 10, put(1))),
            at("y", ok_op(2, 20, 30, get(), returns(1)))};
  CHECK(check_history(dict, h).result == verdict::not_linearizable);
}

TEST_CASE("the report names only the failing key's ops", "[dict][report]") {
  // Key a is fine, key b has a stale read, key c is fine; noise on b too.
  history h{at("a", ok_op(1, 0, 10, put(1))),
            at("b", ok_op(2, 0, 10, put(2))),
            at("c", ok_op(3, 0, 10, put(3))),
            at("b", ok_op(3, 5, 15, get(), returns_nil())),
            at("a", ok_op(1, 20, 30, get(), returns(1))),
            at("b", ok_op(2, 20, 30, put(4))),
            at("b", ok_op(1, 40, 50, get(), returns(2))),
            at("c", ok_op(2, 40, 50, get(), returns(3)))};
  auto r = check_history(dict, h);
  REQUIRE(r.result == verdict::not_linearizable);
  REQUIRE(r.partitions.size() == 3);
  CHECK(r.partitions[0].key == "a");
  CHECK(r.partitions[0].result == verdict::linearizable);
  CHECK(r.partitions[2].result == verdict::linearizable);
  const auto& b = r.partitions[1];
  CHECK(b.key == "b");
  CHECK(b.operations == 4);
  REQUIRE(b.result == verdict::not_linearizable);
  // put(4) completed before the get that saw 2: those two suffice.
  REQUIRE(b.violation.size() == 2);
  CHECK(b.violation[0].input == put(4));
  CHECK(b.violation[1].input == get());
  CHECK(b.violation[1].output == returns(2));
  auto text = r.describe(dict);
  CHECK(text.find("key b: not linearizable") != std::string::npos);
  CHECK(text.find("key a") == std::string::npos);
  CHECK(text.find("key c") == std::string::npos);
  CHECK(text.find("client 2 key b  20..30  put(4) -> ok")
        != std::string::npos);
  CHECK(text.find("client 1 key b  40..50  get() -> 2") != std::string::npos);
}

TEST_CASE("an info put on one key explains only that key's reads",
          "[dict][info]") {
  history h{at("x", info_op(1, 0, put(9))),
            at("x", ok_op(2, 10, 20, get(), returns(9))),
            at("y", ok_op(2, 30, 40, get(), returns_nil()))};
  CHECK(check_history(dict, h).result == verdict::linearizable);
  h[2].output = returns(9);
  CHECK(check_history(dict, h).result == verdict::not_linearizable);
}
