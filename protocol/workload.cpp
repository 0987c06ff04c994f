#include "protocol/workload.hpp"

namespace flexsync {

void workload_tracker::add(const std::string& zone, uint64_t n) {
  window_[zone] += n;
  total_ += n;
}

void workload_tracker::close_window(const workload_rule& rule) {
  std::optional<std::string> top;
  if (total_ >= rule.min_commands && total_ > 0)
    for (auto& [zone, n] : window_)
      if (!zone.empty()
          && static_cast<double>(n) >= rule.share * static_cast<double>(total_))
        top = zone;
  if (top && top == run_zone_) {
    ++run_;
  } else {
    run_zone_ = top;
    run_ = top ? 1 : 0;
  }
  // The dominant zone stays until another one dominates a whole run: a
  // quiet or mixed stretch does not undo a move.
  if (run_zone_ && run_ >= rule.windows)
    dominant_ = run_zone_;
  window_.clear();
  total_ = 0;
}

} // namespace flexsync
