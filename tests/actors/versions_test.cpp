// Zero-downtime deploys on real CAF threads: set_code_version through the
// log, every replica switching behaviours at the same index while calls
// keep coming, the hooks, refusals, a node that cannot apply an enabled
// version, and restarts from the journal alone and from snapshots alone.

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "tests/actors/local_cluster.hpp"
#include "tests/actors/temp_dir.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using bump_atom = caf::atom_constant<caf::atom("bump")>;
using double_atom = caf::atom_constant<caf::atom("double")>;

/// One run of on_code_version_changed: from, to, and the entry's index.
struct hook_run {
  uint32_t from = 0;
  uint32_t to = 0;
  uint64_t index = 0;
  bool operator==(const hook_run&) const = default;
};

/// A counter whose `bump` changed in code version 2 (it adds 10 instead of
/// 1) and that gained `double` in version 3. It records the index and step
/// of every bump (replicated state, in its snapshots) and every hook run
/// (not replicated: what this replica ran).
class versioned_counter : public state_machine {
public:
  replicated_call<int64_t> bump() { return call<int64_t>(bump_atom::value); }
  replicated_call<int64_t> twice() {
    return call<int64_t>(double_atom::value);
  }

  versioned_behavior make_versioned_behavior() override {
    return {
      {0, {[this](bump_atom) { return step(1); }}},
      {2, {[this](bump_atom) { return step(10); }}},
      {3, {[this](double_atom) { return value_ *= 2; }}},
    };
  }

  void on_code_version_changed(uint32_t from, uint32_t to) override {
    hooks_.push_back({from, to, detail::current_apply()->index});
  }

  caf::error save(caf::serializer& sink) override {
    return sink(value_, indexes_, steps_);
  }

  caf::error load(caf::deserializer& source) override {
    return source(value_, indexes_, steps_);
  }

  int64_t value() const {
    return read([this] { return value_; });
  }
  /// (index, step) of every bump applied, in order.
  std::vector<std::pair<uint64_t, int64_t>> history() const {
    return read([this] {
      std::vector<std::pair<uint64_t, int64_t>> out;
      for (size_t i = 0; i < indexes_.size(); ++i)
        out.emplace_back(indexes_[i], steps_[i]);
      return out;
    });
  }
  std::vector<hook_run> hooks() const {
    return read([this] { return hooks_; });
  }

private:
  int64_t step(int64_t n) {
    indexes_.push_back(detail::current_apply()->index);
    steps_.push_back(n);
    return value_ += n;
  }

  int64_t value_ = 0;
  std::vector<uint64_t> indexes_;
  std::vector<int64_t> steps_;
  std::vector<hook_run> hooks_;
};

using cluster = local_cluster<versioned_counter>;

/// Waits until every started member holds the same bump history as `i`
/// and returns whether they do.
bool same_history(cluster& c, size_t i) {
  return wait_until([&] {
    auto want = c.object(i).history();
    for (auto j : c.started())
      if (c.object(j).history() != want)
        return false;
    return true;
  });
}

bool enabled_everywhere(cluster& c, uint32_t v) {
  return wait_until([&] {
    for (auto j : c.started())
      if (c.at(j).enabled_code_version() != v)
        return false;
    return true;
  });
}

/// Calls bump through members 0 and 1 in turn on a thread of its own until
/// stopped; counts the acknowledged calls.
class bump_load {
public:
  explicit bump_load(cluster& c) : thread_([this, &c] { run(c); }) {}
  ~bump_load() { stop(); }

  void stop() {
    done_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  /// Waits until `n` more calls than now were acknowledged.
  bool wait_more(int n) {
    auto target = acked_.load() + n;
    return wait_until([&] { return acked_.load() >= target; });
  }

private:
  void run(cluster& c) {
    for (size_t i = 0; !done_; ++i) {
      try {
        c.object(i % 2).bump().get(5s);
        ++acked_;
      } catch (const std::exception&) {
        // Counted only when acknowledged.
      }
    }
  }

  std::atomic<bool> done_{false};
  std::atomic<int> acked_{0};
  std::thread thread_;
};

} // namespace

