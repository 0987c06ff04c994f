#include "actors/node/node_status.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#ifndef FLEXSYNC_VERSION_STRING
#  define FLEXSYNC_VERSION_STRING "unknown"
#endif

namespace flexsync {

const char* flexsync_version() {
  return FLEXSYNC_VERSION_STRING;
}

const char* to_string(link_state x) {
  switch (x) {
    case link_state::disconnected:
      return "disconnected";
    case link_state::connected:
      return "connected";
    default:
      return "unknown";
  }
}

namespace {

size_t count_connected(const std::vector<peer_status>& xs) {
  return static_cast<size_t>(
    std::count_if(xs.begin(), xs.end(), [](const peer_status& p) {
      return p.link == link_state::connected;
    }));
}

std::string or_none(const node_id& x) {
  return x.empty() ? "None" : x.name;
}

std::string py_bool(bool x) {
  return x ? "True" : "False";
}

} // namespace

size_t node_status::connected_partners() const {
  return count_connected(partners);
}

size_t node_status::connected_readonly_nodes() const {
  return count_connected(readonly_nodes);
}

std::vector<std::pair<std::string, std::string>>
node_status::to_key_values() const {
  std::vector<std::pair<std::string, std::string>> kv;
  auto add = [&](std::string k, std::string v) {
    kv.emplace_back(std::move(k), std::move(v));
  };
  auto num = [](auto x) { return std::to_string(x); };
  add("version", version);
  add("revision", revision);
  add("self", read_only ? "None" : self.name);
  add("state", num(static_cast<int>(role)));
  add("leader", or_none(leader));
  add("has_quorum", py_bool(has_quorum));
  add("partner_nodes_count", num(partners.size()));
  for (auto& p : partners)
    add("partner_node_status_server_" + p.id.name,
        num(p.link == link_state::connected ? 2 : 0));
  add("readonly_nodes_count", num(connected_readonly_nodes()));
  for (auto& p : readonly_nodes)
    add("readonly_node_status_server_" + p.id.name,
        num(p.link == link_state::connected ? 2 : 0));
  add("log_len", num(log_entries));
  add("log_bytes", num(log_bytes));
  add("last_applied", num(last_applied.value));
  add("commit_idx", num(commit_index.value));
  add("leader_commit_idx", leader_commit_index
                             ? num(leader_commit_index->value)
                             : std::string{"None"});
  add("raft_term", num(term.value));
  add("snapshot_idx", num(snapshot_index.value));
  auto all = partners;
  all.insert(all.end(), readonly_nodes.begin(), readonly_nodes.end());
  add("next_node_idx_count", num(all.size()));
  add("match_idx_count", num(all.size()));
  for (auto& p : all) {
    add("next_node_idx_server_" + p.id.name, num(p.next_index.value));
    add("match_idx_server_" + p.id.name, num(p.match_index.value));
    add("code_version_server_" + p.id.name,
        p.code_version ? num(*p.code_version) : std::string{"None"});
  }
  add("uptime", num(uptime));
  add("self_code_version", num(self_code_version));
  add("enabled_code_version", num(enabled_code_version));
  add("quorum_system", quorum);
  add("configuration", configuration);
  add("config_index", num(config_index.value));
  add("membership_note", membership_note.empty() ? std::string{"None"}
                                                 : membership_note);
  add("ready", py_bool(ready));
  add("member_state", to_string(member));
  add("recovery", recovery.empty() ? std::string{"None"} : recovery);
  add("install", install.empty() ? std::string{"None"} : install);
  add("incarnation", num(incarnation));
  std::string peers;
  for (auto& p : recovering_peers)
    peers += (peers.empty() ? "" : ",") + p.name;
  add("recovering_peers", peers.empty() ? std::string{"None"} : peers);
  std::sort(kv.begin(), kv.end());
  return kv;
}

void to_json(nlohmann::json& j, const peer_status& x) {
  j = nlohmann::json{{"id", x.id.name},
                     {"link", to_string(x.link)},
                     {"match_index", x.match_index.value},
                     {"next_index", x.next_index.value},
                     {"code_version", x.code_version
                                        ? nlohmann::json(*x.code_version)
                                        : nlohmann::json(nullptr)}};
}

void to_json(nlohmann::json& j, const node_status& x) {
  auto opt = [](const node_id& id) -> nlohmann::json {
    if (id.empty())
      return nullptr;
    return id.name;
  };
  std::vector<std::string> voters;
  for (auto& v : x.voters)
    voters.push_back(v.name);
  std::vector<std::string> recovering;
  for (auto& v : x.recovering_peers)
    recovering.push_back(v.name);
  j = nlohmann::json{
    {"version", x.version},
    {"revision", x.revision},
    {"self", x.self.name},
    {"read_only", x.read_only},
    {"role", to_string(x.role)},
    {"term", x.term.value},
    {"leader", opt(x.leader)},
    {"has_quorum", x.has_quorum},
    {"commit_index", x.commit_index.value},
    {"leader_commit_index", x.leader_commit_index
                              ? nlohmann::json(x.leader_commit_index->value)
                              : nlohmann::json(nullptr)},
    {"last_applied", x.last_applied.value},
    {"last_log_index", x.last_log_index.value},
    {"snapshot_index", x.snapshot_index.value},
    {"log_entries", x.log_entries},
    {"log_bytes", x.log_bytes},
    {"ready", x.ready},
    {"member_state", to_string(x.member)},
    {"recovery", x.recovery.empty() ? nlohmann::json(nullptr)
                                     : nlohmann::json(x.recovery)},
    {"install", x.install.empty() ? nlohmann::json(nullptr)
                                   : nlohmann::json(x.install)},
    {"incarnation", x.incarnation},
    {"recovering_peers", recovering},
    {"pending_calls", x.pending_calls},
    {"partners", x.partners},
    {"readonly_nodes", x.readonly_nodes},
    {"voters", voters},
    {"quorum_system", x.quorum},
    {"configuration", x.configuration},
    {"config_index", x.config_index.value},
    {"membership_note", x.membership_note.empty()
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(x.membership_note)},
    {"uptime", x.uptime},
    {"self_code_version", x.self_code_version},
    {"enabled_code_version", x.enabled_code_version},
  };
}

} // namespace flexsync
