#include "scenarios/examples/node_console.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/transport/tcp_transport.hpp"
#include "protocol/code_version.hpp"
#include "protocol/metrics.hpp"
#include "protocol/types.hpp"
#include "scenarios/examples/alloc_counter.hpp"
#include "scenarios/examples/console_commands.hpp"

namespace flexsync::examples {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// -- payload_sink --------------------------------------------------------------

caf::behavior payload_sink::make_behavior() {
  return {[this](put_atom, const std::string& payload) {
    bytes_ += static_cast<int64_t>(payload.size());
    return ++count_;
  }};
}

caf::error payload_sink::save(caf::serializer& sink) {
  return sink(count_, bytes_);
}

caf::error payload_sink::load(caf::deserializer& source) {
  int64_t count = 0;
  int64_t bytes = 0;
  if (auto err = source(count, bytes))
    return err;
  count_ = count;
  bytes_ = bytes;
  return caf::none;
}

// -- versioned_tally ------------------------------------------------------------

versioned_behavior versioned_tally::make_versioned_behavior() {
  auto total = [this] { return counts_.before + counts_.after; };
  return {
    {0, {[this, total](tick_atom) {
      ++counts_.before;
      return total();
    }}},
    {2, {[this, total](tick_atom) {
           ++counts_.after;
           return total();
         },
         [this, total](tick_n_atom, int64_t n) {
           counts_.after += n;
           return total();
         }}},
  };
}

void versioned_tally::on_code_version_changed(uint32_t old_version,
                                              uint32_t new_version) {
  if (old_version < 2 && new_version >= 2)
    counts_.switched_at = detail::current_apply()->index;
}

caf::error versioned_tally::save(caf::serializer& sink) {
  return sink(counts_.before, counts_.after, counts_.switched_at);
}

caf::error versioned_tally::load(caf::deserializer& source) {
  counts c;
  if (auto err = source(c.before, c.after, c.switched_at))
    return err;
  counts_ = c;
  return caf::none;
}

namespace {

/// The text of a failed call.
std::string describe_failure(const std::exception& e) {
  std::string text = e.what();
  // A command no handler of the enabled code version takes (tick-n before
  // version 2) was applied as a no-op on every replica.
  if (auto* ae = dynamic_cast<const apply_error*>(&e);
      ae && ae->error().category() == error_category)
    text = std::string{to_string(to_fail_reason(ae->error()))}
           + ": unknown operation under the enabled code version, or "
             "undecodable";
  return text;
}

/// FNV-1a over the key-value store's items: equal on replicas that hold
/// the same items.
uint64_t kv_digest(const kv_store& kv) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& x) {
    for (unsigned char c : x)
      h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull; // separator: "ab","c" != "a","bc"
  };
  for (auto& [k, v] : kv.items()) {
    mix(k);
    mix(v);
  }
  return h;
}

std::string status_line(console_target& t) {
  auto st = t.self->status();
  auto ts = transport_status(*t.sys, t.transport);
  auto tally = t.tally->get();
  std::ostringstream out;
  out << "ok self=" << st.self.name << " role=" << to_string(st.role)
      << " term=" << to_string(st.term)
      << " leader=" << (st.leader.empty() ? "-" : st.leader.name)
      << " commit=" << to_string(st.commit_index)
      << " applied=" << to_string(st.last_applied)
      << " last=" << to_string(st.last_log_index)
      << " links=" << ts.links.size() << " rejected=" << ts.rejected
      << " readonly=" << st.connected_readonly_nodes()
      << " ready=" << (st.ready ? 1 : 0) << " member=" << to_string(st.member)
      << " counter=" << t.counter->get()
      << " kv=" << t.kv->size() << " kv_digest=" << kv_digest(*t.kv)
      << " sink=" << t.sink->count()
      << " code_version=" << st.self_code_version
      << " enabled_code_version=" << st.enabled_code_version
      << " tally_before=" << tally.before << " tally_after=" << tally.after
      << " switched_at=" << tally.switched_at;
  return out.str();
}

