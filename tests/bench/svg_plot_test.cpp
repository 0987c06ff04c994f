// The benchmark's SVG bar chart (scenarios/bench/svg_plot.hpp): a
// well-formed document with one bar and one whisker per value, on a log
// axis with a tick per decade.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scenarios/bench/svg_plot.hpp"

using namespace flexsync::bench;

namespace {

/// Whether `doc` is a sequence of properly nested elements (a prolog,
/// then start, end and empty-element tags with quoted attributes), and
/// whether it has exactly one root, an <svg>.
bool balanced(const std::string& doc, std::string& why) {
  std::vector<std::string> open;
  size_t roots = 0;
  for (size_t i = doc.find('<'); i != std::string::npos;
       i = doc.find('<', i + 1)) {
    auto end = doc.find('>', i);
    if (end == std::string::npos)
      return why = "unterminated tag", false;
    auto tag = doc.substr(i + 1, end - i - 1);
    if (tag.front() == '?')
      continue;
    auto quotes = std::count(tag.begin(), tag.end(), '"');
    if (quotes % 2 != 0 || tag.find('<') != std::string::npos)
      return why = "bad tag <" + tag + ">", false;
    if (tag.front() == '/') {
      if (open.empty() || open.back() != tag.substr(1))
        return why = "unmatched </" + tag.substr(1) + ">", false;
      open.pop_back();
      continue;
    }
    auto name = tag.substr(0, tag.find_first_of(" /"));
    if (open.empty())
      ++roots;
    if (open.empty() && name != "svg")
      return why = "root element " + name, false;
    if (tag.back() != '/')
      open.push_back(name);
  }
  if (!open.empty())
    return why = "unclosed <" + open.back() + ">", false;
  return roots == 1 || (why = "roots: " + std::to_string(roots), false);
}

size_t count(const std::string& doc, const std::string& what) {
  size_t n = 0;
  for (auto i = doc.find(what); i != std::string::npos;
       i = doc.find(what, i + 1))
    ++n;
  return n;
}

bar_chart three_systems() {
  bar_chart c;
  c.title = "commit latency";
  c.x_label = "client zone";
  c.y_label = "ms (log scale)";
  c.groups = {"VA", "OR", "JP"};
  c.series = {
      {"majority",
       {bar_value{80, 90}, bar_value{150, 160}, bar_value{230, 240}}},
      {"zones-local",
       {bar_value{0.43, 0.5}, std::nullopt, bar_value{0.44, 0.6}}},
      {"a <b> & 'c'", {bar_value{5, 5}, bar_value{6, 7}, bar_value{7, 9}}}};
  return c;
}

} // namespace

TEST_CASE("the chart is well-formed with a bar and a whisker per value") {
  auto doc = render_svg(three_systems());
  std::string why;
  CHECK(balanced(doc, why));
  INFO(why);
  CHECK(count(doc, "<rect class=\"bar\"") == 8);
  CHECK(count(doc, "<path class=\"whisker\"") == 8);
  // The legend names each series once; labels are escaped.
  CHECK(count(doc, ">majority</text>") == 1);
  CHECK(count(doc, "a &lt;b&gt; &amp; &apos;c&apos;</text>") == 1);
  CHECK(count(doc, ">client zone</text>") == 1);
  CHECK(count(doc, ">ms (log scale)</text>") == 1);
}

TEST_CASE("notes go under the legend, escaped") {
  auto c = three_systems();
  c.notes = {"grid: refused", "x < y"};
  auto doc = render_svg(c);
  std::string why;
  CHECK(balanced(doc, why));
  CHECK(count(doc, "class=\"note\"") == 2);
  CHECK(count(doc, ">x &lt; y</text>") == 1);
}

TEST_CASE("the log axis has a tick per decade spanning every value") {
  auto doc = render_svg(three_systems());
  // 0.43 .. 240 ms: decades 0.1, 1, 10, 100, 1000.
  for (auto label : {">0.1</text>", ">1</text>", ">10</text>", ">100</text>",
                     ">1000</text>"})
    CHECK(count(doc, label) == 1);
  CHECK(count(doc, ">0.01</text>") == 0);
  CHECK(count(doc, ">10000</text>") == 0);
}

TEST_CASE("the same chart renders the same document") {
  CHECK(render_svg(three_systems()) == render_svg(three_systems()));
}

TEST_CASE("a series of the wrong length or a value that is not positive is "
          "refused") {
  auto c = three_systems();
  c.series[0].values.pop_back();
  CHECK_THROWS_AS(render_svg(c), std::invalid_argument);
  c = three_systems();
  c.series[1].values[0] = bar_value{0, 1};
  CHECK_THROWS_AS(render_svg(c), std::invalid_argument);
}

TEST_CASE("an empty chart is still a well-formed document") {
  bar_chart c;
  c.groups = {"VA"};
  std::string why;
  CHECK(balanced(render_svg(c), why));
  CHECK(count(render_svg(c), "class=\"bar\"") == 0);
}
