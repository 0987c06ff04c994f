#include "protocol/quorum_spec.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "protocol/config_error.hpp"
#include "protocol/quorum_detail.hpp"

namespace flexsync {

namespace {

std::string trim(const std::string& x) {
  auto first = x.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  auto last = x.find_last_not_of(" \t");
  return x.substr(first, last - first + 1);
}

std::vector<std::string> split(const std::string& x, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    auto next = x.find(sep, pos);
    out.push_back(trim(x.substr(pos, next - pos)));
    if (next == std::string::npos)
      return out;
    pos = next + 1;
  }
}

/// A positive decimal number, or nothing.
std::optional<uint64_t> positive(const std::string& x) {
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(x.data(), x.data() + x.size(), out);
  if (ec != std::errc{} || end != x.data() + x.size() || out == 0)
    return std::nullopt;
  return out;
}

/// One spec argument, `key=value` or a bare `value` (empty key).
struct argument {
  std::string key;
  std::string value;
};

/// Reads a spec's text into its kind's name and arguments.
class spec_reader {
 public:
  explicit spec_reader(const std::string& text) : text_(text) {
    auto t = trim(text);
    auto open = t.find('(');
    name_ = trim(t.substr(0, open));
    if (open == std::string::npos)
      return;
    if (t.back() != ')')
      fail("expected ')' at the end");
    auto inner = t.substr(open + 1, t.size() - open - 2);
    if (trim(inner).empty())
      return;
    for (auto& item : split(inner, ',')) {
      auto eq = item.find('=');
      if (eq == std::string::npos)
        args_.push_back({{}, item});
      else
        args_.push_back({trim(item.substr(0, eq)), trim(item.substr(eq + 1))});
    }
  }

  const std::string& name() const { return name_; }
  const std::vector<argument>& args() const { return args_; }

  [[noreturn]] void fail(const std::string& why) const {
    throw config_error("quorum spec '" + text_ + "': " + why);
  }

  /// The argument at `pos` (bare) or named `key`, or nothing.
  std::optional<std::string> get(size_t pos, const std::string& key) const {
    for (size_t i = 0; i < args_.size(); ++i)
      if (args_[i].key == key || (args_[i].key.empty() && i == pos))
        return args_[i].value;
    return std::nullopt;
  }

  size_t number(size_t pos, const std::string& key) const {
    auto x = get(pos, key);
    if (!x)
      fail("missing " + key);
    auto n = positive(*x);
    if (!n)
      fail(key + " must be a positive integer, got '" + *x + "'");
    return static_cast<size_t>(*n);
  }

  /// Refuses arguments other than `keys` (bare ones up to `positional`).
  void only(std::initializer_list<const char*> keys, size_t positional) const {
    for (size_t i = 0; i < args_.size(); ++i) {
      auto& k = args_[i].key;
      if (k.empty() ? i >= positional
                    : std::none_of(keys.begin(), keys.end(),
                                   [&](const char* x) { return k == x; }))
        fail("unexpected argument '" +
             (k.empty() ? args_[i].value : k + "=" + args_[i].value) + "'");
    }
  }

 private:
  const std::string& text_;
  std::string name_;
  std::vector<argument> args_;
};

quorum_spec parse_grid(const spec_reader& in) {
  in.only({"shape", "elect", "order"}, 1);
  auto shape = in.get(0, "shape");
  if (!shape)
    in.fail("expected a shape such as grid(3x3)");
  auto x = shape->find('x');
  auto rows =
      x == std::string::npos ? std::nullopt : positive(shape->substr(0, x));
  auto columns =
      x == std::string::npos ? std::nullopt : positive(shape->substr(x + 1));
  if (!rows || !columns)
    in.fail("expected a shape ROWSxCOLUMNS such as 3x3, got '" + *shape + "'");
  auto spec = quorum_spec::grid(*rows, *columns);
  if (auto e = in.get(size_t(-1), "elect")) {
    if (*e == "columns")
      spec.elect = grid_lines::columns;
    else if (*e != "rows")
      in.fail("elect must be rows or columns, got '" + *e + "'");
  }
  if (auto o = in.get(size_t(-1), "order"))
    for (auto& name : split(*o, '/')) {
      if (name.empty())
        in.fail("order names an empty node (expected a/b/c/...)");
      spec.order.emplace_back(name);
    }
  return spec;
}

template <class T>
void put_label(const char* what, std::optional<T>& slot, const node_id& x,
               T value) {
  if (slot && *slot != value)
    throw config_error(std::string{what} + ": node " + x.name +
                       " is labelled twice");
  slot = std::move(value);
}

} // namespace

