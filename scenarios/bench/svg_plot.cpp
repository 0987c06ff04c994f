#include "scenarios/bench/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace flexsync::bench {

namespace {

constexpr const char* palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                   "#59a14f", "#edc948", "#b07aa1", "#9c755f"};
constexpr size_t palette_size = sizeof(palette) / sizeof(palette[0]);

/// Margins around the plot area; the legend sits in the right one.
constexpr double left_margin = 70;
constexpr double right_margin = 170;
constexpr double top_margin = 40;
constexpr double bottom_margin = 60;

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

/// A power of ten as a tick label: "0.01", "1", "1000".
std::string decade_label(int exponent) {
  char buf[32];
  if (exponent >= 0)
    std::snprintf(buf, sizeof buf, "%.0f", std::pow(10.0, exponent));
  else
    std::snprintf(buf, sizeof buf, "%.*f", -exponent, std::pow(10.0, exponent));
  return buf;
}

/// The y axis: decades lo..hi (exponents) mapped onto [top, bottom].
struct log_axis {
  int lo = 0;
  int hi = 1;
  double top = 0;
  double bottom = 0;
  double y(double v) const {
    auto f = (std::log10(v) - lo) / (hi - lo);
    return bottom - f * (bottom - top);
  }
};

log_axis make_axis(const bar_chart& c, double top, double bottom) {
  double lo = 0, hi = 0;
  bool any = false;
  for (auto& s : c.series) {
    if (s.values.size() != c.groups.size())
      throw std::invalid_argument(
          "series " + s.name + " has " + std::to_string(s.values.size()) +
          " values for " + std::to_string(c.groups.size()) + " groups");
    for (auto& v : s.values) {
      if (!v)
        continue;
      if (!(v->median > 0) || !(v->high > 0))
        throw std::invalid_argument("series " + s.name +
                                    ": values must be positive");
      lo = any ? std::min({lo, v->median, v->high})
               : std::min(v->median, v->high);
      hi = any ? std::max({hi, v->median, v->high})
               : std::max(v->median, v->high);
      any = true;
    }
  }
  log_axis a;
  a.top = top;
  a.bottom = bottom;
  if (any) {
    a.lo = static_cast<int>(std::floor(std::log10(lo)));
    a.hi = std::max(a.lo + 1, static_cast<int>(std::ceil(std::log10(hi))));
  }
  return a;
}

void axes(std::string& out, const bar_chart& c, const log_axis& a,
          double right) {
  out += "<g class=\"axes\" font-size=\"12\">\n";
  for (int e = a.lo; e <= a.hi; ++e) {
    auto y = num(a.y(std::pow(10.0, e)));
    out += "<line x1=\"" + num(left_margin) + "\" x2=\"" + num(right) +
           "\" y1=\"" + y + "\" y2=\"" + y +
           "\" stroke=\"#ddd\" stroke-width=\"1\"/>\n";
    out += "<text x=\"" + num(left_margin - 6) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" +
           decade_label(e) + "</text>\n";
  }
  out += "<path d=\"M" + num(left_margin) + " " + num(a.top) + " V" +
         num(a.bottom) + " H" + num(right) +
         "\" fill=\"none\" stroke=\"#333\"/>\n";
  auto mid_y = (a.top + a.bottom) / 2;
  out += "<text x=\"16\" y=\"" + num(mid_y) +
         "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " + num(mid_y) +
         ")\">" + xml_escape(c.y_label) + "</text>\n";
  out += "<text x=\"" + num((left_margin + right) / 2) + "\" y=\"" +
         num(c.height - 12.0) + "\" text-anchor=\"middle\">" +
         xml_escape(c.x_label) + "</text>\n";
  out += "</g>\n";
}

void bars(std::string& out, const bar_chart& c, const log_axis& a,
          double plot_width) {
  auto group_width = plot_width / std::max<size_t>(1, c.groups.size());
  auto n = std::max<size_t>(1, c.series.size());
  auto bar_width = group_width * 0.8 / n;
  out += "<g class=\"bars\" font-size=\"12\">\n";
  for (size_t g = 0; g < c.groups.size(); ++g) {
    auto x0 = left_margin + g * group_width + group_width * 0.1;
    out += "<text x=\"" + num(left_margin + (g + 0.5) * group_width) +
           "\" y=\"" + num(a.bottom + 18) + "\" text-anchor=\"middle\">" +
           xml_escape(c.groups[g]) + "</text>\n";
    for (size_t s = 0; s < c.series.size(); ++s) {
      auto& v = c.series[s].values[g];
      if (!v)
        continue;
      auto x = x0 + s * bar_width;
      auto y = a.y(v->median);
      out += "<rect class=\"bar\" x=\"" + num(x) + "\" y=\"" + num(y) +
             "\" width=\"" + num(bar_width * 0.9) + "\" height=\"" +
             num(a.bottom - y) + "\" fill=\"" + palette[s % palette_size] +
             "\"><title>" + xml_escape(c.series[s].name + " " + c.groups[g]) +
             ": " + num(v->median) + " / " + num(v->high) + "</title></rect>\n";
      auto cx = x + bar_width * 0.45;
      auto top = num(a.y(v->high));
      out += "<path class=\"whisker\" d=\"M" + num(cx) + " " + num(y) + " V" +
             top + " M" + num(cx - bar_width * 0.25) + " " + top + " H" +
             num(cx + bar_width * 0.25) +
             "\" stroke=\"#222\" fill=\"none\"/>\n";
    }
  }
  out += "</g>\n";
}

void legend(std::string& out, const bar_chart& c, double x) {
  out += "<g class=\"legend\" font-size=\"12\">\n";
  for (size_t s = 0; s < c.series.size(); ++s) {
    auto y = top_margin + 20.0 * s;
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) +
           "\" width=\"12\" height=\"12\" fill=\"" + palette[s % palette_size] +
           "\"/>\n";
    out += "<text x=\"" + num(x + 18) + "\" y=\"" + num(y + 10) + "\">" +
           xml_escape(c.series[s].name) + "</text>\n";
  }
  for (size_t i = 0; i < c.notes.size(); ++i)
    out += "<text class=\"note\" x=\"" + num(x) + "\" y=\"" +
           num(top_margin + 20.0 * c.series.size() + 10 + 16.0 * i) +
           "\" font-size=\"10\">" + xml_escape(c.notes[i]) + "</text>\n";
  out += "</g>\n";
}

} // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char ch : text)
    switch (ch) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out += ch;
    }
  return out;
}

std::string render_svg(const bar_chart& c) {
  auto right = c.width - right_margin;
  auto bottom = c.height - bottom_margin;
  auto axis = make_axis(c, top_margin, bottom);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(c.width) + "\" height=\"" + std::to_string(c.height) +
         "\" viewBox=\"0 0 " + std::to_string(c.width) + " " +
         std::to_string(c.height) + "\" font-family=\"sans-serif\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += "<text x=\"" + num(c.width / 2.0) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
         xml_escape(c.title) + "</text>\n";
  axes(out, c, axis, right);
  bars(out, c, axis, right - left_margin);
  legend(out, c, right + 16);
  out += "</svg>\n";
  return out;
}

} // namespace flexsync::bench