TEST_CASE("set-version switches every replica at the same index under load",
          "[actors][versions]") {
  std::mutex mtx;
  std::map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> seen;
  cluster c{{"a", "b", "c"}, with([&](node_config& cfg) {
              cfg.on_code_version_changed = [&, name = cfg.self.name](
                                              uint32_t from, uint32_t to) {
                std::lock_guard<std::mutex> guard{mtx};
                seen[name].emplace_back(from, to);
              };
            })};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto follower = (*leader + 1) % 3;
  CHECK(c.at(follower).code_version() == 3); // the highest declared
  // Version 3's operation does not exist before 3 is enabled.
  CHECK_THROWS_AS(c.object(follower).twice().get(5s), apply_error);
  bump_load load{c};
  REQUIRE(load.wait_more(20));
  auto r = c.at(follower).set_code_version(2);
  INFO(r.detail);
  REQUIRE(r.ok());
  REQUIRE(load.wait_more(20));
  load.stop();
  REQUIRE(same_history(c, *leader));
  // Every replica ran its hook once, at the same index: the entry's.
  auto hooks = c.object(0).hooks();
  REQUIRE(hooks.size() == 1);
  auto at = hooks.front().index;
  CHECK(hooks.front() == hook_run{0, 2, at});
  CHECK(r.detail == "code version 2 enabled at index " + std::to_string(at));
  for (size_t i = 1; i < 3; ++i)
    CHECK(c.object(i).hooks() == hooks);
  // Old behaviour before it, new after it, on every replica alike.
  size_t before = 0, after = 0;
  for (auto& [index, step] : c.object(0).history()) {
    CHECK(step == (index < at ? 1 : 10));
    (index < at ? before : after)++;
  }
  CHECK(before >= 20);
  CHECK(after >= 20);
  REQUIRE(enabled_everywhere(c, 2));
  {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& n : {"a", "b", "c"})
      CHECK(seen[n] == std::vector<std::pair<uint32_t, uint32_t>>{{0, 2}});
  }
  // The leader sees what each voter supports.
  auto st = c.at(*leader).status();
  CHECK(st.self_code_version == 3);
  CHECK(st.enabled_code_version == 2);
  for (auto& p : st.partners)
    CHECK(p.code_version == 3u);
  // Then version 3: its new operation works everywhere.
  CHECK_THROWS_AS(c.object(follower).twice().get(5s), apply_error);
  REQUIRE(c.at(follower).set_code_version(3).ok());
  auto before_double = c.object(follower).value();
  auto v = c.object(follower).twice().get(5s);
  CHECK(v == 2 * before_double);
  CHECK(wait_until([&] {
    return c.object(0).value() == v && c.object(1).value() == v
           && c.object(2).value() == v;
  }));
}

TEST_CASE("set-version is refused, changing nothing, unless every voter "
          "supports it",
          "[actors][versions]") {
  // c runs an older binary: it supports version 1 only.
  cluster c{{"a", "b", "c"}, with([](node_config& cfg) {
              if (cfg.self.name == "c")
                cfg.max_code_version = 1;
            })};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(0).bump().get(5s) == 1);
  auto& n = c.at(0);
  auto r = n.set_code_version(2);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail
        == "code version 2 is not supported by every voter: c supports up "
           "to 1");
  r = n.set_code_version(9);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail
        == "no voter supports code version 9 (the highest any voter "
           "supports is 3)");
  CHECK(c.object(1).bump().get(5s) == 2); // still version 0's bump
  // What every voter supports goes through; asking again is safe.
  REQUIRE(n.set_code_version(1).ok());
  REQUIRE(enabled_everywhere(c, 1));
  r = n.set_code_version(1);
  CHECK(r.ok());
  CHECK(r.detail == "code version 1 is already enabled");
  r = n.set_code_version(0);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail
        == "downgrades are not supported: code version 1 is enabled, 0 is "
           "lower");
  CHECK(c.object(2).bump().get(5s) == 3);
  CHECK(enabled_everywhere(c, 1));
  // Every switch runs the hooks, 0 -> 1 too, once per replica.
  auto hooks = c.object(0).hooks();
  REQUIRE(hooks.size() == 1);
  CHECK(hooks.front().to == 1);
  for (size_t i = 1; i < 3; ++i)
    CHECK(c.object(i).hooks() == hooks);
  std::map<std::string, std::string> keys;
  for (auto& [k, v] : c.at(*leader).status().to_key_values())
    keys.emplace(k, v);
  CHECK(keys.at("enabled_code_version") == "1");
  if (c.name(*leader) != "c")
    CHECK(keys.at("code_version_server_c") == "1");
}