namespace detail {

void add_label(
    const std::string& text, const char* what,
    const std::function<void(const node_id&, const std::string&)>& put) {
  for (auto& item : split(text, ',')) {
    if (item.empty())
      continue;
    auto eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw config_error(std::string{what} + " '" + item +
                         "': expected name=value");
    put(node_id{trim(item.substr(0, eq))}, trim(item.substr(eq + 1)));
  }
}

} // namespace detail

using detail::add_label;

// -- kinds -------------------------------------------------------------------

bool is_known(quorum_kind x) {
  return static_cast<uint8_t>(x) <= static_cast<uint8_t>(quorum_kind::zones);
}

bool is_known(grid_lines x) {
  return static_cast<uint8_t>(x) <= static_cast<uint8_t>(grid_lines::columns);
}

const char* to_string(quorum_kind x) {
  switch (x) {
  case quorum_kind::majority:
    return "majority";
  case quorum_kind::counting:
    return "counting";
  case quorum_kind::grid:
    return "grid";
  case quorum_kind::weighted:
    return "weighted";
  case quorum_kind::zones:
    return "zones";
  }
  return "unknown";
}

bool is_known(term_mode x) {
  return static_cast<uint8_t>(x) <= static_cast<uint8_t>(term_mode::unchecked);
}

const char* to_string(term_mode x) {
  switch (x) {
  case term_mode::shared:
    return "shared";
  case term_mode::owned:
    return "owned";
  case term_mode::unchecked:
    return "unchecked";
  }
  return "unknown";
}

term_mode parse_term_mode(const std::string& text) {
  if (text == "shared")
    return term_mode::shared;
  if (text == "owned")
    return term_mode::owned;
  throw config_error("terms: expected shared or owned, got '" + text + "'");
}

quorum_spec::quorum_spec(size_t election, size_t replication)
    : kind(quorum_kind::counting),
      election_quorum(election),
      replication_quorum(replication) {
  // nop
}

quorum_spec quorum_spec::counting(size_t election, size_t replication) {
  return quorum_spec{election, replication};
}

quorum_spec quorum_spec::grid(size_t rows, size_t columns, grid_lines elect,
                              std::vector<node_id> order) {
  quorum_spec x;
  x.kind = quorum_kind::grid;
  x.rows = rows;
  x.columns = columns;
  x.elect = elect;
  x.order = std::move(order);
  return x;
}

quorum_spec quorum_spec::weighted(size_t election, size_t replication,
                                  std::map<node_id, uint64_t> weights) {
  quorum_spec x{election, replication};
  x.kind = quorum_kind::weighted;
  x.weight_of = std::move(weights);
  return x;
}

quorum_spec quorum_spec::zones(size_t zone_failures, size_t node_failures,
                               std::map<node_id, std::string> zones) {
  quorum_spec x;
  x.kind = quorum_kind::zones;
  x.zone_failures = zone_failures;
  x.node_failures = node_failures;
  x.zone_of = std::move(zones);
  return x;
}

// -- text form ---------------------------------------------------------------

quorum_spec parse_quorum_spec(const std::string& text) {
  spec_reader in{text};
  auto& name = in.name();
  if (name == "majority") {
    in.only({}, 0);
    return quorum_spec::majority();
  }
  if (name == "counting") {
    in.only({"election", "replication"}, 2);
    return quorum_spec::counting(in.number(0, "election"),
                                 in.number(1, "replication"));
  }
  if (name == "weighted") {
    in.only({"election", "replication"}, 2);
    return quorum_spec::weighted(in.number(0, "election"),
                                 in.number(1, "replication"));
  }
  if (name == "grid")
    return parse_grid(in);
  if (name == "zones") {
    in.only({"fz", "fn"}, 0);
    // Zero failures are meaningful here, so these are not `number`s.
    auto read = [&](const char* key) -> size_t {
      auto x = in.get(size_t(-1), key);
      if (!x)
        in.fail(std::string{"missing "} + key);
      if (*x == "0")
        return 0;
      auto n = positive(*x);
      if (!n)
        in.fail(std::string{key} + " must be a number, got '" + *x + "'");
      return static_cast<size_t>(*n);
    };
    return quorum_spec::zones(read("fz"), read("fn"));
  }
  in.fail("unknown kind '" + name +
          "' (expected majority, counting, grid, weighted or zones)");
}

