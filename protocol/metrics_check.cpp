// check_prometheus_text (protocol/metrics.hpp): a strict reader of the
// exposition text to_prometheus writes, for tests and for operators who
// want to check a metrics file. It accepts a subset of the format
// (every sample has labels, no timestamps) and checks what a scraper
// relies on.

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "protocol/metrics.hpp"

namespace flexsync {

namespace {

bool is_name(std::string_view x) {
  if (x.empty())
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    char c = x[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
                 || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

std::optional<double> parse_value(std::string_view x) {
  if (x == "+Inf")
    return INFINITY;
  if (x == "-Inf")
    return -INFINITY;
  if (x == "NaN")
    return NAN;
  double v = 0;
  auto r = std::from_chars(x.data(), x.data() + x.size(), v);
  if (r.ec != std::errc{} || r.ptr != x.data() + x.size())
    return std::nullopt;
  return v;
}

/// Parses `{a="x",b="y"}` into `labels`; returns the error, if any.
std::optional<std::string> parse_labels(std::string_view x,
                                        std::map<std::string, std::string>& labels) {
  if (x.size() < 2 || x.front() != '{' || x.back() != '}')
    return "labels not in braces";
  x = x.substr(1, x.size() - 2);
  while (!x.empty()) {
    auto eq = x.find('=');
    if (eq == std::string_view::npos)
      return "label without '='";
    auto name = std::string{x.substr(0, eq)};
    if (!is_name(name))
      return "bad label name '" + name + "'";
    x.remove_prefix(eq + 1);
    if (x.empty() || x.front() != '"')
      return "label value not quoted";
    std::string value;
    size_t i = 1;
    for (; i < x.size() && x[i] != '"'; ++i) {
      if (x[i] == '\\') {
        if (++i == x.size())
          return "dangling escape";
        value += x[i] == 'n' ? '\n' : x[i];
      } else {
        value += x[i];
      }
    }
    if (i == x.size())
      return "unterminated label value";
    if (!labels.emplace(name, value).second)
      return "duplicate label '" + name + "'";
    x.remove_prefix(i + 1);
    if (!x.empty()) {
      if (x.front() != ',')
        return "labels not separated by ','";
      x.remove_prefix(1);
    }
  }
  return std::nullopt;
}

struct family_info {
  std::string type;
  bool help = false;
  /// Histograms: the last bucket count per label set (without le), whether
  /// +Inf was seen, and the _count sample.
  std::map<std::string, double> last_bucket;
  std::set<std::string> has_inf;
  std::map<std::string, double> inf_count;
};

class checker {
public:
  std::optional<std::string> line(const std::string& l) {
    if (l.empty())
      return std::nullopt;
    if (l.rfind("# HELP ", 0) == 0)
      return help(l.substr(7));
    if (l.rfind("# TYPE ", 0) == 0)
      return type(l.substr(7));
    if (l[0] == '#')
      return std::nullopt; // a comment
    return sample(l);
  }

  std::optional<std::string> finish() {
    for (auto& [name, f] : families_)
      if (f.type == "histogram")
        for (auto& [labels, n] : f.last_bucket)
          if (!f.has_inf.count(labels))
            return name + ": no +Inf bucket for {" + labels + "}";
    return std::nullopt;
  }

private:
  std::optional<std::string> help(const std::string& rest) {
    auto name = rest.substr(0, rest.find(' '));
    if (!is_name(name))
      return "bad metric name in HELP: '" + name + "'";
    auto& f = families_[name];
    if (f.help)
      return "second HELP for " + name;
    f.help = true;
    return std::nullopt;
  }

  std::optional<std::string> type(const std::string& rest) {
    auto sp = rest.find(' ');
    if (sp == std::string::npos)
      return "TYPE line without a type";
    auto name = rest.substr(0, sp);
    auto t = rest.substr(sp + 1);
    static const std::set<std::string> known{"counter", "gauge", "histogram",
                                             "summary", "untyped"};
    if (!is_name(name) || !known.count(t))
      return "bad TYPE line: " + rest;
    auto& f = families_[name];
    if (!f.type.empty())
      return "second TYPE for " + name;
    if (seen_samples_.count(name))
      return "TYPE of " + name + " after its samples";
    f.type = t;
    return std::nullopt;
  }

  /// The family a sample name belongs to (histograms add suffixes).
  family_info* owner(const std::string& name, std::string& suffix,
                     std::string& base) {
    if (auto i = families_.find(name);
        i != families_.end() && !i->second.type.empty()) {
      base = name;
      return &i->second;
    }
    for (auto s : {"_bucket", "_sum", "_count"}) {
      std::string_view n{name};
      std::string_view sv{s};
      if (n.size() > sv.size() && n.substr(n.size() - sv.size()) == sv) {
        base = std::string{n.substr(0, n.size() - sv.size())};
        auto i = families_.find(base);
        if (i != families_.end() && i->second.type == "histogram") {
          suffix = s;
          return &i->second;
        }
      }
    }
    return nullptr;
  }

  std::optional<std::string> sample(const std::string& l) {
    auto brace = l.find('{');
    auto close = l.rfind('}');
    if (brace == std::string::npos || close == std::string::npos
        || close < brace)
      return "sample without labels: " + l;
    auto name = l.substr(0, brace);
    if (!is_name(name))
      return "bad sample name: " + l;
    std::map<std::string, std::string> labels;
    if (auto err = parse_labels(std::string_view{l}.substr(brace, close - brace + 1),
                                labels))
      return *err + ": " + l;
    if (close + 1 >= l.size() || l[close + 1] != ' ')
      return "no value: " + l;
    auto value = parse_value(std::string_view{l}.substr(close + 2));
    if (!value)
      return "bad value: " + l;
    std::string suffix, base;
    auto f = owner(name, suffix, base);
    if (!f)
      return "sample of an undeclared family: " + l;
    seen_samples_.insert(base);
    if (f->type == "counter" && (*value < 0 || std::isnan(*value)))
      return "negative counter: " + l;
    if (f->type == "histogram")
      return histogram_sample(*f, suffix, labels, *value, l);
    return std::nullopt;
  }

  std::optional<std::string>
  histogram_sample(family_info& f, const std::string& suffix,
                   std::map<std::string, std::string> labels, double value,
                   const std::string& l) {
    if (suffix.empty())
      return "histogram sample without a suffix: " + l;
    std::optional<std::string> le;
    if (auto i = labels.find("le"); i != labels.end()) {
      le = i->second;
      labels.erase(i);
    }
    std::string key;
    for (auto& [k, v] : labels)
      key += k + "=" + v + ",";
    if (suffix == "_bucket") {
      if (!le || !parse_value(*le))
        return "bucket without a numeric le: " + l;
      if (f.has_inf.count(key))
        return "bucket after +Inf: " + l;
      auto& last = f.last_bucket.try_emplace(key, 0).first->second;
      if (value < last)
        return "buckets not cumulative: " + l;
      last = value;
      if (*le == "+Inf") {
        f.has_inf.insert(key);
        f.inf_count[key] = value;
      }
    } else if (suffix == "_count") {
      if (!f.inf_count.count(key) || f.inf_count[key] != value)
        return "_count differs from the +Inf bucket: " + l;
    }
    return std::nullopt;
  }

  std::map<std::string, family_info> families_;
  std::set<std::string> seen_samples_;
};

} // namespace

std::optional<std::string> check_prometheus_text(const std::string& text) {
  if (!text.empty() && text.back() != '\n')
    return "text does not end with a newline";
  checker c;
  std::istringstream in{text};
  std::string l;
  while (std::getline(in, l))
    if (auto err = c.line(l))
      return err;
  return c.finish();
}

} // namespace flexsync
