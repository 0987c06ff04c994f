// A leader's admission and de-duplication of forwarded commands
// (protocol/forward_rules).

#include <catch2/catch.hpp>

#include "protocol/forward_rules.hpp"

using namespace flexsync;

namespace {

command cmd(uint64_t client, uint64_t request) {
  command c;
  c.client_id = client;
  c.request_id = request;
  return c;
}

std::vector<uint64_t> ids(const std::vector<command>& xs) {
  std::vector<uint64_t> out;
  for (auto& x : xs)
    out.push_back(x.request_id);
  return out;
}

} // namespace

TEST_CASE("a forward is appended only in the term it was bound to, refused "
          "only for a term this node provably never led") {
  std::set<term_t> led{term_t{3}, term_t{5}};
  CHECK(admit_forward(true, term_t{5}, term_t{5}, term_t{2}, led)
        == forward_admission::append);
  // It led term 3: an earlier copy may have been appended.
  CHECK(admit_forward(true, term_t{5}, term_t{3}, term_t{2}, led)
        == forward_admission::drop);
  // Term 4 came after its start and it never led it.
  CHECK(admit_forward(true, term_t{5}, term_t{4}, term_t{2}, led)
        == forward_admission::refuse);
  // Term 2 or earlier: this incarnation cannot tell.
  CHECK(admit_forward(false, term_t{0}, term_t{2}, term_t{2}, led)
        == forward_admission::drop);
  CHECK(admit_forward(false, term_t{5}, term_t{5}, term_t{2}, led)
        == forward_admission::drop);
}

TEST_CASE("duplicated and late forwards never append a command twice") {
  forward_dedupe d;
  std::vector<command> first{cmd(1, 4), cmd(1, 5), cmd(2, 4)};
  CHECK(ids(d.take_fresh(4, first)) == std::vector<uint64_t>{4, 5, 4});
  std::vector<command> again{cmd(1, 4), cmd(1, 5), cmd(1, 6)};
  CHECK(ids(d.take_fresh(4, again)) == std::vector<uint64_t>{6});
  // Below the client's watermark: resolved at the client already.
  std::vector<command> late{cmd(1, 3), cmd(1, 7)};
  CHECK(ids(d.take_fresh(7, late)) == std::vector<uint64_t>{7});
  // Refused after all: a later copy is taken again.
  std::vector<command> refused{cmd(1, 8)};
  auto fresh = d.take_fresh(7, refused);
  d.forget(fresh);
  std::vector<command> retry{cmd(1, 8)};
  CHECK(ids(d.take_fresh(7, retry)) == std::vector<uint64_t>{8});
  d.clear();
  std::vector<command> next_term{cmd(1, 8)};
  CHECK(ids(d.take_fresh(7, next_term)) == std::vector<uint64_t>{8});
}
