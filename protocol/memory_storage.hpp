#pragma once

// Storage held in memory: nothing survives the process. Used for small data,
// tests and the simulator (which keeps the object across a simulated crash to
// model a durable disk).

#include <deque>

#include "protocol/storage.hpp"

namespace flexsync {

class memory_storage : public storage {
public:
  index_t snapshot_index() const override { return snapshot_index_; }
  index_t last_index() const override;
  term_t term_at(index_t i) const override;

  term_t current_term() const override { return current_term_; }
  std::optional<node_id> voted_for() const override { return voted_for_; }
  void save_term_and_vote(term_t term,
                          std::optional<node_id> voted_for) override;

  void append(entry_list entries) override;
  void truncate_suffix(index_t from) override;
  void entries(index_t from, index_t to, size_t max_bytes,
               entry_list& out) const override;

  void sync() override {
    // nothing to do: memory is as durable as it gets
  }
  bool durable_at_once() const override { return true; }

  index_t commit_index() const override { return commit_index_; }
  void save_commit_index(index_t index) override;

  void install_snapshot(index_t index, term_t term, int64_t time) override;
  int64_t last_time() const override;

  size_t entry_count() const override { return log_.size() - compacted_; }
  /// Bytes of the entries held, including compacted ones not released yet.
  size_t byte_size() const override { return bytes_; }

  /// Compacted entries still held (released a few at each append).
  size_t unreleased() const { return compacted_; }

  /// The entry at `i` (snapshot_index() < i <= last_index()).
  const log_entry& at(index_t i) const;

private:
  term_t current_term_;
  std::optional<node_id> voted_for_;
  index_t snapshot_index_;
  term_t snapshot_term_;
  int64_t snapshot_time_ = 0;
  index_t commit_index_;
  /// Releases up to `n` compacted entries.
  void release(size_t n);

  /// The entries after the snapshot, behind the `compacted_` ones it
  /// covers. install_snapshot() only counts those: freeing 100 000 entries
  /// at once stalled the node for 15-30 ms (their memory is cold and was
  /// allocated by other threads), so each append releases twice as many
  /// as it adds.
  std::deque<log_entry> log_;
  size_t compacted_ = 0;
  size_t bytes_ = 0;
};

} // namespace flexsync