TEST_CASE("set-version is refused while a learner that answers lacks it",
          "[actors][versions]") {
  // r, a read-only node the voters admit, runs an older binary.
  cluster c{{"a", "b", "c", "r"}, with([](node_config& cfg) {
              if (cfg.self.name == "r") {
                cfg.read_only = true;
                cfg.max_code_version = 1;
                return;
              }
              std::erase(cfg.partners, node_id{"r"});
              cfg.admit_non_member = true;
            })};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).bump().get(5s) == 1);
  auto r = c.index_of("r");
  REQUIRE(wait_until([&] { return c.object(r).value() == 1; }));
  auto res = c.at(*leader).set_code_version(2);
  CHECK(res.reason == fail_reason::request_denied);
  CHECK(res.detail
        == "code version 2 is not supported by every learner: r (a learner) "
           "supports up to 1");
  // Once r is gone (the leader drops it), the switch goes through.
  c.stop(r);
  CHECK(wait_until([&] { return c.at(*leader).set_code_version(2).ok(); }));
  CHECK(enabled_everywhere(c, 2));
}

TEST_CASE("set-version waits for a voter that does not answer",
          "[actors][versions]") {
  cluster c{{"a", "b", "c"}};
  auto leader = c.await_leader();
  REQUIRE(leader);
  auto silent = (*leader + 1) % 3;
  c.stop(silent);
  REQUIRE(wait_until([&] {
    for (auto& p : c.at(*leader).status().partners)
      if (p.id.name == c.name(silent))
        return p.link == link_state::disconnected;
    return false;
  }));
  auto r = c.at(*leader).set_code_version(2);
  CHECK(r.reason == fail_reason::request_denied);
  CHECK(r.detail
        == "code version 2 is not supported by every voter: no answer from "
             + c.name(silent));
  CHECK(c.object(*leader).bump().get(5s) == 1);
  // Back (a fresh memory node): once it answered, the switch goes through.
  c.restart(silent);
  REQUIRE(wait_until([&] { return c.at(*leader).set_code_version(2).ok(); }));
  CHECK(c.object(*leader).bump().get(5s) == 11);
  CHECK(same_history(c, *leader));
}

namespace {

namespace fs = std::filesystem;

/// Error lines logged by each member, by name.
struct error_lines {
  std::mutex mtx;
  std::map<std::string, std::vector<std::string>> lines;
  std::map<std::string, std::string> failures;

  void tweak(const std::string& name, node_options& opts) {
    opts.log_sink = [this, name](log_level lv, std::string_view line) {
      if (lv != log_level::error)
        return;
      std::lock_guard<std::mutex> guard{mtx};
      lines[name].emplace_back(line);
    };
    opts.on_failure = [this, name](const std::string& why) {
      std::lock_guard<std::mutex> guard{mtx};
      failures[name] = why;
    };
  }

  std::optional<std::string> failure(const std::string& name) {
    std::lock_guard<std::mutex> guard{mtx};
    auto i = failures.find(name);
    return i == failures.end() ? std::nullopt
                               : std::optional<std::string>{i->second};
  }
};

} // namespace

TEST_CASE("a node that cannot apply an enabled version stops with one line",
          "[actors][versions]") {
  temp_dir dir;
  std::map<std::string, uint32_t> max{{"a", 2}, {"b", 2}, {"c", 2}};
  error_lines errors;
  auto opts = with([&](node_config& cfg) {
    cfg.persistence.data_dir = dir.sub(cfg.self.name);
    cfg.max_code_version = max.at(cfg.self.name);
  });
  opts.tweak_options = [&](const std::string& name, node_options& o) {
    errors.tweak(name, o);
  };
  cluster c{{"a", "b", "c"}, opts};
  auto leader = c.await_leader();
  REQUIRE(leader);
  REQUIRE(c.object(*leader).bump().get(5s) == 1);
  REQUIRE(c.at(*leader).set_code_version(2).ok());
  REQUIRE(c.object(*leader).bump().get(5s) == 11);
  // c comes back with the old binary: replaying its journal, it reaches
  // the version entry and stops there.
  auto old = (*leader + 1) % 3;
  auto name = c.name(old);
  max[name] = 1;
  c.restart(old);
  REQUIRE(wait_until([&] { return errors.failure(name).has_value(); }));
  auto why = *errors.failure(name);
  CHECK(why.find("enables code version 2, but this node supports code "
                 "versions up to 1: it cannot apply it")
        != std::string::npos);
  {
    std::lock_guard<std::mutex> guard{errors.mtx};
    auto& lines = errors.lines[name];
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("enables code version 2") != std::string::npos);
  }
  // The others go on; upgraded, c catches up with them.
  CHECK(c.object(*leader).bump().get(5s) == 21);
  max[name] = 2;
  c.restart(old);
  CHECK(same_history(c, *leader));
  CHECK(c.object(old).hooks().size() == 1);
  CHECK_FALSE(errors.failure(c.name((old + 1) % 3)));
}

