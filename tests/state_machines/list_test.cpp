// repl_list: every operation and edge case beyond repl_list_unit, on a
// one-node cluster.

#include <catch2/catch.hpp>

#include <list>
#include <string>
#include <vector>

#include "state_machines/repl_list.hpp"
#include "tests/actors/local_cluster.hpp"
#include "tests/state_machines/battery_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using list_t = std::vector<int64_t>;

using lists = local_cluster<repl_list<int64_t>, repl_list<std::string>,
                            repl_list<task>>;

} // namespace

TEST_CASE("repl_list positions count from the end when negative",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  l.reset({1, 2, 3, 4}).get();
  CHECK(l.get(-1) == 4);
  CHECK(l[-4] == 1);
  l.set(-2, 30).get();
  CHECK(l.raw_data() == list_t{1, 2, 30, 4});
  CHECK(l.pop(-3).get() == 2);
  CHECK(l.raw_data() == list_t{1, 30, 4});
  CHECK(l.pop().get() == 4);
  CHECK(l.raw_data() == list_t{1, 30});
}

TEST_CASE("repl_list out-of-range positions are errors that change nothing",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  l.reset({1, 2, 3}).get();
  CHECK(battery_error_of([&] { l.set(3, 0).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.set(-4, 0).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.set_item(7, 0).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.pop(3).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.pop(-4).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.remove(9).get(); })
        == battery_errc::value_not_found);
  CHECK(l.raw_data() == list_t{1, 2, 3});
  CHECK(read_error_of([&] { (void) l.get(3); })
        == battery_errc::index_out_of_range);
  CHECK(read_error_of([&] { (void) l[-4]; })
        == battery_errc::index_out_of_range);
  CHECK(read_error_of([&] { (void) l.index(9); })
        == battery_errc::value_not_found);
}

TEST_CASE("repl_list pop() on an empty list is index_out_of_range",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  CHECK(battery_error_of([&] { l.pop().get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.pop(0).get(); })
        == battery_errc::index_out_of_range);
  CHECK(battery_error_of([&] { l.pop(-1).get(); })
        == battery_errc::index_out_of_range);
  CHECK(l.size() == 0);
  // then() receives the error as a value, with a default result.
  report<std::pair<int64_t, caf::error>> r;
  l.pop().then([p = r.sink()](int64_t v, const caf::error& err) {
    p->set_value({v, err});
  });
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK(got->first == 0);
  CHECK(got->second == battery_errc::index_out_of_range);
}

TEST_CASE("repl_list insert clamps positions to the ends", "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  l.insert(5, 1).get(); // empty list: position 5 is the end
  l.insert(100, 3).get();
  l.insert(-100, 0).get();
  l.insert(-1, 2).get(); // before the last element, as in Python
  l.insert(2, 9).get();
  CHECK(l.raw_data() == list_t{0, 1, 9, 2, 3});
}

TEST_CASE("repl_list remove, index and count use the first equal element",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<1>(0);
  l.reset({"a", "b", "a", "c"}).get();
  CHECK(l.index("a") == 0);
  CHECK(l.count("a") == 2);
  CHECK(l.count("z") == 0);
  l.remove("a").get();
  CHECK(l.raw_data() == std::vector<std::string>{"b", "a", "c"});
  CHECK(l.index("a") == 1);
}

TEST_CASE("repl_list extend takes any range, append adds one",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  l.extend(list_t{1, 2}).get();
  l.extend(std::list<int>{3, 4}).get();
  l.extend(list_t{}).get();
  l.append(5).get();
  CHECK(l.raw_data() == list_t{1, 2, 3, 4, 5});
  l.reset({}).get();
  CHECK(l.size() == 0);
}

TEST_CASE("repl_list sort is stable ascending and descending",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<2>(0);
  // Equal priorities keep their order both ways, as Python's sort does.
  l.reset({{2, "x"}, {1, "a"}, {2, "y"}, {1, "b"}, {3, "z"}}).get();
  l.sort().get();
  CHECK(l.raw_data()
        == std::vector<task>{{1, "a"}, {1, "b"}, {2, "x"}, {2, "y"}, {3, "z"}});
  l.reset({{2, "x"}, {1, "a"}, {2, "y"}, {1, "b"}, {3, "z"}}).get();
  l.sort(true).get();
  CHECK(l.raw_data()
        == std::vector<task>{{3, "z"}, {2, "x"}, {2, "y"}, {1, "a"}, {1, "b"}});
}

TEST_CASE("repl_list calls work in all three modes", "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  l.append(1).post();
  report<caf::error> r;
  l.append(2).then([p = r.sink()](const caf::error& err) { p->set_value(err); });
  auto got = r.wait();
  REQUIRE(got.has_value());
  CHECK_FALSE(*got);
  // The post was submitted first, so it is applied first.
  CHECK(l.raw_data() == list_t{1, 2});
  CHECK(l.pop(0).get() == 1);
}

TEST_CASE("repl_list arguments of the wrong types are refused",
          "[batteries][list]") {
  lists c{{"a"}};
  REQUIRE(c.wait_all_ready());
  auto& l = c.object<0>(0);
  l.append(1).get();
  // A node built with other element types would send these.
  using strings = repl_list<std::string>;
  auto wrong = [&] {
    l.call<void>(strings::append_atom::value,
                 detail::pack(std::string{"x"}, std::string{"y"}))
      .get();
  };
  CHECK(battery_error_of(wrong) == battery_errc::bad_arguments);
  CHECK(l.raw_data() == list_t{1});
}
