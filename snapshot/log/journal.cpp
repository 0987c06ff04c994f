#include "snapshot/log/journal.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "protocol/assert.hpp"
#include "protocol/well_formed.hpp"
#include "protocol/work_progress.hpp"
#include "snapshot/disk/codec.hpp"
#include "snapshot/disk/crc32c.hpp"

namespace flexsync {

namespace {

constexpr char segment_magic[8] = {'F', 'S', 'J', 'R', 'N', 'L', '0', '1'};
constexpr uint32_t segment_version = 1;
constexpr size_t header_size = 32;
constexpr size_t record_header_size = 8;
/// index, term, time, client_id, request_id (8 each) and kind (1).
constexpr size_t entry_fixed_size = 41;
constexpr uint32_t max_record_size = 0x7fffffff;

std::string segment_name(index_t first) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "journal-%020" PRIu64 ".seg", first.value);
  return buf;
}

bool is_segment_name(const std::string& name) {
  return name.size() == 32 && name.rfind("journal-", 0) == 0
         && name.compare(28, 4, ".seg") == 0;
}

/// The segment files of `d`, in index order (list() sorts the names).
std::vector<std::string> segment_names(const disk& d) {
  std::vector<std::string> segs;
  for (auto& n : d.list())
    if (is_segment_name(n))
      segs.push_back(n);
  return segs;
}

/// Bytes of the segments `segs` (replay progress knows them before reading).
uint64_t total_size(disk& d, const std::vector<std::string>& segs) {
  uint64_t total = 0;
  for (auto& s : segs)
    total += d.open(s, false)->size();
  return total;
}

/// The first index of segment `name`, from its header.
/// @throws storage_error for a header not of a flexsync journal version 1.
uint64_t segment_first(const disk_file& f, const disk& d,
                       const std::string& name) {
  std::string header(header_size, '\0');
  f.read(0, header.data(), header_size);
  codec::reader in{header.data() + 8, header_size - 8};
  uint32_t version = 0;
  uint32_t reserved = 0;
  uint64_t first = 0;
  uint32_t crc = 0;
  in.u32(version);
  in.u32(reserved);
  in.u64(first);
  in.u32(crc);
  if (header.compare(0, 8, segment_magic, 8) != 0
      || crc32c(0, header.data(), 24) != crc || version != segment_version)
    throw storage_error("journal segment " + d.where() + "/" + name
                        + " has a bad header (not a flexsync journal of "
                          "version 1)");
  return first;
}

std::string make_header(index_t first) {
  std::string h(segment_magic, sizeof(segment_magic));
  codec::put_u32(h, segment_version);
  codec::put_u32(h, 0);
  codec::put_u64(h, first.value);
  codec::put_u32(h, crc32c(0, h.data(), h.size()));
  codec::put_u32(h, 0);
  return h;
}

std::string encode_record(const log_entry& e) {
  std::string payload;
  payload.reserve(entry_fixed_size + e.data.size());
  codec::put_u64(payload, e.index.value);
  codec::put_u64(payload, e.term.value);
  codec::put_u64(payload, static_cast<uint64_t>(e.time));
  codec::put_u64(payload, e.client_id);
  codec::put_u64(payload, e.request_id);
  codec::put_u8(payload, static_cast<uint8_t>(e.kind));
  payload += e.data.view();
  std::string record;
  record.reserve(record_header_size + payload.size());
  codec::put_u32(record, static_cast<uint32_t>(payload.size()));
  codec::put_u32(record, crc32c(0, payload.data(), payload.size()));
  record += payload;
  return record;
}

bool decode_entry(const std::string& payload, log_entry& e) {
  codec::reader in{payload.data(), payload.size()};
  uint64_t time = 0;
  uint8_t kind = 0;
  if (!in.u64(e.index.value) || !in.u64(e.term.value) || !in.u64(time)
      || !in.u64(e.client_id) || !in.u64(e.request_id) || !in.u8(kind)
      || !is_known(static_cast<entry_kind>(kind)))
    return false;
  e.time = static_cast<int64_t>(time);
  e.kind = static_cast<entry_kind>(kind);
  e.data = std::string(in.position(), in.remaining());
  return true;
}

