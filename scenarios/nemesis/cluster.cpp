// The nemesis runner's cluster of flexsync-node processes (see cluster.hpp).

#include "scenarios/nemesis/cluster.hpp"

#include <filesystem>
#include <fstream>
#include <set>

namespace flexsync::nemesis {

namespace {

std::vector<std::string> node_args(const cluster_options& opts,
                                   const fault_proxy& proxy, size_t i,
                                   uint16_t back_port) {
  std::string partners = "[";
  for (size_t j = 0; j < opts.nodes; ++j)
    if (j != i)
      partners += (partners.size() > 1 ? ",\"" : "\"") + proxy.id(j) + "\"";
  partners += "]";
  auto data = opts.dir + "/n" + std::to_string(i);
  std::filesystem::create_directories(data);
  // Short election timeouts: a fault is noticed (and healed) fast, so a
  // short run sees many elections.
  std::vector<std::string> args{
    "--self=" + proxy.id(i),
    "--bind=127.0.0.1:" + std::to_string(back_port),
    "--partners=" + partners,
    "--storage=disk",
    "--data-dir=" + data,
    "--fsync=always",
    "--call-timeout=" + std::to_string(opts.call_timeout_ms) + "ms",
    "--election-timeout-min=150ms",
    "--election-timeout-max=300ms",
    "--heartbeat-interval=40ms"};
  if (opts.password) {
    auto file = opts.dir + "/password";
    std::ofstream{file} << "nemesis password\n";
    args.push_back("--password-file=" + file);
  }
  return args;
}

/// "...: role follower -> leader (term 7)" as (new role, term).
std::optional<std::pair<std::string, int64_t>>
parse_role_line(const std::string& line) {
  auto at = line.find(": role ");
  auto arrow = line.find(" -> ", at == std::string::npos ? 0 : at);
  auto term = line.find(" (term ", arrow == std::string::npos ? 0 : arrow);
  if (at == std::string::npos || arrow == std::string::npos
      || term == std::string::npos)
    return std::nullopt;
  auto role = line.substr(arrow + 4, term - arrow - 4);
  try {
    return std::pair{role, std::stoll(line.substr(term + 7))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

} // namespace

cluster::cluster(const cluster_options& opts) : dir_(opts.dir) {
  std::vector<uint16_t> back_ports;
  for (size_t i = 0; i < opts.nodes; ++i)
    back_ports.push_back(free_port());
  proxy_ = std::make_unique<fault_proxy>(back_ports);
  for (size_t i = 0; i < opts.nodes; ++i)
    nodes_.push_back(std::make_unique<node_child>(
      opts.node_bin, node_args(opts, *proxy_, i, back_ports[i]),
      opts.dir + "/n" + std::to_string(i) + ".log", opts.disk_full));
}

std::string cluster::data_dir(size_t i) const {
  return dir_ + "/n" + std::to_string(i);
}

void cluster::start_all() {
  for (auto& n : nodes_)
    n->start();
}

void cluster::kill_all() {
  for (auto& n : nodes_)
    n->kill();
}

void cluster::cut_sides(const std::vector<size_t>& side) {
  std::set<size_t> a{side.begin(), side.end()};
  for (size_t i = 0; i < size(); ++i)
    for (size_t j = 0; j < size(); ++j)
      if (a.count(i) && !a.count(j))
        proxy_->cut(i, j);
}

void cluster::heal() {
  proxy_->heal();
  for (auto& n : nodes_) {
    n->resume();
    if (!n->running())
      n->start();
  }
}

std::optional<size_t> cluster::leader() const {
  std::optional<size_t> best;
  int64_t best_term = -1;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto& n = *nodes_[i];
    if (!n.running() || n.paused())
      continue;
    std::optional<std::pair<std::string, int64_t>> last;
    for (auto& line : n.log_since_start())
      if (auto r = parse_role_line(line))
        last = r;
    if (last && last->first == "leader" && last->second > best_term) {
      best = i;
      best_term = last->second;
    }
  }
  return best;
}

size_t cluster::elections() const {
  std::set<int64_t> terms;
  for (auto& n : nodes_)
    for (auto& line : n->whole_log())
      if (auto r = parse_role_line(line); r && r->first == "leader")
        terms.insert(r->second);
  return terms.size();
}

} // namespace flexsync::nemesis
