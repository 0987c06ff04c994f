// The scenario verbs that report on the cluster: status, results, log,
// stats and digest (scenario_commands.cpp dispatches to them).

#include "scenarios/scenario_commands.hpp"

#include <cstdio>
#include <map>

namespace flexsync::sim {

void scenario_state::status(const command_line&,
                            std::vector<std::string>& out) {
  auto& c = require_cluster();
  for (auto& id : c.ids()) {
    if (!c.up(id)) {
      out.push_back(id.name + " down");
      continue;
    }
    if (auto why = c.failure(id)) {
      out.push_back(id.name + " stopped: " + *why);
      continue;
    }
    std::string line = id.name + " ";
    auto& roles = c.check().roles();
    auto i = roles.find(id);
    auto view = i == roles.end() ? checker::role_view{} : i->second;
    auto& store = c.check().storage_of(id);
    line += to_string(view.role);
    line += " term=" + to_string(store.current_term());
    if (view.role == raft_role::follower)
      line += " leader=" + (view.leader.empty() ? "none" : view.leader.name);
    line += " commit=" + to_string(store.commit_index());
    line += " applied=" + to_string(c.check().applied(id));
    line += " last=" + to_string(store.last_index());
    if (store.snapshot_index() > index_t{0})
      line += " snap=" + to_string(store.snapshot_index());
    if (auto m = c.check().member(id); m != member_state::intact)
      line += std::string{" "} + to_string(m);
    out.push_back(std::move(line));
  }
}

void scenario_state::results(const command_line& cmd,
                             std::vector<std::string>& out) {
  auto& c = require_cluster();
  auto& all = c.outcomes();
  if (!cmd.args.empty() && cmd.args[0] == "brief") {
    std::map<std::string, size_t> counts;
    for (size_t i = reported_; i < all.size(); ++i)
      ++counts[all[i].done ? to_string(all[i].reason) : "pending"];
    std::string line = std::to_string(all.size() - reported_) + " calls:";
    for (auto& [what, n] : counts)
      line += " " + what + "=" + std::to_string(n);
    out.push_back(std::move(line));
    while (reported_ < all.size() && all[reported_].done)
      ++reported_;
    return;
  }
  for (size_t i = reported_; i < all.size(); ++i) {
    auto& o = all[i];
    std::string line = o.label + " on " + o.node.name + ": ";
    if (!o.done)
      line += "pending";
    else if (o.reason == fail_reason::success)
      line += "success at " + std::to_string(o.position);
    else
      line += to_string(o.reason);
    out.push_back(std::move(line));
  }
  // Pending calls are reported again next time.
  while (reported_ < all.size() && all[reported_].done)
    ++reported_;
}

void scenario_state::log(const command_line& cmd,
                         std::vector<std::string>& out) {
  auto& c = require_cluster();
  auto id = node_arg(cmd, 0);
  auto& store = c.check().storage_of(id);
  std::string line = id.name + " log:";
  for (auto i = store.snapshot_index() + 1; i <= store.last_index(); ++i)
    line += " " + to_string(i) + ":" + to_string(store.term_at(i));
  line += " (commit " + to_string(store.commit_index()) + ")";
  out.push_back(std::move(line));
  if (c.up(id)) {
    std::string values = id.name + " values:";
    for (auto& v : c.values(id))
      values += " " + v;
    out.push_back(std::move(values));
  }
}

void scenario_state::stats(const command_line& cmd,
                           std::vector<std::string>& out) {
  auto& netw = require_cluster().net();
  if (!cmd.args.empty() && cmd.args[0] == "reset") {
    netw.reset_counts();
    return;
  }
  std::map<std::string, size_t> totals;
  for (auto& [key, n] : netw.counts())
    totals[std::get<2>(key)] += n;
  for (auto& [type, n] : totals)
    out.push_back(type + " " + std::to_string(n));
  for (auto& [id, n] : netw.rejections())
    out.push_back("rejected appends from " + id.name + ": "
                  + std::to_string(n));
}

void scenario_state::digest(const command_line&,
                            std::vector<std::string>& out) {
  auto& c = require_cluster();
  for (auto& id : c.ids()) {
    if (!c.up(id)) {
      out.push_back(id.name + " down");
      continue;
    }
    auto& values = c.values(id);
    uint64_t h = 0xcbf29ce484222325ULL, bytes = 0;
    for (auto& x : values) {
      bytes += x.size();
      for (unsigned char ch : x)
        h = (h ^ ch) * 0x100000001b3ULL;
      h = (h ^ 0xff) * 0x100000001b3ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(h));
    out.push_back(id.name + " values=" + std::to_string(values.size())
                  + " bytes=" + std::to_string(bytes) + " digest=" + hex);
  }
}

} // namespace flexsync::sim
