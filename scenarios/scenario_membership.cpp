// Scenario commands for membership changes:
//
//   add-node AT X [wait=5s] [timeout=10s]    ask AT to add X as a voter
//   remove-node AT X [...]                   ask AT to remove X
//   add-learner AT X [...]                   ask AT to add X as a learner
//   set-members AT voters=1,2,3 [learners=4] [quorum=SPEC] [zones=1=us,...]
//               [weights=1=2,...] [election_quorum=Q1 replication_quorum=Q2]
//               [...]                        ask AT for that configuration
//   transfer AT [X] [...]                    ask AT to hand leadership to X
//                                            (none: the best voter)
//   set-version AT N [...]                   ask AT to enable code version N
//   code-version X N                         X supports code versions up to
//                                            N from its next (re)start on
//   changes                                  every request's outcome so far
//   config                                   each live node's configuration
//
// With wait=D the script runs until the request is answered (at most D) and
// prints its outcome; without it the request runs on in the background.

#include <sstream>

#include "scenarios/scenario_commands.hpp"

namespace flexsync::sim {

namespace {

std::vector<node_id> id_list(const std::string& x) {
  std::vector<node_id> out;
  std::istringstream in{x};
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      out.emplace_back(item);
  return out;
}

std::string render(const cluster::change_outcome& x) {
  std::string out = x.label + ": ";
  if (!x.done)
    return out + "pending";
  out += to_string(x.result.reason);
  if (!x.result.detail.empty())
    out += " (" + x.result.detail + ")";
  return out;
}

change_request request_of(const command_line& cmd, const std::string& v) {
  change_request req;
  if (v == "set-members") {
    req.op = change_op::set;
    auto get = [&](const char* key) {
      auto i = cmd.opts.find(key);
      return i == cmd.opts.end() ? std::string{} : i->second;
    };
    req.target.voters = id_list(get("voters"));
    req.target.learners = id_list(get("learners"));
    // A bad spec or label is the scenario's mistake, not the cluster's
    // answer: it stops the script.
    try {
      req.target.quorum = quorum_option(cmd, req.target.voters);
    } catch (const config_error& e) {
      throw std::invalid_argument(std::string{"set-members: "} + e.what());
    }
    req.target.normalize();
    return req;
  }
  if (v == "set-version") {
    if (cmd.args.size() < 2)
      throw std::invalid_argument("set-version: expected AT and a version");
    req.op = change_op::set_version;
    req.version = static_cast<uint32_t>(std::stoul(cmd.args[1]));
    return req;
  }
  if (v == "transfer") {
    req.op = change_op::transfer_leader;
    if (cmd.args.size() >= 2 && cmd.args[1].find('=') == std::string::npos)
      req.node = node_id{cmd.args[1]};
    return req;
  }
  if (cmd.args.size() < 2)
    throw std::invalid_argument(v + ": expected AT and the node to change");
  req.op = v == "add-node"      ? change_op::add_voter
           : v == "add-learner" ? change_op::add_learner
                                : change_op::remove;
  req.node = node_id{cmd.args[1]};
  return req;
}

} // namespace

bool scenario_state::membership_command(const command_line& cmd,
                                        std::vector<std::string>& out) {
  auto& v = cmd.verb;
  auto& c = require_cluster();
  if (v == "changes") {
    for (auto& x : c.changes())
      out.push_back(render(x));
    return true;
  }
  if (v == "config") {
    for (auto& id : c.live())
      if (auto* conf = c.check().config_of(id))
        out.push_back(id.name + " config " + conf->to_string());
    return true;
  }
  if (v == "code-version") {
    if (cmd.args.size() < 2)
      throw std::invalid_argument("code-version: expected X and a version");
    c.set_max_code_version(node_arg(cmd, 0),
                           static_cast<uint32_t>(std::stoul(cmd.args[1])));
    return true;
  }
  if (v != "add-node" && v != "remove-node" && v != "add-learner"
      && v != "set-members" && v != "transfer" && v != "set-version")
    return false;
  auto at = node_arg(cmd, 0);
  auto req = request_of(cmd, v);
  auto what = req.op == change_op::set           ? req.target.to_string()
              : req.op == change_op::set_version ? std::to_string(req.version)
              : req.node.empty()                 ? std::string{"best"}
                                                 : req.node.name;
  auto label = v + " " + what + " on " + at.name;
  auto timeout = parse_duration(cmd.opts.count("timeout")
                                  ? cmd.opts.at("timeout")
                                  : std::string{"10s"});
  auto slot = c.change(at, std::move(req), timeout, label);
  if (cmd.opts.count("wait")) {
    c.run_until([&] { return c.changes()[slot].done; },
                parse_duration(cmd.opts.at("wait")));
    out.push_back(render(c.changes()[slot]));
  }
  return true;
}

} // namespace flexsync::sim
