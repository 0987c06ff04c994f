#include "scenarios/sim/sim_network.hpp"

#include "protocol/appends.hpp"
#include "protocol/assert.hpp"
#include "protocol/commands.hpp"
#include "protocol/incarnation.hpp"
#include "protocol/read_index.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/votes.hpp"

namespace flexsync::sim {

namespace {

std::string type_name(const caf::message& msg) {
  if (msg.match_element<append_entries>(0))
    return "append_entries";
  if (msg.match_element<append_reply>(0))
    return "append_reply";
  if (msg.match_element<heartbeat>(0))
    return "heartbeat";
  if (msg.match_element<heartbeat_reply>(0))
    return "heartbeat_reply";
  if (msg.match_element<request_vote>(0))
    return msg.get_as<request_vote>(0).pre_vote ? "pre_vote" : "request_vote";
  if (msg.match_element<vote_reply>(0))
    return "vote_reply";
  if (msg.match_element<forward_command>(0))
    return "forward_command";
  if (msg.match_element<forward_reply>(0))
    return "forward_reply";
  if (msg.match_element<install_snapshot>(0))
    return "install_snapshot";
  if (msg.match_element<install_reply>(0))
    return "install_reply";
  if (msg.match_element<recovery_probe>(0))
    return "recovery_probe";
  if (msg.match_element<recovery_report>(0))
    return "recovery_report";
  if (msg.match_element<read_index_request>(0))
    return "read_index_request";
  if (msg.match_element<read_index_reply>(0))
    return "read_index_reply";
  return "other";
}

} // namespace

std::string describe_message(const caf::message& msg) {
  auto type = type_name(msg);
  if (msg.match_element<append_entries>(0)) {
    auto& m = msg.get_as<append_entries>(0);
    std::string entries;
    for (auto& e : m.entries)
      entries += (entries.empty() ? "" : " ") + to_string(e.index) + ":"
                 + to_string(e.term);
    return type + " term=" + to_string(m.term) + " prev="
           + to_string(m.prev_log_index) + ":" + to_string(m.prev_log_term)
           + " entries=[" + entries + "] commit=" + to_string(m.leader_commit);
  }
  if (msg.match_element<heartbeat>(0)) {
    auto& m = msg.get_as<heartbeat>(0);
    auto hint = m.commit_hint_term == term_t{0}
                  ? std::string{}
                  : " hint=" + to_string(m.commit_hint) + ":"
                      + to_string(m.commit_hint_term);
    return type + " term=" + to_string(m.term) + " commit="
           + to_string(m.leader_commit) + hint;
  }
  return type;
}

std::vector<caf::timespan> sim_network::route(const node_id& from,
                                              const node_id& to,
                                              const caf::message& msg) {
  ++counts_[{from, to, type_name(msg)}];
  if (msg.match_element<append_reply>(0) && !msg.get_as<append_reply>(0).success)
    ++rejections_[from];
  if (blocked(from, to))
    return {};
  if (held_links_.count({from, to}) > 0) {
    held_.push_back({from, to, msg});
    return {};
  }
  std::uniform_real_distribution<double> coin{0.0, 1.0};
  if (faults.drop > 0 && coin(rng_) < faults.drop)
    return {};
  std::uniform_int_distribution<int64_t> uniform{faults.min_delay.count(),
                                                 faults.max_delay.count()};
  auto delay = [&] {
    if (!latency)
      return caf::timespan{uniform(rng_)};
    auto d = latency->draw(from, to, rng_);
    return latency->fifo ? in_order(from, to, d) : d;
  };
  caf::timespan extra{0};
  for (auto* id : {&from, &to})
    if (auto i = faults.slow.find(*id); i != faults.slow.end())
      extra += i->second;
  std::vector<caf::timespan> result{delay() + extra};
  if (faults.duplicate > 0 && coin(rng_) < faults.duplicate)
    result.emplace_back(delay() + extra);
  return result;
}

caf::timespan sim_network::in_order(const node_id& from, const node_id& to,
                                    caf::timespan d) {
  FLEXSYNC_ASSERT(clock, "sim_network: a FIFO latency model needs a clock");
  auto now = clock();
  auto& last = last_arrival_[{from, to}];
  // Strictly later: equal times would leave the order to the scheduler.
  auto at = std::max(now + d, last + caf::timespan{1});
  last = at;
  return at - now;
}

std::vector<held_message> sim_network::release(const node_id& from,
                                               const node_id& to, size_t n) {
  std::vector<held_message> result;
  for (auto i = held_.begin(); i != held_.end() && result.size() < n;) {
    if (i->from == from && i->to == to) {
      result.push_back(std::move(*i));
      i = held_.erase(i);
    } else {
      ++i;
    }
  }
  return result;
}

void sim_network::drop_held(const node_id& from, const node_id& to) {
  std::erase_if(held_, [&](const held_message& m) {
    return m.from == from && m.to == to;
  });
}

} // namespace flexsync::sim
