#include "protocol/progress.hpp"

#include <algorithm>

#include "protocol/assert.hpp"

namespace flexsync {

progress::progress(index_t leader_last_index, size_t max_inflight)
  : next_(leader_last_index + 1), max_inflight_(std::max<size_t>(1, max_inflight)) {
  // nop
}

bool progress::can_send() const {
  if (state_ == state::probe)
    return !probe_sent_;
  return inflight_.size() < max_inflight_;
}

void progress::on_sent(index_t last_sent) {
  if (state_ == state::probe) {
    probe_sent_ = true;
    return;
  }
  next_ = std::max(next_, last_sent + 1);
  inflight_.push_back(last_sent);
}

bool progress::on_success(index_t index) {
  auto advanced = index > match_;
  if (advanced) {
    match_ = index;
    idle_heartbeats_ = 0;
  }
  while (!inflight_.empty() && inflight_.front() <= index)
    inflight_.pop_front();
  if (state_ == state::probe) {
    // The follower's position is known: pipeline from here on.
    state_ = state::replicate;
    probe_sent_ = false;
    inflight_.clear();
    next_ = match_ + 1;
  } else {
    next_ = std::max(next_, match_ + 1);
  }
  check();
  return advanced;
}

bool progress::on_reject(index_t rejected, index_t hint) {
  if (state_ == state::replicate) {
    // A rejection at or below the match index answers an older append.
    if (rejected <= match_)
      return false;
  } else if (rejected + 1 != next_) {
    // In probe mode only the answer to the current probe counts.
    return false;
  }
  become_probe(std::max(match_ + 1, std::min(rejected, hint)));
  check();
  return true;
}

void progress::on_snapshot_installed(index_t last) {
  if (last > match_)
    match_ = last;
  become_probe(match_ + 1);
  check();
}

void progress::on_heartbeat(size_t stall_heartbeats) {
  if (state_ == state::probe) {
    probe_sent_ = false;
    return;
  }
  if (inflight_.empty()) {
    idle_heartbeats_ = 0;
    return;
  }
  if (++idle_heartbeats_ >= stall_heartbeats)
    become_probe(match_ + 1);
}

void progress::become_probe(index_t next) {
  state_ = state::probe;
  probe_sent_ = false;
  inflight_.clear();
  idle_heartbeats_ = 0;
  next_ = next;
}

void progress::check() const {
  FLEXSYNC_ASSERT(match_ < next_, "match " + to_string(match_) + " not below next "
                                    + to_string(next_));
  FLEXSYNC_ASSERT(inflight_.empty() || inflight_.front() > match_,
                  "an append up to " + to_string(inflight_.front())
                    + " in flight at or below match " + to_string(match_));
}

} // namespace flexsync