/// True when the bad record at `offset` is followed by a record that parses:
/// then it is corruption in the middle, not a torn tail.
bool valid_record_follows(const disk_file& f, uint64_t offset);

/// Reads the record at `offset`: false when it is torn or corrupt.
bool read_record(const disk_file& f, uint64_t offset, log_entry& e,
                 uint64_t& next) {
  if (f.size() - offset < record_header_size)
    return false;
  char head[record_header_size];
  f.read(offset, head, sizeof(head));
  codec::reader in{head, sizeof(head)};
  uint32_t size = 0;
  uint32_t crc = 0;
  in.u32(size);
  in.u32(crc);
  if (size < entry_fixed_size || size > max_record_size
      || f.size() - offset - record_header_size < size)
    return false;
  std::string payload(size, '\0');
  f.read(offset + record_header_size, payload.data(), size);
  if (crc32c(0, payload.data(), payload.size()) != crc
      || !decode_entry(payload, e))
    return false;
  next = offset + record_header_size + size;
  return true;
}

bool valid_record_follows(const disk_file& f, uint64_t offset) {
  // A torn write leaves garbage only at the end. Any record that still
  // parses after the bad one means data was damaged in the middle. The
  // damaged length cannot be trusted, so every later offset is a candidate.
  auto size = f.size();
  if (size - offset <= record_header_size)
    return false;
  std::string rest(size - offset, '\0');
  f.read(offset, rest.data(), rest.size());
  for (size_t p = 1; p + record_header_size + entry_fixed_size <= rest.size();
       ++p) {
    codec::reader in{rest.data() + p, record_header_size};
    uint32_t len = 0;
    uint32_t crc = 0;
    in.u32(len);
    in.u32(crc);
    if (len < entry_fixed_size || len > rest.size() - p - record_header_size)
      continue;
    if (crc32c(0, rest.data() + p + record_header_size, len) == crc)
      return true;
  }
  return false;
}

} // namespace

struct journal::segment {
  std::string name;
  index_t first;
  std::unique_ptr<disk_file> file;
};

journal::journal(std::shared_ptr<disk> d, journal_options opts)
  : disk_(std::move(d)), opts_(std::move(opts)) {
  if (!opts_.clock)
    opts_.clock = [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
    };
  if (!opts_.log)
    opts_.log = [](const std::string&) {};
  load_meta();
}

journal::~journal() = default;

// -- recovery -------------------------------------------------------------------

void journal::recover(index_t snap_index, term_t snap_term, int64_t snap_time) {
  mem_.install_snapshot(snap_index, snap_term, snap_time);
  segments_.clear();
  locations_.clear();
  auto segs = segment_names(*disk_);
  // Replay progress: total bytes of the segments, known before reading.
  std::optional<work_progress> progress;
  uint64_t base = 0;
  if (opts_.progress) {
    auto total = total_size(*disk_, segs);
    progress.emplace("replaying journal " + disk_->where(), total,
                     opts_.clock());
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    auto f = disk_->open(segs[i], false);
    bool last = i + 1 == segs.size();
    if (f->size() < header_size) {
      if (!last)
        throw storage_error("journal segment " + disk_->where() + "/" + segs[i]
                            + " is shorter than its header");
      opts_.log("removing torn journal segment " + segs[i]);
      f.reset();
      disk_->remove(segs[i]);
      break;
    }
    auto first = segment_first(*f, *disk_, segs[i]);
    segments_.push_back(
      std::make_unique<segment>(segment{segs[i], index_t{first}, std::move(f)}));
    auto size = segments_.back()->file->size();
    scan_segment(segments_.size() - 1, last, progress ? &*progress : nullptr,
                 base);
    base += size;
    if (progress)
      if (auto line = progress->update(base, opts_.clock()))
        opts_.progress(*line);
    if (dropped_tail_)
      break;
  }
  if (progress && progress->total() > 0) {
    progress->update(base, opts_.clock());
    opts_.progress(progress->finish(opts_.clock())
                   + " (" + std::to_string(mem_.last_index().value
                                           - mem_.snapshot_index().value)
                   + " entries after the snapshot)");
  }
  if (segments_.empty())
    open_new_segment(mem_.last_index() + 1);
  if (persisted_commit_ > mem_.last_index()) {
    opts_.log("meta commit index " + to_string(persisted_commit_)
              + " is beyond the journal's last index "
              + to_string(mem_.last_index()) + "; using the latter");
    persisted_commit_ = mem_.last_index();
  }
  mem_.save_commit_index(persisted_commit_);
}