namespace {

/// Three nodes on disk switch to version 2 between bumps, stop, lose the
/// files `prefix` names, and restart: the enabled version and the state
/// must come back from what is left. Returns the restarted cluster's hooks
/// of member 0.
std::vector<hook_run> switch_stop_restart(const std::string& prefix,
                                          bool compact) {
  temp_dir dir;
  cluster c{{"a", "b", "c"}, with([&](node_config& cfg) {
              cfg.persistence.data_dir = dir.sub(cfg.self.name);
            })};
  auto leader = c.await_leader();
  REQUIRE(leader);
  for (int i = 0; i < 3; ++i)
    c.object(*leader).bump().get(5s);
  REQUIRE(c.at(*leader).set_code_version(2).ok());
  for (int i = 0; i < 3; ++i)
    c.object(*leader).bump().get(5s);
  REQUIRE(same_history(c, *leader));
  auto history = c.object(*leader).history();
  if (compact)
    CHECK(c.compact_all());
  for (size_t i = 0; i < c.size(); ++i)
    c.stop(i);
  for (auto& n : {"a", "b", "c"})
    if (remove_files(dir.path / n, prefix) == 0)
      CHECK(prefix == "snapshot-"); // none taken: nothing to remove
  for (size_t i = 0; i < c.size(); ++i)
    c.restart(i);
  REQUIRE(enabled_everywhere(c, 2));
  for (size_t i = 0; i < c.size(); ++i)
    CHECK(wait_until([&] { return c.object(i).history() == history; }));
  auto next = c.await_leader();
  REQUIRE(next);
  CHECK(c.object(*next).bump().get(5s) == 43);
  CHECK(same_history(c, *next));
  return c.object(0).hooks();
}

} // namespace

TEST_CASE("the enabled version survives a full restart from the journal alone",
          "[actors][versions]") {
  // Replaying the version entry switches again: the hook runs once more on
  // the fresh objects, at the same index.
  auto hooks = switch_stop_restart("snapshot-", false);
  REQUIRE(hooks.size() == 1);
  CHECK(hooks.front().from == 0);
  CHECK(hooks.front().to == 2);
}

TEST_CASE("the enabled version survives a full restart from snapshots alone",
          "[actors][versions]") {
  // The snapshot holds the state after the switch: no hook runs.
  CHECK(switch_stop_restart("journal-", true).empty());
}

namespace readme {

// BEGIN README versions
struct counter : flexsync::state_machine {
  int64_t value = 0;
  flexsync::versioned_behavior make_versioned_behavior() override {
    auto capped = [this](int64_t x) { return value = std::min<int64_t>(x, 1000); };
    return {
      {0, {[this](caf::add_atom, int64_t n) { return value += n; }}},
      // version 2: add saturates at 1000 (changed), sub is new
      {2, {[this, capped](caf::add_atom, int64_t n) { return capped(value + n); },
           [this](caf::sub_atom, int64_t n) { return value -= n; }}},
    };
  }
  // on every replica, at the switch: bring the state into version 2's shape
  void on_code_version_changed(uint32_t, uint32_t) override { value = std::min<int64_t>(value, 1000); }
};
// END README versions

} // namespace readme

TEST_CASE("the README's versioned counter: from version 2 add saturates and "
          "sub exists",
          "[actors][versions]") {
  local_cluster<readme::counter> c{{"solo"}};
  REQUIRE(c.wait_all_ready());
  auto& x = c.object(0);
  CHECK(x.call<int64_t>(caf::add_atom_v, int64_t{1500}).get() == 1500);
  CHECK_THROWS_AS(x.call<int64_t>(caf::sub_atom_v, int64_t{1}).get(),
                  apply_error);
  REQUIRE(c.at(0).set_code_version(2).ok());
  CHECK(x.call<int64_t>(caf::add_atom_v, int64_t{0}).get() == 1000);
  CHECK(x.call<int64_t>(caf::sub_atom_v, int64_t{1}).get() == 999);
  CHECK(x.call<int64_t>(caf::add_atom_v, int64_t{5}).get() == 1000);
}