std::string to_string(const quorum_spec& x) {
  auto n = [](size_t v) { return std::to_string(v); };
  switch (x.kind) {
  case quorum_kind::counting:
    return "counting(" + n(x.election_quorum) + "," + n(x.replication_quorum) +
           ")";
  case quorum_kind::weighted:
    return "weighted(election=" + n(x.election_quorum) +
           ",replication=" + n(x.replication_quorum) + ")";
  case quorum_kind::zones:
    return "zones(fz=" + n(x.zone_failures) + ",fn=" + n(x.node_failures) + ")";
  case quorum_kind::grid: {
    auto out = "grid(" + n(x.rows) + "x" + n(x.columns);
    if (x.elect == grid_lines::columns)
      out += ",elect=columns";
    if (!std::is_sorted(x.order.begin(), x.order.end())) {
      out += ",order=";
      for (size_t i = 0; i < x.order.size(); ++i)
        out += (i == 0 ? "" : "/") + x.order[i].name;
    }
    return out + ")";
  }
  default:
    return "majority";
  }
}

std::string labels_to_string(const quorum_spec& x) {
  std::string out;
  auto add = [&](const node_id& id, const std::string& v) {
    out += (out.empty() ? "" : ",") + id.name + "=" + v;
  };
  if (x.kind == quorum_kind::weighted)
    for (auto& [id, w] : x.weight_of)
      add(id, std::to_string(w));
  if (x.kind == quorum_kind::zones)
    for (auto& [id, z] : x.zone_of)
      add(id, z);
  return out;
}

// -- node labels -------------------------------------------------------------

void parse_zone_labels(const std::string& text, label_map& into) {
  add_label(text, "zone label", [&](const node_id& x, const std::string& zone) {
    put_label("zone labels", into[x].zone, x, zone);
  });
}

void parse_weight_labels(const std::string& text, label_map& into) {
  add_label(text, "weight label",
            [&](const node_id& x, const std::string& weight) {
              auto w = positive(weight);
              if (!w)
                throw config_error("weight label " + x.name + "=" + weight +
                                   ": a weight must be a positive integer");
              put_label("weight labels", into[x].weight, x, *w);
            });
}

quorum_spec with_labels(quorum_spec spec, const std::vector<node_id>& voters,
                        const label_map& labels) {
  auto is_voter = [&](const node_id& x) {
    return std::find(voters.begin(), voters.end(), x) != voters.end();
  };
  auto kind = to_string(spec);
  for (auto& [x, l] : labels) {
    if (!is_voter(x))
      throw config_error("node labels: " + x.name +
                         " is labelled but is not a voter");
    if (l.weight && spec.kind != quorum_kind::weighted)
      throw config_error("node labels: " + x.name + " has a weight, but " +
                         kind + " uses no weights");
    if (l.zone && spec.kind != quorum_kind::zones)
      throw config_error("node labels: " + x.name + " has a zone, but " + kind +
                         " uses no zones");
    if (l.weight) {
      auto [i, fresh] = spec.weight_of.emplace(x, *l.weight);
      if (!fresh && i->second != *l.weight)
        throw config_error("node labels: " + x.name +
                           " has another weight in the quorum spec");
    }
    if (l.zone) {
      auto [i, fresh] = spec.zone_of.emplace(x, *l.zone);
      if (!fresh && i->second != *l.zone)
        throw config_error("node labels: " + x.name +
                           " has another zone in the quorum spec");
    }
  }
  // A configuration holds a grid's order explicitly: every node reads the
  // same cells from it.
  if (spec.kind == quorum_kind::grid && spec.order.empty()) {
    spec.order = voters;
    std::sort(spec.order.begin(), spec.order.end());
    spec.order.erase(std::unique(spec.order.begin(), spec.order.end()),
                     spec.order.end());
  }
  return spec;
}

} // namespace flexsync