void journal::scan_segment(size_t i, bool last, work_progress* progress,
                           uint64_t base) {
  auto& seg = *segments_[i];
  auto path = disk_->where() + "/" + seg.name;
  uint64_t offset = header_size;
  entry_list batch;
  uint64_t records = 0;
  while (offset < seg.file->size()) {
    // The clock is read every 4096 records only.
    if (progress && ++records % 4096 == 0)
      if (auto line = progress->update(base + offset, opts_.clock()))
        opts_.progress(*line);
    log_entry e;
    uint64_t next = 0;
    if (!read_record(*seg.file, offset, e, next)) {
      if (!last || valid_record_follows(*seg.file, offset))
        throw storage_error("corrupt journal record in " + path + " at offset "
                            + std::to_string(offset)
                            + " (valid data follows; refusing to start)");
      // A bad last record is a torn write: cut it off. A bad record with
      // data after it that still parses is real corruption.
      uint64_t size_after = seg.file->size() - offset;
      opts_.log("cutting torn journal tail of " + path + " at offset "
                + std::to_string(offset) + " (" + std::to_string(size_after)
                + " bytes)");
      seg.file->truncate(offset);
      seg.file->sync();
      break;
    }
    if (e.index <= mem_.snapshot_index()) {
      if (e.index == mem_.snapshot_index() && e.term != mem_.term_at(e.index)) {
        // §7: this log does not continue the snapshot (a crash between a
        // snapshot install and the journal's reset): drop what follows.
        opts_.log("journal " + path + " diverges from the snapshot at "
                  + to_string(e.index) + "; dropping the entries after it");
        drop_from(i, next);
        return;
      }
      offset = next;
      continue; // covered by the snapshot
    }
    if (e.index != mem_.last_index() + 1)
      throw journal_gap_error("journal " + path + " has entry "
                          + to_string(e.index) + " at offset "
                          + std::to_string(offset) + " but expected "
                          + to_string(mem_.last_index() + 1)
                          + " (missing entries)");
    locations_.push_back({i, offset});
    entry_list one{std::move(e)};
    mem_.append(std::move(one));
    offset = next;
  }
}

void journal::drop_from(size_t i, uint64_t offset) {
  // Later segments first, durably, as in truncate_suffix().
  auto names = disk_->list();
  for (auto& n : names)
    if (is_segment_name(n) && n > segments_[i]->name)
      disk_->remove(n);
  disk_->sync_dir();
  segments_[i]->file->truncate(offset);
  segments_[i]->file->sync();
  dropped_tail_ = true;
}

void journal::open_new_segment(index_t first) {
  auto name = segment_name(first);
  auto f = disk_->open(name, true);
  f->truncate(0);
  auto header = make_header(first);
  f->append(header.data(), header.size());
  if (opts_.fsync != fsync_policy::never) {
    f->sync();
    disk_->sync_dir();
  }
  segments_.push_back(std::make_unique<segment>(segment{name, first, std::move(f)}));
}

// -- mutations ------------------------------------------------------------------

void journal::save_term_and_vote(term_t term, std::optional<node_id> vote) {
  mem_.save_term_and_vote(term, std::move(vote));
  // Votes are rare and must never be lost: written through at once.
  write_meta();
}

