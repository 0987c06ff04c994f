#pragma once

// A grouped bar chart as an SVG document, drawn without any dependency:
// for each group (e.g. a client zone) one bar per series (e.g. a quorum
// system) up to its median, with a whisker up to its 99th percentile, on a
// logarithmic y axis with a tick at every power of ten, axis labels and a
// legend. Used by the WAN benchmark (flexsync-wan --svg FILE).

#include <optional>
#include <string>
#include <vector>

namespace flexsync::bench {

/// One bar: its height and the top of its whisker (both positive).
struct bar_value {
  double median = 0;
  double high = 0;
};

/// A series: one value per group, or none (no bar is drawn there).
struct bar_series {
  std::string name;
  std::vector<std::optional<bar_value>> values;
};

struct bar_chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  /// The groups along the x axis, in order.
  std::vector<std::string> groups;
  std::vector<bar_series> series;
  /// Lines printed under the legend (e.g. what could not be measured).
  std::vector<std::string> notes;
  int width = 900;
  int height = 480;
};

/// The chart as a standalone SVG document. Every bar is a
/// `<rect class="bar">`, every whisker a `<path class="whisker">`; texts
/// are XML-escaped.
/// @throws std::invalid_argument when a series has a value count other
/// than the number of groups, or a value that is not positive.
std::string render_svg(const bar_chart& chart);

/// `text` with &, <, >, " and ' escaped for XML.
std::string xml_escape(const std::string& text);

} // namespace flexsync::bench
