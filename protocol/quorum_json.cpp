#include "protocol/quorum_json.hpp"

namespace flexsync {

namespace {

using json = nlohmann::json;

/// Reads j[key] as an unsigned number into `out`; false when it is not one.
bool number(const json& j, const char* key, size_t& out) {
  if (!j.contains(key) || !j[key].is_number_unsigned())
    return false;
  out = j[key].get<size_t>();
  return true;
}

bool read_grid(const json& j, quorum_spec& x) {
  if (!number(j, "rows", x.rows) || !number(j, "columns", x.columns) ||
      !j.contains("elect") || !j.contains("order") || !j["order"].is_array())
    return false;
  if (j["elect"] == "columns")
    x.elect = grid_lines::columns;
  else if (j["elect"] != "rows")
    return false;
  for (auto& name : j["order"]) {
    if (!name.is_string())
      return false;
    x.order.emplace_back(name.get<std::string>());
  }
  return true;
}

bool read_weighted(const json& j, quorum_spec& x) {
  if (!number(j, "election", x.election_quorum) ||
      !number(j, "replication", x.replication_quorum) ||
      !j.contains("weights") || !j["weights"].is_object())
    return false;
  for (auto& [name, w] : j["weights"].items()) {
    if (!w.is_number_unsigned())
      return false;
    x.weight_of[node_id{name}] = w.get<uint64_t>();
  }
  return true;
}

bool read_zones(const json& j, quorum_spec& x) {
  if (!number(j, "fz", x.zone_failures) || !number(j, "fn", x.node_failures) ||
      !j.contains("zones") || !j["zones"].is_object())
    return false;
  for (auto& [name, zone] : j["zones"].items()) {
    if (!zone.is_string())
      return false;
    x.zone_of[node_id{name}] = zone.get<std::string>();
  }
  return true;
}

} // namespace

json quorum_to_json(const quorum_spec& x) {
  switch (x.kind) {
  case quorum_kind::grid: {
    auto order = json::array();
    for (auto& v : x.order)
      order.push_back(v.name);
    return {{"kind", "grid"},
            {"rows", x.rows},
            {"columns", x.columns},
            {"elect", x.elect == grid_lines::rows ? "rows" : "columns"},
            {"order", order}};
  }
  case quorum_kind::weighted: {
    auto weights = json::object();
    for (auto& [v, w] : x.weight_of)
      weights[v.name] = w;
    return {{"kind", "weighted"},
            {"election", x.election_quorum},
            {"replication", x.replication_quorum},
            {"weights", weights}};
  }
  case quorum_kind::zones: {
    auto zones = json::object();
    for (auto& [v, z] : x.zone_of)
      zones[v.name] = z;
    return {{"kind", "zones"},
            {"fz", x.zone_failures},
            {"fn", x.node_failures},
            {"zones", zones}};
  }
  default:
    // Counting, as every version has written it.
    return json::array({x.election_quorum, x.replication_quorum});
  }
}

std::optional<quorum_spec> quorum_from_json(const json& j) {
  if (j.is_array()) {
    if (j.size() != 2 || !j[0].is_number_unsigned() ||
        !j[1].is_number_unsigned())
      return std::nullopt;
    return quorum_spec{j[0].get<size_t>(), j[1].get<size_t>()};
  }
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    return std::nullopt;
  quorum_spec x;
  auto kind = j["kind"].get<std::string>();
  auto ok = false;
  if (kind == "grid") {
    x.kind = quorum_kind::grid;
    ok = read_grid(j, x);
  } else if (kind == "weighted") {
    x.kind = quorum_kind::weighted;
    ok = read_weighted(j, x);
  } else if (kind == "zones") {
    x.kind = quorum_kind::zones;
    ok = read_zones(j, x);
  }
  if (!ok)
    return std::nullopt;
  return x;
}

} // namespace flexsync
