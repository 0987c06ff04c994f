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
  /// A call's return entry; `none` for a return.
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
      if (is_return)
        nodes_[call_of[op]].match = self;
      else
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
  searcher(const model& m, const history& ops)
    : model_(m),
      ops_(ops),
      list_(ops),
      state_(m.init()),
      current_{std::vector<uint64_t>((ops.size() + 63) / 64, 0), {}} {
    for (const auto& op : ops) {
      FLEXSYNC_ASSERT(op.result != outcome::fail,
                      "fail ops must be dropped before the search: "
                        + describe(op));
      if (op.result == outcome::ok)
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
      } else if (frames_.empty()) {
        // The first pending return cannot be preceded by any choice.
        result.result = verdict::not_linearizable;
        return result;
      } else {
        at = backtrack();
      }
    }
    result.result = verdict::linearizable;
    for (const auto& f : frames_)
      result.order.push_back(list_.at(f.call).op);
    return result;
  }

private:
  struct frame {
    int32_t call;
    /// The model state before the call's op was linearized.
    model_state state;
  };

  void mark(size_t op, bool on) {
    auto bit = uint64_t{1} << (op % 64);
    auto& word = current_.linearized[op / 64];
    word = on ? (word | bit) : (word & ~bit);
  }

  bool try_linearize(int32_t at) {
    const auto& op = ops_[list_.at(at).op];
    auto known = op.result == outcome::ok ? &op.output : nullptr;
    auto next = model_.step(state_, op.input, known);
    if (!next)
      return false;
    mark(list_.at(at).op, true);
    current_.state = *next;
    if (!cache_.insert(current_).second) {
      // Lowe's memoization: this configuration was explored and failed.
      mark(list_.at(at).op, false);
      return false;
    }
    frames_.push_back({at, std::move(state_)});
    state_ = std::move(*next);
    list_.lift(at);
    if (op.result == outcome::ok)
      --pending_ok_;
    return true;
  }

  int32_t backtrack() {
    auto f = std::move(frames_.back());
    frames_.pop_back();
    state_ = std::move(f.state);
    auto op = list_.at(f.call).op;
    mark(op, false);
    list_.unlift(f.call);
    if (ops_[op].result == outcome::ok)
      ++pending_ok_;
    return list_.at(f.call).next;
  }

  const model& model_;
  const history& ops_;
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
                        uint64_t max_steps) {
  return searcher{m, ops}.run(max_steps);
}

} // namespace flexsync::check