void journal::append(entry_list entries) {
  if (entries.empty())
    return;
  FLEXSYNC_ASSERT(entries.front().index == mem_.last_index() + 1,
                  "journal append at " + to_string(entries.front().index)
                    + " after " + to_string(mem_.last_index()));
  for (auto& e : entries) {
    auto* active = segments_.back().get();
    if (active->file->size() >= opts_.segment_bytes) {
      // The old segment must be durable before the new one is written to,
      // or a crash could leave a gap between them.
      if (opts_.fsync != fsync_policy::never)
        active->file->sync();
      open_new_segment(e.index);
      active = segments_.back().get();
    }
    auto record = encode_record(e);
    locations_.push_back({segments_.size() - 1, active->file->size()});
    active->file->append(record.data(), record.size());
  }
  if (!dirty_)
    oldest_unsynced_ = opts_.clock();
  dirty_ = true;
  mem_.append(std::move(entries));
}

journal::location& journal::location_of(index_t i) {
  return locations_[i - mem_.snapshot_index() - 1];
}

void journal::truncate_suffix(index_t from) {
  if (from > mem_.last_index())
    return;
  // Refuse before touching the disk: a refused truncation changes nothing.
  FLEXSYNC_ASSERT(from > mem_.snapshot_index() && from > mem_.commit_index(),
                  "truncation at " + to_string(from)
                    + " would drop committed entries");
  auto loc = location_of(from);
  // Remove later segments durably first: after a crash, a truncated segment
  // followed by a stale one would look like missing entries.
  while (segments_.size() > loc.segment + 1) {
    auto name = segments_.back()->name;
    segments_.pop_back();
    disk_->remove(name);
  }
  disk_->sync_dir();
  segments_.back()->file->truncate(loc.offset);
  if (!dirty_)
    oldest_unsynced_ = opts_.clock();
  dirty_ = true;
  mem_.truncate_suffix(from);
  locations_.resize(mem_.entry_count());
}

void journal::sync() {
  if (dirty_) {
    bool due = opts_.fsync == fsync_policy::always
               || (opts_.fsync == fsync_policy::periodic
                   && opts_.clock() - oldest_unsynced_ >= opts_.fsync_period_ns);
    if (due) {
      segments_.back()->file->sync();
      dirty_ = false;
    } else if (opts_.fsync == fsync_policy::never) {
      dirty_ = false;
    }
  }
  if (mem_.commit_index() > persisted_commit_ && !dirty_
      && opts_.clock() - commit_persisted_at_
           >= opts_.commit_persist_interval_ns)
    write_meta();
}

void journal::save_commit_index(index_t index) {
  mem_.save_commit_index(index);
}

void journal::install_snapshot(index_t index, term_t term, int64_t time) {
  if (index <= mem_.snapshot_index())
    return;
  bool keeps_suffix = index <= mem_.last_index() && mem_.term_at(index) == term;
  auto dropped = keeps_suffix ? index - mem_.snapshot_index()
                              : mem_.entry_count();
  mem_.install_snapshot(index, term, time);
  locations_.erase(locations_.begin(),
                   locations_.begin() + static_cast<ptrdiff_t>(dropped));
  if (!keeps_suffix) {
    // §7: the log does not continue the snapshot: start over after it.
    for (auto& s : segments_)
      disk_->remove(s->name);
    segments_.clear();
    disk_->sync_dir();
    open_new_segment(index + 1);
  }
  write_meta();
}

void journal::drop_segments_through(index_t index) {
  // Never below what the log still serves.
  index = std::min(index, mem_.snapshot_index());
  // A segment can go when the next one starts at or below index + 1.
  size_t n = 0;
  while (n + 1 < segments_.size() && segments_[n + 1]->first <= index + 1)
    ++n;
  if (n == 0)
    return;
  for (size_t i = 0; i < n; ++i)
    disk_->remove(segments_[i]->name);
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(n));
  for (auto& loc : locations_)
    loc.segment -= n;
  if (opts_.fsync != fsync_policy::never)
    disk_->sync_dir();
}

uint64_t journal::disk_bytes() const {
  uint64_t n = 0;
  for (auto& s : segments_)
    n += s->file->size();
  return n;
}

} // namespace flexsync
