#include "protocol/log_entry.hpp"

#include <catch2/catch.hpp>

#include "field_filler.hpp"

using namespace flexsync;

TEST_CASE("new log entry is an empty no-op", "[log_entry]") {
  log_entry e;
  CHECK(e.index == index_t{0});
  CHECK(e.term == term_t{0});
  CHECK(e.kind == entry_kind::noop);
  CHECK(e.client_id == 0);
  CHECK(e.request_id == 0);
  CHECK(e.data.empty());
}

TEST_CASE("entry byte size is its payload plus a fixed overhead",
          "[log_entry]") {
  log_entry e;
  CHECK(e.byte_size() == log_entry::overhead_bytes);
  e.data = std::string(100, 'x');
  CHECK(e.byte_size() == 100 + log_entry::overhead_bytes);
}

TEST_CASE("entries are equal only when every field is", "[log_entry]") {
  log_entry a;
  a.index = index_t{1};
  a.term = term_t{2};
  a.kind = entry_kind::command;
  a.client_id = 3;
  a.request_id = 4;
  a.data = "x";
  auto b = a;
  CHECK(a == b);
  b.term = term_t{3};
  CHECK_FALSE(a == b);
  b = a;
  b.request_id = 5;
  CHECK_FALSE(a == b);
  b = a;
  b.kind = entry_kind::config;
  CHECK_FALSE(a == b);
}

TEST_CASE("entry kinds have stable numbers", "[log_entry]") {
  CHECK(static_cast<int>(entry_kind::noop) == 0);
  CHECK(static_cast<int>(entry_kind::command) == 1);
  CHECK(static_cast<int>(entry_kind::config) == 2);
  CHECK(static_cast<int>(entry_kind::version) == 3);
}

TEST_CASE("inspect visits every field of a log entry", "[log_entry]") {
  test::field_filler f;
  log_entry e;
  inspect(f, e);
  CHECK(e.index != index_t{});
  CHECK(e.term != term_t{});
  CHECK(e.kind != entry_kind::noop);
  CHECK(e.client_id != 0);
  CHECK(e.request_id != 0);
  CHECK(e.time != 0);
  CHECK_FALSE(e.data.empty());
  CHECK(f.visited == 7);
}
