#include "protocol/config_log.hpp"

#include "protocol/assert.hpp"

namespace flexsync {

config_log::config_log(configuration base, index_t base_index)
  : base_(std::move(base)), base_index_(base_index) {
  // nop
}

const configuration& config_log::latest() const {
  return entries_.empty() ? base_ : entries_.rbegin()->second;
}

index_t config_log::latest_index() const {
  return entries_.empty() ? base_index_ : entries_.rbegin()->first;
}

const configuration& config_log::previous() const {
  if (entries_.size() < 2)
    return base_;
  return std::prev(entries_.end(), 2)->second;
}

const configuration& config_log::at(index_t index) const {
  auto i = entries_.upper_bound(index);
  if (i == entries_.begin())
    return base_;
  return std::prev(i)->second;
}

bool config_log::on_append(const entry_list& entries) {
  bool changed = false;
  for (auto& e : entries) {
    if (e.kind != entry_kind::config)
      continue;
    auto c = decode_configuration(e.data);
    FLEXSYNC_ASSERT(c.has_value(), "config entry " + to_string(e.index)
                                     + " does not decode");
    FLEXSYNC_ASSERT(e.index > latest_index(),
                    "config entry " + to_string(e.index) + " recorded after "
                      + to_string(latest_index()));
    entries_[e.index] = std::move(*c);
    changed = true;
  }
  return changed;
}

bool config_log::on_truncate(index_t from) {
  auto i = entries_.lower_bound(from);
  if (i == entries_.end())
    return false;
  entries_.erase(i, entries_.end());
  return true;
}

void config_log::on_compact(index_t index) {
  if (index <= base_index_)
    return;
  base_ = at(index);
  base_index_ = index;
  entries_.erase(entries_.begin(), entries_.upper_bound(index));
}

bool config_log::on_install(index_t index, configuration c,
                            index_t last_index) {
  auto before = latest();
  auto before_index = latest_index();
  entries_.erase(entries_.begin(), entries_.upper_bound(index));
  entries_.erase(entries_.upper_bound(last_index), entries_.end());
  base_ = std::move(c);
  base_index_ = index;
  return !(latest() == before) || latest_index() != before_index;
}

} // namespace flexsync
