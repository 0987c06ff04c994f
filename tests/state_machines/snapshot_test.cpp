// save()/load() of every battery: a state written by save() and read by
// load() into a fresh object is the same state; a snapshot that does not
// decode is refused and changes nothing.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_list.hpp"
#include "state_machines/repl_set.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using everything
  = local_cluster<repl_list<std::string>, repl_dict<int64_t, std::string>,
                  repl_set<int64_t>, repl_queue<task>,
                  repl_priority_queue<task>>;

/// Bytes that decode as no battery's state: a sequence length far beyond
/// the buffer.
std::vector<char> garbage() {
  return std::vector<char>(3, '\xff');
}

template <class Object>
caf::error load_bytes(Object& x, const std::vector<char>& buf) {
  caf::binary_deserializer source{nullptr, buf};
  return x.load(source);
}

} // namespace

TEST_CASE("every battery survives a snapshot round trip",
          "[batteries][snapshot]") {
  everything c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  auto& d = c.object<1>(0);
  auto& s = c.object<2>(0);
  auto& q = c.object<3>(0);
  auto& pq = c.object<4>(0);
  l.reset({"x", "", std::string("with\0nul", 8)}).get();
  d.update({{-5, "minus five"}, {7, ""}, {1 << 30, "big"}}).get();
  s.reset({-1, 0, 1, INT64_MAX, INT64_MIN}).get();
  for (auto& t : std::vector<task>{{3, "c"}, {1, "a"}, {3, "d"}, {1, "b"}}) {
    CHECK(q.put(t).get());
    CHECK(pq.put(t).get());
  }

  repl_list<std::string> l2;
  repl_dict<int64_t, std::string> d2;
  repl_set<int64_t> s2;
  repl_queue<task> q2;
  repl_priority_queue<task> pq2;
  CHECK_FALSE(snapshot_round_trip(l, l2));
  CHECK_FALSE(snapshot_round_trip(d, d2));
  CHECK_FALSE(snapshot_round_trip(s, s2));
  CHECK_FALSE(snapshot_round_trip(q, q2));
  CHECK_FALSE(snapshot_round_trip(pq, pq2));
  CHECK(l2.raw_data() == l.raw_data());
  CHECK(d2.raw_data() == d.raw_data());
  CHECK(s2.raw_data() == s.raw_data());
  CHECK(q2.raw_data() == q.raw_data());
  // Equal elements keep their order through a snapshot.
  CHECK(pq2.raw_data()
        == std::vector<task>{{1, "a"}, {1, "b"}, {3, "c"}, {3, "d"}});
  CHECK(pq2.raw_data() == pq.raw_data());
  // A reloaded state writes the same bytes.
  CHECK(snapshot_of(pq2) == snapshot_of(pq));
  CHECK(snapshot_of(d2) == snapshot_of(d));
}

TEST_CASE("an empty battery survives a snapshot round trip",
          "[batteries][snapshot]") {
  repl_list<int64_t> l, l2;
  CHECK_FALSE(snapshot_round_trip(l, l2));
  CHECK(l2.size() == 0);
  repl_priority_queue<int64_t> pq, pq2;
  CHECK_FALSE(snapshot_round_trip(pq, pq2));
  CHECK(pq2.empty());
}

TEST_CASE("a snapshot that does not decode changes nothing",
          "[batteries][snapshot]") {
  everything c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  auto& d = c.object<1>(0);
  l.reset({"keep"}).get();
  d.set(1, "keep").get();
  CHECK(load_bytes(l, garbage()));
  CHECK(load_bytes(d, garbage()));
  CHECK(l.raw_data() == std::vector<std::string>{"keep"});
  CHECK(d.raw_data() == std::map<int64_t, std::string>{{1, "keep"}});
  // A snapshot of another battery type does not decode either.
  repl_set<int64_t> s;
  CHECK(load_bytes(s, snapshot_of(l)));
  CHECK(s.size() == 0);
}
