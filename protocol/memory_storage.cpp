#include "protocol/memory_storage.hpp"

#include <string>

#include "protocol/assert.hpp"

namespace flexsync {

namespace {

/// Compacted entries released at each append and snapshot, beyond twice the
/// entries appended.
constexpr size_t release_step = 256;

} // namespace

index_t memory_storage::last_index() const {
  return snapshot_index_ + (log_.size() - compacted_);
}

term_t memory_storage::term_at(index_t i) const {
  if (i == snapshot_index_)
    return snapshot_term_;
  if (i < snapshot_index_ || i > last_index())
    return term_t{0};
  return at(i).term;
}

const log_entry& memory_storage::at(index_t i) const {
  return log_[compacted_ + (i - snapshot_index_ - 1)];
}

void memory_storage::save_term_and_vote(term_t term,
                                        std::optional<node_id> voted_for) {
  FLEXSYNC_ASSERT(term >= current_term_,
                  "current_term " + to_string(current_term_) + " lowered to "
                    + to_string(term));
  current_term_ = term;
  voted_for_ = std::move(voted_for);
}

void memory_storage::append(entry_list entries) {
  // Check the whole batch first: a refused append changes nothing.
  for (size_t k = 0; k < entries.size(); ++k)
    FLEXSYNC_ASSERT(entries[k].index == last_index() + (k + 1),
                    "append at index " + to_string(entries[k].index)
                      + " after last index " + to_string(last_index() + k));
  for (auto& e : entries) {
    bytes_ += e.data.size();
    log_.push_back(std::move(e));
  }
  release(2 * entries.size() + release_step);
}

void memory_storage::release(size_t n) {
  for (; compacted_ > 0 && n > 0; --compacted_, --n) {
    bytes_ -= log_.front().data.size();
    log_.pop_front();
  }
}

void memory_storage::truncate_suffix(index_t from) {
  FLEXSYNC_ASSERT(from > snapshot_index_ && from > commit_index_,
                  "truncation at " + to_string(from)
                    + " would drop committed entries (commit "
                    + to_string(commit_index_) + ")");
  while (last_index() >= from) {
    bytes_ -= log_.back().data.size();
    log_.pop_back();
  }
}

void memory_storage::entries(index_t from, index_t to, size_t max_bytes,
                             entry_list& out) const {
  size_t bytes = 0;
  for (auto i = from; i <= to; ++i) {
    auto& e = at(i);
    out.push_back(e);
    bytes += e.byte_size();
    if (bytes >= max_bytes)
      break;
  }
}

void memory_storage::install_snapshot(index_t index, term_t term,
                                      int64_t time) {
  if (index <= snapshot_index_)
    return;
  if (index <= last_index() && term_at(index) == term) {
    // §7: the log continues past the snapshot: keep what follows it.
    compacted_ += index - snapshot_index_;
  } else {
    compacted_ = log_.size();
  }
  release(release_step);
  snapshot_index_ = index;
  snapshot_term_ = term;
  snapshot_time_ = time;
  if (commit_index_ < index)
    commit_index_ = index;
}

int64_t memory_storage::last_time() const {
  return log_.empty() ? snapshot_time_ : log_.back().time;
}

void memory_storage::save_commit_index(index_t index) {
  if (index > commit_index_)
    commit_index_ = index;
}

} // namespace flexsync
