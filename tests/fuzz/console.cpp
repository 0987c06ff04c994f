// Fuzz target "console": flexsync-node's console (the command language of
// scenarios/examples/console_commands.hpp, which node_console.cpp runs on
// the real node) on a fake node that answers at once from memory.
//
// Input: a mode byte (bit 0: every blocking call fails with a two-line
// error; bit 1: membership changes, transfers and set-version are refused;
// bit 2: the node is recovering), then command lines separated by '\n'.
// Bench lines run for their SECONDS: the target skips those asking for
// more than 5 ms and at most a day, the longest run the console accepts
// (every other word of theirs is fuzzed as is).
//
// Properties: run_console_command never throws (the console thread of
// flexsync-node catches nothing); every answer is one line starting with
// "ok" or "error" (metrics: "ok lines=N" and exactly N more lines); quit
// answers "ok bye"; a line refused as unknown or malformed (usage, a bad
// version number) reached no node call that changes anything.

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "scenarios/examples/console_commands.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;
using namespace flexsync::examples;

namespace {

class fake_node : public console_node {
public:
  explicit fake_node(uint8_t mode) : mode_(mode) {}

  /// Calls that changed (or would change) the node.
  size_t changes = 0;

  std::string status_line() override {
    return "ok self=127.0.0.1:7001 role=leader term=3 leader=127.0.0.1:7001"
           " commit="
           + std::to_string(commit_) + " counter=" + std::to_string(counter_);
  }

  std::string metrics_text() override {
    return "ok lines=2\n# TYPE flexsync_term gauge\nflexsync_term 3";
  }

  std::string describe(const std::exception& e) override { return e.what(); }

  int64_t counter_inc() override { return counter_add(1); }

  int64_t counter_add(int64_t n) override {
    call();
    counter_ = static_cast<int64_t>(static_cast<uint64_t>(counter_)
                                    + static_cast<uint64_t>(n));
    return counter_;
  }

  int64_t counter_get() override { return counter_; }

  void counter_barrier(read_mode) override { read(); }

  void counter_inc_async(std::function<void(bool)> done,
                         std::chrono::milliseconds) override {
    ++changes;
    done(true); // probe waits until one succeeds: never make it wait
  }

  void kv_set(const std::string& key, const std::string& value) override {
    call();
    kv_[key] = value;
  }

  std::optional<std::string> kv_get(const std::string& key) override {
    auto i = kv_.find(key);
    if (i == kv_.end())
      return std::nullopt;
    return i->second;
  }

  void kv_barrier(read_mode) override { read(); }

  void kv_barrier_async(read_mode, std::function<void(bool)> done) override {
    done(!failing());
  }

  std::optional<std::string> kv_pop(const std::string& key) override {
    call();
    auto v = kv_get(key);
    kv_.erase(key);
    return v;
  }

  void sink_put(const std::string& payload) override {
    call();
    sunk_ += payload.size();
  }

  void sink_put_async(const std::string& payload,
                      std::function<void(bool)> done) override {
    ++changes;
    sunk_ += payload.size();
    done(!failing());
  }

  int64_t tally_tick() override { return tally_tick_n(1); }

  int64_t tally_tick_n(int64_t n) override {
    call();
    tally_.after = static_cast<int64_t>(static_cast<uint64_t>(tally_.after)
                                        + static_cast<uint64_t>(n));
    return tally_.before + tally_.after;
  }

  tally_counts tally() override { return tally_; }

  void drop_links() override { ++changes; }

  std::string recovery() override {
    return mode_ & 4 ? "recovering: promised to 127.0.0.1:7002" : "";
  }

  void force_recover() override { ++changes; }

  change_result change_membership(const std::string&,
                                  const node_id& x) override {
    ++changes;
    if (mode_ & 2)
      return change_result::denied("not a member: " + x.name);
    return change_result::success();
  }

  change_result transfer(std::optional<node_id>) override {
    ++changes;
    if (mode_ & 2)
      return {fail_reason::not_leader, "no leader known"};
    return change_result::success("handed over to 127.0.0.1:7002");
  }

  change_result set_code_version(uint32_t version) override {
    ++changes;
    if (mode_ & 2)
      return change_result::denied("a voter lacks version "
                                   + std::to_string(version));
    return change_result::success("version " + std::to_string(version)
                                  + " enabled at index 12");
  }

  std::string members() override {
    return "voters {127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003}, majority "
           "(index 3)";
  }

  uint64_t allocations() override { return ++allocations_ * 10; }

private:
  bool failing() const { return mode_ & 1; }

  /// A blocking call that changes the node.
  void call() {
    ++changes;
    read();
    ++commit_;
  }

  /// A blocking call.
  void read() {
    if (failing())
      throw std::runtime_error("call timed out\nafter 5s");
  }

  uint8_t mode_;
  int64_t counter_ = 0;
  uint64_t commit_ = 0;
  uint64_t sunk_ = 0;
  uint64_t allocations_ = 0;
  std::map<std::string, std::string> kv_;
  tally_counts tally_;
};

std::vector<std::string> words(const std::string& line) {
  std::istringstream in{line};
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// Whether a bench line would run longer than the target waits (more
/// than a day is refused at once).
bool long_bench(const std::vector<std::string>& w) {
  if (w.size() < 3 || w[0] != "bench")
    return false;
  auto seconds = std::strtod(w[2].c_str(), nullptr);
  return seconds > 0.005 && seconds <= 86400;
}

bool starts_with(const std::string& x, const std::string& prefix) {
  return x.rfind(prefix, 0) == 0;
}

void check_answer(const std::string& line, const std::string& answer,
                  size_t changes_before, size_t changes_after) {
  auto w = words(line);
  FUZZ_CHECK(answer == "ok" || answer == "error" || starts_with(answer, "ok ")
               || starts_with(answer, "error "),
             "'" + line + "' answered '" + answer + "'");
  auto body_lines = std::count(answer.begin(), answer.end(), '\n');
  if (w.size() == 1 && w[0] == "metrics" && starts_with(answer, "ok ")) {
    auto n = std::strtoll(answer.c_str() + 9, nullptr, 10);
    FUZZ_CHECK(starts_with(answer, "ok lines=") && n == body_lines,
               "metrics answered '" + answer + "'");
  } else {
    FUZZ_CHECK(body_lines == 0,
               "'" + line + "' answered more than one line: '" + answer + "'");
  }
  if (w.size() == 1 && w[0] == "quit")
    FUZZ_CHECK(answer == "ok bye", "quit answered '" + answer + "'");
  if (starts_with(answer, "error unknown command")
      || starts_with(answer, "error usage")
      || starts_with(answer, "error set-version needs"))
    FUZZ_CHECK(changes_before == changes_after,
               "'" + line + "' was refused but reached the node");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  fake_node node{in.u8()};
  std::istringstream lines{in.rest()};
  for (std::string line; std::getline(lines, line);) {
    if (long_bench(words(line)))
      continue;
    auto before = node.changes;
    std::string answer;
    try {
      answer = run_console_command(node, line);
    } catch (const std::exception& e) {
      FUZZ_CHECK(false, "'" + line + "' threw " + e.what());
    }
    check_answer(line, answer, before, node.changes);
  }
  return 0;
}
