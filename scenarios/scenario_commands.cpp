#include "scenarios/scenario_commands.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

namespace flexsync::sim {

namespace {

using namespace std::chrono_literals;

std::vector<std::string> split(const std::string& x, char sep) {
  std::vector<std::string> result;
  std::string item;
  std::istringstream in{x};
  while (std::getline(in, item, sep))
    if (!item.empty())
      result.push_back(item);
  return result;
}

std::string opt(const command_line& cmd, const std::string& key,
                const std::string& fallback) {
  auto i = cmd.opts.find(key);
  return i == cmd.opts.end() ? fallback : i->second;
}

bool flag(const command_line& cmd, const std::string& key, bool fallback) {
  auto v = opt(cmd, key, fallback ? "on" : "off");
  if (v != "on" && v != "off")
    throw std::invalid_argument(key + " must be on or off");
  return v == "on";
}

std::pair<caf::timespan, caf::timespan> parse_range(const std::string& x) {
  auto parts = split(x, '-');
  if (parts.size() != 2)
    throw std::invalid_argument("expected a range such as 1ms-5ms: " + x);
  return {parse_duration(parts[0]), parse_duration(parts[1])};
}

std::pair<node_id, node_id> parse_link(const std::string& x) {
  auto pos = x.find("->");
  if (pos == std::string::npos)
    throw std::invalid_argument("expected a link such as 1->2: " + x);
  return {node_id{x.substr(0, pos)}, node_id{x.substr(pos + 2)}};
}

std::string render_ms(caf::timespan x) {
  return std::to_string(x.count() / 1000000) + "ms";
}

} // namespace

namespace {

/// Leader placement: priorities=1=2,3=1 preferred_zone=eu, zones=... for
/// a system that is not zones, settle=1s, placement_interval=5s,
/// follow_workload=on workload_window=1s workload_share=0.6.
placement_policy placement_option(const command_line& cmd,
                                  const std::optional<quorum_spec>& spec) {
  placement_policy p;
  if (cmd.opts.count("priorities"))
    parse_priorities(cmd.opts.at("priorities"), p.priority);
  p.preferred_zone = opt(cmd, "preferred_zone", "");
  if (cmd.opts.count("zones") && !(spec && spec->kind == quorum_kind::zones)) {
    label_map zones;
    parse_zone_labels(cmd.opts.at("zones"), zones);
    for (auto& [x, l] : zones)
      p.zone.emplace(x, *l.zone);
  }
  if (cmd.opts.count("settle"))
    p.settle = parse_duration(cmd.opts.at("settle"));
  if (cmd.opts.count("placement_interval"))
    p.interval = parse_duration(cmd.opts.at("placement_interval"));
  p.follow_workload = flag(cmd, "follow_workload", false);
  if (cmd.opts.count("workload_window"))
    p.workload_window = parse_duration(cmd.opts.at("workload_window"));
  if (cmd.opts.count("workload_share"))
    p.workload.share = std::stod(cmd.opts.at("workload_share"));
  return p;
}

} // namespace

cluster& scenario_state::require_cluster() {
  if (!cluster_)
    throw std::invalid_argument("no cluster yet: start with `cluster n=...`");
  return *cluster_;
}

node_id scenario_state::node_arg(const command_line& cmd, size_t pos) {
  if (cmd.args.size() <= pos)
    throw std::invalid_argument(cmd.verb + ": missing node argument");
  node_id id{cmd.args[pos]};
  auto& ids = require_cluster().ids();
  if (std::find(ids.begin(), ids.end(), id) == ids.end())
    throw std::invalid_argument(cmd.verb + ": unknown node " + id.name);
  return id;
}

std::vector<std::string> scenario_state::take_violations() {
  std::vector<std::string> result;
  if (!cluster_)
    return result;
  auto& all = cluster_->check().violations();
  for (; violations_seen_ < all.size(); ++violations_seen_)
    result.push_back("VIOLATION: " + all[violations_seen_]);
  return result;
}

void scenario_state::make_cluster(const command_line& cmd,
                                  std::vector<std::string>& out) {
  cluster_options opts;
  opts.nodes = std::stoul(opt(cmd, "n", "3"));
  opts.spares = std::stoul(opt(cmd, "spares", "0"));
  opts.seed = std::stoull(opt(cmd, "seed", "1"));
  opts.pre_vote = flag(cmd, "pre_vote", true);
  opts.check_quorum = flag(cmd, "check_quorum", true);
  opts.lease_reads = flag(cmd, "lease_reads", false);
  opts.max_batch_entries = std::stoul(opt(cmd, "batch", "4096"));
  if (cmd.opts.count("election"))
    std::tie(opts.election_timeout_min, opts.election_timeout_max)
      = parse_range(cmd.opts.at("election"));
  if (cmd.opts.count("heartbeat"))
    opts.heartbeat_interval = parse_duration(cmd.opts.at("heartbeat"));
  auto mode = opt(cmd, "storage", "disk");
  if (mode != "disk" && mode != "memory")
    throw std::invalid_argument("cluster: storage must be disk or memory");
  opts.disk = mode == "disk";
  opts.tear = flag(cmd, "tear", true);
  // log=info|debug: the nodes' log lines and the cluster's trace on stderr
  // (for reading a scenario's story; the expected output ignores them).
  if (auto lv = opt(cmd, "log", "error"); lv == "info")
    opts.level = log_level::info;
  else if (lv == "debug")
    opts.level = log_level::debug;
  if (cmd.opts.count("snapshot_entries"))
    opts.persistence.snapshot_threshold_entries
      = std::stoull(cmd.opts.at("snapshot_entries"));
  if (cmd.opts.count("chunk"))
    opts.persistence.snapshot_chunk_bytes = std::stoull(cmd.opts.at("chunk"));
  cluster_.reset();
  reported_ = 0;
  violations_seen_ = 0;
  std::vector<node_id> members;
  for (size_t i = 1; i <= opts.nodes; ++i)
    members.emplace_back(std::to_string(i));
  try {
    opts.terms = terms_option(cmd);
    opts.quorum = quorum_option(cmd, members);
    opts.placement = placement_option(cmd, opts.quorum);
    cluster_ = std::make_unique<cluster>(opts);
  } catch (const config_error& e) {
    out.push_back(std::string{"error: "} + e.what());
    return;
  }
  if (cmd.opts.count("delay")) {
    auto [lo, hi] = parse_range(cmd.opts.at("delay"));
    cluster_->net().faults.min_delay = lo;
    cluster_->net().faults.max_delay = hi;
  }
  auto quorum = quorum_system::make(
    members, opts.quorum.value_or(quorum_spec{}), opts.terms);
  out.push_back("cluster: " + std::to_string(opts.nodes)
                + (opts.nodes == 1 ? " node, " : " nodes, ")
                + quorum.to_string()
                + (opts.terms == term_mode::shared
                     ? ""
                     : std::string{", "} + to_string(opts.terms) + " terms"));
}

void scenario_state::elect(const command_line& cmd,
                           std::vector<std::string>& out) {
  auto& c = require_cluster();
  auto id = node_arg(cmd, 0);
  auto max = parse_duration(opt(cmd, "max", "5s"));
  c.campaign(id);
  auto& roles = c.check().roles();
  auto leads = [&] {
    auto i = roles.find(id);
    return i != roles.end() && i->second.role == raft_role::leader;
  };
  if (c.run_until(leads, max))
    out.push_back(id.name + " leader term=" + to_string(roles.at(id).term));
  else
    out.push_back(id.name + " not leader after " + render_ms(max));
}

void scenario_state::wait_leader(const command_line& cmd,
                                 std::vector<std::string>& out) {
  auto& c = require_cluster();
  auto max = parse_duration(opt(cmd, "max", "10s"));
  auto start = c.now();
  if (c.run_until([&] { return c.settled(); }, max)) {
    auto l = *c.leader();
    out.push_back("leader " + l.name + " term="
                  + to_string(c.check().roles().at(l).term) + " after "
                  + render_ms(c.now() - start));
  } else {
    out.push_back("no settled leader after " + render_ms(max));
  }
}

void scenario_state::campaign(const command_line& cmd,
                              std::vector<std::string>&) {
  auto& c = require_cluster();
  for (size_t i = 0; i < cmd.args.size(); ++i)
    c.campaign(node_arg(cmd, i));
}

void scenario_state::run(const command_line& cmd, std::vector<std::string>&) {
  auto& c = require_cluster();
  if (cmd.args.empty())
    throw std::invalid_argument("run: missing duration");
  c.run_for(parse_duration(cmd.args[0]));
}

void scenario_state::propose(const command_line& cmd,
                             std::vector<std::string>&) {
  auto& c = require_cluster();
  auto id = node_arg(cmd, 0);
  if (cmd.args.size() < 2)
    throw std::invalid_argument("propose: missing value");
  c.propose(id, cmd.args[1], parse_duration(opt(cmd, "timeout", "5s")));
}

void scenario_state::read(const command_line& cmd, std::vector<std::string>&) {
  auto& c = require_cluster();
  c.read(node_arg(cmd, 0), parse_duration(opt(cmd, "timeout", "5s")),
         cmd.args.size() > 1 && cmd.args[1] == "lease");
}

/// fill N COUNT BYTES: COUNT proposals of BYTES-long values on node N.
void scenario_state::fill(const command_line& cmd, std::vector<std::string>&) {
  auto& c = require_cluster();
  auto id = node_arg(cmd, 0);
  if (cmd.args.size() < 3)
    throw std::invalid_argument("fill: usage fill N COUNT BYTES");
  auto count = std::stoull(cmd.args[1]);
  auto bytes = std::stoull(cmd.args[2]);
  auto timeout = parse_duration(opt(cmd, "timeout", "60s"));
  for (uint64_t i = 0; i < count; ++i) {
    auto value = std::to_string(++filled_) + ":";
    value.resize(std::max<size_t>(bytes, value.size()),
                 static_cast<char>('a' + filled_ % 26));
    c.propose(id, std::move(value), timeout);
  }
}

/// disk-full N and disk-ok N.
void scenario_state::disk(const command_line& cmd, std::vector<std::string>&) {
  auto& c = require_cluster();
  c.fail_disk(node_arg(cmd, 0), cmd.verb == "disk-full");
}

void scenario_state::compact(const command_line& cmd,
                             std::vector<std::string>&) {
  auto& c = require_cluster();
  c.compact(node_arg(cmd, 0));
}

void scenario_state::force_recover(const command_line& cmd,
                                   std::vector<std::string>&) {
  auto& c = require_cluster();
  c.force_recover(node_arg(cmd, 0));
}

void scenario_state::partition(const command_line& cmd,
                               std::vector<std::string>&) {
  auto& c = require_cluster();
  std::vector<std::vector<node_id>> groups{{}};
  for (auto& a : cmd.args) {
    if (a == "|") {
      groups.emplace_back();
      continue;
    }
    for (auto& x : split(a, ','))
      groups.back().emplace_back(x);
  }
  c.partition(groups);
}

void scenario_state::isolate(const command_line& cmd,
                             std::vector<std::string>&) {
  auto& c = require_cluster();
  auto id = node_arg(cmd, 0);
  std::vector<node_id> rest;
  for (auto& x : c.ids())
    if (x != id)
      rest.push_back(x);
  c.partition({{id}, rest});
}

/// block, unblock, hold and drop-held, each on one link such as 1->2.
void scenario_state::link(const command_line& cmd, std::vector<std::string>&) {
  auto& c = require_cluster();
  auto& v = cmd.verb;
  if (cmd.args.empty())
    throw std::invalid_argument(v + ": missing link such as 1->2");
  auto [from, to] = parse_link(cmd.args[0]);
  if (v == "block")
    c.net().block(from, to);
  else if (v == "unblock")
    c.net().unblock(from, to);
  else if (v == "hold")
    c.net().hold(from, to);
  else
    c.net().drop_held(from, to);
}

void scenario_state::release(const command_line& cmd,
                             std::vector<std::string>& out) {
  auto& c = require_cluster();
  if (cmd.args.empty())
    throw std::invalid_argument("release: missing link such as 1->2");
  auto [from, to] = parse_link(cmd.args[0]);
  for (auto& m : c.release(from, to, std::stoul(opt(cmd, "n", "1000000"))))
    out.push_back("released " + from.name + "->" + to.name + ": " + m);
}

void scenario_state::heal(const command_line&, std::vector<std::string>&) {
  require_cluster().heal();
}

void scenario_state::crash(const command_line& cmd,
                           std::vector<std::string>&) {
  auto& c = require_cluster();
  c.crash(node_arg(cmd, 0));
}

void scenario_state::restart(const command_line& cmd,
                             std::vector<std::string>&) {
  auto& c = require_cluster();
  c.restart(node_arg(cmd, 0));
}

void scenario_state::net(const command_line& cmd, std::vector<std::string>&) {
  auto& f = require_cluster().net().faults;
  if (cmd.opts.count("drop"))
    f.drop = std::stod(cmd.opts.at("drop"));
  if (cmd.opts.count("duplicate"))
    f.duplicate = std::stod(cmd.opts.at("duplicate"));
  if (cmd.opts.count("delay"))
    std::tie(f.min_delay, f.max_delay) = parse_range(cmd.opts.at("delay"));
}

void scenario_state::check(const command_line&,
                           std::vector<std::string>& out) {
  auto& c = require_cluster();
  c.end_check();
  if (c.check().ok())
    out.push_back("ok");
}

const std::map<std::string, scenario_state::verb_handler>&
scenario_state::verbs() {
  using s = scenario_state;
  static const std::map<std::string, verb_handler> table{
    {"elect", &s::elect},
    {"campaign", &s::campaign},
    {"wait-leader", &s::wait_leader},
    {"run", &s::run},
    {"propose", &s::propose},
    {"read", &s::read},
    {"results", &s::results},
    {"fill", &s::fill},
    {"disk-full", &s::disk},
    {"disk-ok", &s::disk},
    {"compact", &s::compact},
    {"force-recover", &s::force_recover},
    {"digest", &s::digest},
    {"status", &s::status},
    {"log", &s::log},
    {"partition", &s::partition},
    {"isolate", &s::isolate},
    {"block", &s::link},
    {"unblock", &s::link},
    {"hold", &s::link},
    {"drop-held", &s::link},
    {"release", &s::release},
    {"heal", &s::heal},
    {"crash", &s::crash},
    {"restart", &s::restart},
    {"net", &s::net},
    {"stats", &s::stats},
    {"check", &s::check},
  };
  return table;
}

void scenario_state::execute(const command_line& cmd,
                             std::vector<std::string>& out) {
  if (cmd.verb == "cluster")
    return make_cluster(cmd, out);
  require_cluster();
  if (auto i = verbs().find(cmd.verb); i != verbs().end())
    return (this->*(i->second))(cmd, out);
  // The membership verbs (scenario_membership.cpp), or an unknown verb.
  if (!membership_command(cmd, out))
    throw std::invalid_argument("unknown command: " + cmd.verb);
}

} // namespace flexsync::sim
