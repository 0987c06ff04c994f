#include "scenarios/check/search.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_set>

#include "protocol/assert.hpp"

namespace flexsync::check {

std::string to_string(verdict x) {
  switch (x) {
    case verdict::linearizable:
      return "linearizable";
    case verdict::not_linearizable:
      return "not linearizable";
    case verdict::unknown:
      return "unknown";
  }
  return "?";
}

namespace {

constexpr int32_t none = -1;

struct entry {
  size_t op = 0;
  bool is_call = false;
  /// A call's return entry, a return's call entry.
  int32_t match = none;
  int32_t prev = none;
  int32_t next = none;
};

/// The call and return entries of a history in time order, with Knuth's
/// dancing links: lifting an op unlinks its two entries but leaves their own
/// links intact, so unlifting in reverse order restores the list exactly.
/// Entry 0 is the head sentinel.
class entry_list {
public:
  explicit entry_list(const history& ops) {
    // (time, is_return, op): at equal times calls sort before returns, so
    // ops that merely touch count as concurrent, the lenient reading.
    std::vector<std::tuple<ticks, bool, size_t>> events;
    for (size_t i = 0; i < ops.size(); ++i) {
      events.emplace_back(ops[i].invoke_time, false, i);
      events.emplace_back(effective_return_time(ops[i]), true, i);
    }
    std::sort(events.begin(), events.end());
    nodes_.resize(events.size() + 1);
    std::vector<int32_t> call_of(ops.size(), none);
    for (size_t k = 0; k < events.size(); ++k) {
      auto [time, is_return, op] = events[k];
      auto self = static_cast<int32_t>(k + 1);
      nodes_[self] = {op, !is_return, none, self - 1, none};
      nodes_[self - 1].next = self;
      if (is_return) {
        nodes_[call_of[op]].match = self;
        nodes_[self].match = call_of[op];
      } else
        call_of[op] = self;
    }
  }

  int32_t first() const { return nodes_[0].next; }

  const entry& at(int32_t i) const { return nodes_[i]; }

  void lift(int32_t call) {
    unlink(call);
    unlink(nodes_[call].match);
  }

  void unlift(int32_t call) {
    relink(nodes_[call].match);
    relink(call);
  }

private:
  void unlink(int32_t i) {
    auto& e = nodes_[i];
    nodes_[e.prev].next = e.next;
    if (e.next != none)
      nodes_[e.next].prev = e.prev;
  }

  void relink(int32_t i) {
    auto& e = nodes_[i];
    nodes_[e.prev].next = i;
    if (e.next != none)
      nodes_[e.next].prev = i;
  }

  std::vector<entry> nodes_;
};

/// A configuration of the search: which ops are linearized, and the state
/// they left the model in.
struct config {
  std::vector<uint64_t> linearized;
  model_state state;

  bool operator==(const config&) const = default;
};

struct config_hash {
  size_t operator()(const config& c) const {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    auto mix = [&h](uint64_t x) {
      h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    };
    for (auto w : c.linearized)
      mix(w);
    for (auto v : c.state)
      mix(static_cast<uint64_t>(v));
    return h;
  }
};

class searcher {
public:
  searcher(const model& m, const history& ops,
           const std::vector<bool>& weakened)
    : model_(m),
      ops_(ops),
      weakened_(weakened),
      list_(ops),
      state_(m.init()),
      current_{std::vector<uint64_t>((ops.size() + 63) / 64, 0), {}} {
    FLEXSYNC_ASSERT(weakened.empty() || weakened.size() == ops.size(),
                    "one weakened flag per op");
    for (size_t i = 0; i < ops.size(); ++i) {
      FLEXSYNC_ASSERT(ops[i].result != outcome::fail,
                      "fail ops must be dropped before the search: "
                        + describe(ops[i]));
      if (must_linearize(i))
        ++pending_ok_;
    }
  }

  search_result run(uint64_t max_steps) {
    search_result result;
    auto at = list_.first();
    while (pending_ok_ > 0) {
      if (result.steps == max_steps)
        return result; // unknown: the budget ran out
      // A pending ok op's return is still listed, so the walk has not ended.
      FLEXSYNC_ASSERT(at != none, "the search walked off the entry list");
      ++result.steps;
      const auto& e = list_.at(at);
      if (e.is_call) {
        at = try_linearize(at) ? list_.first() : e.next;
      } else if (is_weakened(e.op) && try_skip(e.match)) {
        at = list_.first();
      } else {
        at = backtrack();
        if (at == none) {
          // No choice is left to undo before this return.
          result.result = verdict::not_linearizable;
          return result;
        }
      }
    }
    result.result = verdict::linearizable;
    for (const auto& f : frames_)
      if (!f.skipped)
        result.order.push_back(list_.at(f.call).op);
    return result;
  }

private:
  struct frame {
    int32_t call;
    /// A weakened op taken as never having happened, rather than stepped.
    bool skipped;
    /// The model state before the op was linearized; empty when skipped.
    model_state state;
  };

  bool is_weakened(size_t op) const {
    return !weakened_.empty() && weakened_[op];
  }

  bool must_linearize(size_t op) const {
    return ops_[op].result == outcome::ok && !is_weakened(op);
  }

  void mark(size_t op, bool on) {
    auto bit = uint64_t{1} << (op % 64);
    auto& word = current_.linearized[op / 64];
    word = on ? (word | bit) : (word & ~bit);
  }

  /// Marks the op done and records the configuration; false when it was
  /// already explored (Lowe's memoization: it failed then, it fails now).
  bool enter(size_t op, const model_state& next) {
    mark(op, true);
    current_.state = next;
    if (cache_.insert(current_).second)
      return true;
    mark(op, false);
    return false;
  }

  bool try_linearize(int32_t at) {
    auto op = list_.at(at).op;
    auto known = must_linearize(op) ? &ops_[op].output : nullptr;
    auto next = model_.step(state_, ops_[op].input, known);
    if (!next || !enter(op, *next))
      return false;
    frames_.push_back({at, false, std::move(state_)});
    state_ = std::move(*next);
    list_.lift(at);
    if (must_linearize(op))
      --pending_ok_;
    return true;
  }

  /// A weakened op whose return the walk reached unlinearized: the one
  /// choice left is that it never took effect.
  bool try_skip(int32_t call) {
    if (!enter(list_.at(call).op, state_))
      return false;
    frames_.push_back({call, true, {}});
    list_.lift(call);
    return true;
  }

  /// Undoes the last linearization and returns the entry after its call,
  /// where the walk resumes; `none` when nothing is left to undo. Undoing a
  /// skip leaves no alternative at its return, so it undoes further.
  int32_t backtrack() {
    while (!frames_.empty()) {
      auto f = std::move(frames_.back());
      frames_.pop_back();
      auto op = list_.at(f.call).op;
      mark(op, false);
      list_.unlift(f.call);
      if (f.skipped)
        continue;
      state_ = std::move(f.state);
      if (must_linearize(op))
        ++pending_ok_;
      return list_.at(f.call).next;
    }
    return none;
  }

  const model& model_;
  const history& ops_;
  const std::vector<bool>& weakened_;
  entry_list list_;
  model_state state_;
  /// The linearized set; its state field is scratch for cache lookups.
  config current_;
  std::unordered_set<config, config_hash> cache_;
  std::vector<frame> frames_;
  size_t pending_ok_ = 0;
};

} // namespace

search_result linearize(const model& m, const history& ops,
                        uint64_t max_steps, const std::vector<bool>& weakened) {
  return searcher{m, ops, weakened}.run(max_steps);
}

} // namespace flexsync::check
