// repl_dict and repl_set: every operation and edge case beyond the *_unit
// scenarios, with string and integer elements, on a one-node cluster.

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "state_machines/repl_dict.hpp"
#include "state_machines/repl_set.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using strings = std::map<std::string, std::string>;

using containers
  = local_cluster<repl_dict<std::string, std::string>,
                  repl_dict<std::string, std::vector<int64_t>>,
                  repl_set<std::string>, repl_set<int64_t>>;

} // namespace

TEST_CASE("repl_dict reads of missing keys", "[batteries][dict]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& d = c.object<0>(0);
  d.set("k", "v").get();
  CHECK(d.at("k") == "v");
  CHECK(read_error_of([&] { (void) d.at("missing"); })
        == battery_errc::key_not_found);
  CHECK(d.get("missing") == std::nullopt);
  CHECK(d.get("missing", "fallback") == "fallback");
  CHECK(d.get("k", "fallback") == "v");
  CHECK_FALSE(d.contains("missing"));
}

TEST_CASE("repl_dict set and set_item overwrite, setdefault keeps",
          "[batteries][dict]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& d = c.object<0>(0);
  d.set("a", "1").get();
  d.set_item("a", "2").get();
  CHECK(d.at("a") == "2");
  CHECK(d.setdefault("a", "3").get() == "2");
  CHECK(d.at("a") == "2");
  CHECK(d.setdefault("b", "4").get() == "4");
  CHECK(d.at("b") == "4");
}

TEST_CASE("repl_dict update overwrites incoming keys, reset replaces all",
          "[batteries][dict]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& d = c.object<0>(0);
  d.reset({{"a", "1"}, {"b", "2"}}).get();
  d.update({{"b", "20"}, {"c", "30"}}).get();
  CHECK(d.raw_data() == strings{{"a", "1"}, {"b", "20"}, {"c", "30"}});
  CHECK(d.keys() == std::vector<std::string>{"a", "b", "c"});
  CHECK(d.values() == std::vector<std::string>{"1", "20", "30"});
  CHECK(d.items()
        == std::vector<std::pair<std::string, std::string>>{
          {"a", "1"}, {"b", "20"}, {"c", "30"}});
  d.update({}).get();
  CHECK(d.size() == 3);
  d.reset({{"z", "0"}}).get();
  CHECK(d.raw_data() == strings{{"z", "0"}});
}

TEST_CASE("repl_dict pop: optional without a default, fallback with one",
          "[batteries][dict]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& d = c.object<0>(0);
  d.set("a", "1").get();
  CHECK(d.pop("a", "x").get() == "1");
  CHECK(d.pop("a", "x").get() == "x");
  CHECK(d.pop("a").get() == std::nullopt);
  CHECK(d.size() == 0);
  // Asynchronously: the optional arrives as std::optional too.
  d.set("b", "2").get();
  report<std::optional<std::string>> r;
  d.pop("b").then(
    [p = r.sink()](std::optional<std::string> v, const caf::error& err) {
      CHECK_FALSE(err);
      p->set_value(std::move(v));
    });
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(*got == std::optional<std::string>{"2"});
  d.clear().get();
  CHECK(d.size() == 0);
}

TEST_CASE("repl_dict with container values", "[batteries][dict]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& d = c.object<1>(0);
  d.set("xs", {1, 2, 3}).get();
  CHECK(d.setdefault("xs", {}).get() == std::vector<int64_t>{1, 2, 3});
  CHECK(d.pop("xs").get() == std::optional<std::vector<int64_t>>{{1, 2, 3}});
  CHECK(d.pop("xs", {9}).get() == std::vector<int64_t>{9});
}

TEST_CASE("repl_set add, remove, discard and pop", "[batteries][set]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& s = c.object<2>(0);
  s.add("b").get();
  s.add("b").get(); // no-op if present
  s.add("a").get();
  CHECK(s.size() == 2);
  CHECK(battery_error_of([&] { s.remove("z").get(); })
        == battery_errc::key_not_found);
  s.discard("z").get(); // never an error
  CHECK(s.raw_data() == std::set<std::string>{"a", "b"});
  // pop() takes the smallest, the same element on every node.
  CHECK(s.pop().get() == "a");
  CHECK(s.pop().get() == "b");
  CHECK(battery_error_of([&] { s.pop().get(); })
        == battery_errc::empty_container);
  CHECK(s.size() == 0);
}

TEST_CASE("repl_set update is a union with any range, reset replaces",
          "[batteries][set]") {
  containers c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& s = c.object<3>(0);
  s.reset({5, 1}).get();
  s.update(std::vector<int64_t>{1, 2, 2, 3}).get();
  CHECK(s.raw_data() == std::set<int64_t>{1, 2, 3, 5});
  s.update({}).get();
  CHECK(s.size() == 4);
  s.reset({}).get();
  CHECK(s.size() == 0);
  CHECK_FALSE(s.contains(1));
}

TEST_CASE("two dictionaries on one node replicate independently",
          "[batteries][dict]") {
  local_cluster<repl_dict<std::string, std::string>,
                repl_dict<std::string, std::string>>
    c{{"a", "b"}};
  REQUIRE(c.wait_all_ready());
  auto& d1 = c.object<0>(0);
  auto& d2 = c.object<1>(1);
  d1.set("k", "first").get();
  d2.set("k", "second").get();
  CHECK(wait_until([&] {
    return c.object<0>(1).get("k") == std::optional<std::string>{"first"}
           && c.object<1>(0).get("k") == std::optional<std::string>{"second"};
  }));
  CHECK(c.object<0>(0).at("k") == "first");
  CHECK(c.object<1>(1).at("k") == "second");
}
