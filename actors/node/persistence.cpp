#include "actors/node/persistence.hpp"

#include "protocol/memory_storage.hpp"
#include "snapshot/disk/memory_disk.hpp"

namespace flexsync {

namespace {

journal_options make_journal_options(const node_config& cfg,
                                     std::function<void(const std::string&)> log,
                                     std::function<int64_t()> clock,
                                     std::function<void(const std::string&)>
                                       progress) {
  journal_options opts;
  auto& p = cfg.persistence;
  opts.fsync = p.fsync;
  opts.fsync_period_ns = p.fsync_period.count();
  opts.segment_bytes = p.segment_bytes;
  opts.clock = std::move(clock);
  opts.log = std::move(log);
  opts.progress = std::move(progress);
  return opts;
}

/// Opens the journal and the newest snapshot it continues (see the header).
void open_journal(node_persistence& result, const node_config& cfg,
                  const std::shared_ptr<disk>& d,
                  const std::function<void(const std::string&)>& log,
                  const std::function<int64_t()>& clock,
                  const std::function<void(const std::string&)>& progress);

} // namespace

bool holds_no_state(const storage& s) {
  return s.current_term() == term_t{0} && !s.voted_for()
         && s.last_index() == index_t{0};
}

node_persistence open_persistence(const node_config& cfg,
                                  std::shared_ptr<disk> d,
                                  std::function<void(const std::string&)> log,
                                  std::function<int64_t()> clock,
                                  std::function<void(const std::string&)>
                                    progress) {
  node_persistence result;
  if (!d && cfg.persistence.data_dir.empty()) {
    result.store = std::make_shared<memory_storage>();
    result.snapshots = std::make_shared<snapshot_store>(
      std::make_shared<memory_disk>("memory"), log);
    result.marker = std::make_shared<recovery_marker>(nullptr);
    result.fresh = true;
    return result;
  }
  if (!d)
    d = make_posix_disk(cfg.persistence.data_dir);
  result.marker = std::make_shared<recovery_marker>(d);
  auto marked = result.marker->load();
  open_journal(result, cfg, d, log, clock, progress);
  if (marked) {
    result.fresh = true;
    result.promised = marked->promised;
  } else if (!result.restored && holds_no_state(*result.store)) {
    // Recorded before the node does anything: a crash before it caught up
    // must not make it look intact at the next start.
    result.fresh = true;
    result.marker->save(std::nullopt);
  }
  return result;
}

namespace {

void open_journal(node_persistence& result, const node_config& cfg,
                  const std::shared_ptr<disk>& d,
                  const std::function<void(const std::string&)>& log,
                  const std::function<int64_t()>& clock,
                  const std::function<void(const std::string&)>& progress) {
  // The weaker policies are a choice with consequences: say so once.
  if (cfg.persistence.fsync == fsync_policy::never)
    log("fsync=never: NOT DURABLE - a crash or power loss may lose "
        "acknowledged writes and votes (tests and benchmarks only)");
  else if (cfg.persistence.fsync == fsync_policy::periodic)
    log("fsync=periodic: a power loss may lose log entries acknowledged in "
        "the last "
        + std::to_string(cfg.persistence.fsync_period.count() / 1000000)
        + " ms (term and vote are always fsync'd)");
  result.snapshots = std::make_shared<snapshot_store>(d, log);
  auto opts = make_journal_options(cfg, log, clock, progress);
  // The newest snapshot the journal continues; older ones stay usable
  // because segments are only deleted below the previous snapshot.
  for (auto index : result.snapshots->list()) {
    auto snap = result.snapshots->load(index);
    if (!snap)
      continue;
    auto j = std::make_shared<journal>(d, opts);
    try {
      j->recover(snap->meta.last_index, snap->meta.last_term,
                 snap->meta.last_time);
    } catch (const journal_gap_error& e) {
      log(std::string{"snapshot "} + to_string(index)
          + " does not connect to the journal: " + e.what());
      continue;
    }
    result.log_journal = j;
    result.store = j;
    result.restored = std::make_shared<loaded_snapshot>(std::move(*snap));
    return;
  }
  auto j = std::make_shared<journal>(d, opts);
  try {
    j->recover(index_t{0}, term_t{0}, 0);
  } catch (const journal_gap_error& e) {
    throw storage_error(std::string{"no usable snapshot covers the start of "
                                    "the journal in "}
                        + d->where() + ": " + e.what());
  }
  result.log_journal = j;
  result.store = j;
}

} // namespace

} // namespace flexsync