/// "ok lines=N" and the N lines of the node's Prometheus text.
std::string metrics_text(console_target& t) {
  auto text = to_prometheus(t.self->metrics(), t.self->id().name);
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  auto lines = text.empty() ? 0 : std::count(text.begin(), text.end(), '\n') + 1;
  return "ok lines=" + std::to_string(lines) + (lines > 0 ? "\n" + text : "");
}

/// The console's node calls on a real node (console_commands.hpp).
class target_node : public console_node {
public:
  explicit target_node(console_target& t) : t_(t) {}

  std::string status_line() override { return examples::status_line(t_); }

  std::string metrics_text() override { return examples::metrics_text(t_); }

  std::string describe(const std::exception& e) override {
    return describe_failure(e);
  }

  int64_t counter_inc() override {
    return t_.counter->inc().get(t_.call_timeout);
  }

  int64_t counter_add(int64_t n) override {
    return t_.counter->add(n).get(t_.call_timeout);
  }

  int64_t counter_get() override { return t_.counter->get(); }

  void counter_barrier(read_mode mode) override {
    t_.counter->barrier(mode).get(t_.call_timeout);
  }

  void counter_inc_async(std::function<void(bool)> done,
                         std::chrono::milliseconds timeout) override {
    t_.counter->inc().then(
      [done](int64_t, const caf::error& err) { done(!err); }, timeout);
  }

  void kv_set(const std::string& key, const std::string& value) override {
    t_.kv->set(key, value).get(t_.call_timeout);
  }

  std::optional<std::string> kv_get(const std::string& key) override {
    return t_.kv->get(key);
  }

  void kv_barrier(read_mode mode) override {
    t_.kv->barrier(mode).get(t_.call_timeout);
  }

  void kv_barrier_async(read_mode mode,
                        std::function<void(bool)> done) override {
    t_.kv->barrier(mode).then(
      [done](const caf::error& err) { done(!err); });
  }

  std::optional<std::string> kv_pop(const std::string& key) override {
    return t_.kv->pop(key).get(t_.call_timeout);
  }

  void sink_put(const std::string& payload) override {
    t_.sink->put(payload).get(t_.call_timeout);
  }

  void sink_put_async(const std::string& payload,
                      std::function<void(bool)> done) override {
    t_.sink->put(payload).then(
      [done](int64_t, const caf::error& err) { done(!err); });
  }

  int64_t tally_tick() override {
    return t_.tally->tick().get(t_.call_timeout);
  }

  int64_t tally_tick_n(int64_t n) override {
    return t_.tally->tick_n(n).get(t_.call_timeout);
  }

  tally_counts tally() override {
    auto x = t_.tally->get();
    return {x.before, x.after, x.switched_at};
  }

  void drop_links() override { flexsync::drop_links(t_.transport); }

  std::string recovery() override { return t_.self->status().recovery; }

  void force_recover() override { t_.self->force_recover(); }

  /// Membership changes take longer than a call: the deadline is six call
  /// timeouts.
  change_result change_membership(const std::string& cmd,
                                  const node_id& x) override {
    auto deadline = 6 * t_.call_timeout;
    return cmd == "add-node"      ? t_.self->add_node(x, deadline)
           : cmd == "remove-node" ? t_.self->remove_node(x, deadline)
                                  : t_.self->add_learner(x, deadline);
  }

  change_result transfer(std::optional<node_id> target) override {
    return t_.self->transfer_leadership(target, 2 * t_.call_timeout);
  }

  change_result set_code_version(uint32_t version) override {
    return t_.self->set_code_version(version, 6 * t_.call_timeout);
  }

  std::string members() override {
    auto st = t_.self->status();
    return st.configuration + " (index " + to_string(st.config_index) + ")";
  }

  uint64_t allocations() override { return examples::allocations(); }

private:
  console_target& t_;
};

} // namespace

std::string run_command(console_target& t, const std::string& line) {
  target_node node{t};
  return run_console_command(node, line);
}

} // namespace flexsync::examples
