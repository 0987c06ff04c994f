#pragma once

// The deadlines of a node's pending calls, for the sweep that fails calls
// past theirs. Calls with the same timeout are submitted in clock order, so
// their deadlines come in order too: one FIFO queue per timeout keeps them
// sorted without a tree node per call. An answered call is removed lazily:
// its entry is dropped when it reaches the front, or when the queue is
// compacted (once it holds more than twice the pending calls), so the
// queues stay O(pending calls).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace flexsync {

template <class TimePoint, class Duration>
class deadline_queues {
public:
  /// Call `id` (with timeout `timeout`) is due at `deadline`.
  void add(Duration timeout, TimePoint deadline, uint64_t id) {
    auto& q = queues_[timeout];
    // A deadline before the queue's last (the clock moved back) would break
    // the order: such a deadline goes to the sorted fallback.
    if (!q.empty() && deadline < q.back().first)
      odd_.emplace(deadline, id);
    else
      q.emplace_back(deadline, id);
    ++entries_;
  }

  /// The earliest deadline of a pending call (`pending(id)` tells), if any.
  template <class Pending>
  std::optional<TimePoint> earliest(Pending pending) {
    std::optional<TimePoint> out;
    for (auto& [timeout, q] : queues_) {
      trim(q, pending);
      if (!q.empty() && (!out || q.front().first < *out))
        out = q.front().first;
    }
    trim_odd(pending);
    if (!odd_.empty() && (!out || odd_.begin()->first < *out))
      out = odd_.begin()->first;
    return out;
  }

  /// Removes and returns the pending calls due at `now` or before, earliest
  /// queue first.
  template <class Pending>
  std::vector<uint64_t> take_due(TimePoint now, Pending pending) {
    std::vector<uint64_t> out;
    for (auto& [timeout, q] : queues_)
      while (!q.empty() && q.front().first <= now) {
        if (pending(q.front().second))
          out.push_back(q.front().second);
        q.pop_front();
        --entries_;
      }
    while (!odd_.empty() && odd_.begin()->first <= now) {
      if (pending(odd_.begin()->second))
        out.push_back(odd_.begin()->second);
      odd_.erase(odd_.begin());
      --entries_;
    }
    return out;
  }

  /// A call was answered: its entry may go. `pending_count`: calls still
  /// pending; compacts when the entries exceed twice that.
  template <class Pending>
  void on_answered(size_t pending_count, Pending pending) {
    if (entries_ <= 2 * pending_count + 1024)
      return;
    for (auto& [timeout, q] : queues_) {
      std::deque<std::pair<TimePoint, uint64_t>> kept;
      for (auto& e : q)
        if (pending(e.second))
          kept.push_back(e);
      entries_ -= q.size() - kept.size();
      q.swap(kept);
    }
    for (auto i = odd_.begin(); i != odd_.end();)
      if (pending(i->second)) {
        ++i;
      } else {
        i = odd_.erase(i);
        --entries_;
      }
  }

  /// Entries held, answered ones not yet dropped included.
  size_t entries() const { return entries_; }

  bool empty() const { return entries_ == 0; }

private:
  template <class Pending>
  void trim(std::deque<std::pair<TimePoint, uint64_t>>& q, Pending pending) {
    while (!q.empty() && !pending(q.front().second)) {
      q.pop_front();
      --entries_;
    }
  }

  template <class Pending>
  void trim_odd(Pending pending) {
    while (!odd_.empty() && !pending(odd_.begin()->second)) {
      odd_.erase(odd_.begin());
      --entries_;
    }
  }

  std::map<Duration, std::deque<std::pair<TimePoint, uint64_t>>> queues_;
  std::multimap<TimePoint, uint64_t> odd_;
  size_t entries_ = 0;
};

} // namespace flexsync
