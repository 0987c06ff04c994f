#include "protocol/types.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <unordered_set>

#include "field_filler.hpp"

using namespace flexsync;

TEST_CASE("strong numbers compare by value", "[types]") {
  CHECK(index_t{3} == index_t{3});
  CHECK(index_t{3} != index_t{4});
  CHECK(index_t{3} < index_t{4});
  CHECK(term_t{7} > term_t{2});
  CHECK(term_t{} == term_t{0});
  CHECK(index_t{}.value == 0);
}

TEST_CASE("strong numbers add offsets and subtract positions", "[types]") {
  auto i = index_t{10};
  CHECK(i + 5 == index_t{15});
  CHECK(i - 3 == index_t{7});
  CHECK(index_t{15} - index_t{10} == uint64_t{5});
  ++i;
  CHECK(i == index_t{11});
  CHECK((++i).value == 12);
}

TEST_CASE("strong numbers are usable in constant expressions", "[types]") {
  constexpr auto x = term_t{2} + 3;
  static_assert(x == term_t{5});
  static_assert(index_t{9} - index_t{4} == 5);
  CHECK(x.value == 5);
}

TEST_CASE("strong numbers render as their value", "[types]") {
  std::ostringstream out;
  out << term_t{42} << '/' << index_t{7};
  CHECK(out.str() == "42/7");
  CHECK(to_string(index_t{123}) == "123");
  CHECK(to_string(term_t{0}) == "0");
}

TEST_CASE("node ids compare and render by name", "[types]") {
  node_id a{"a"};
  node_id b{"b"};
  CHECK(a < b);
  CHECK(a == node_id{"a"});
  CHECK(node_id{}.empty());
  CHECK_FALSE(a.empty());
  CHECK(to_string(b) == "b");
  std::ostringstream out;
  out << node_id{"127.0.0.1:4321"};
  CHECK(out.str() == "127.0.0.1:4321");
}

TEST_CASE("node ids hash by name", "[types]") {
  std::unordered_set<node_id> xs{node_id{"a"}, node_id{"b"}, node_id{"a"}};
  CHECK(xs.size() == 2);
  CHECK(std::hash<node_id>{}(node_id{"x"})
        == std::hash<std::string>{}(std::string{"x"}));
}

TEST_CASE("roles render as words with PySyncObj's numbers", "[types]") {
  CHECK(std::string{to_string(raft_role::follower)} == "follower");
  CHECK(std::string{to_string(raft_role::candidate)} == "candidate");
  CHECK(std::string{to_string(raft_role::leader)} == "leader");
  CHECK(static_cast<int>(raft_role::follower) == 0);
  CHECK(static_cast<int>(raft_role::candidate) == 1);
  CHECK(static_cast<int>(raft_role::leader) == 2);
}

TEST_CASE("inspect visits strong numbers and node ids", "[types]") {
  test::field_filler f;
  term_t t;
  node_id n;
  inspect(f, t);
  inspect(f, n);
  CHECK(t != term_t{});
  CHECK_FALSE(n.empty());
  CHECK(f.visited == 2);
}
