#include "snapshot/files/recovery_marker.hpp"

#include "snapshot/disk/codec.hpp"
#include "snapshot/disk/crc32c.hpp"

namespace flexsync {

namespace {

constexpr char marker_name[] = "recovering";
constexpr char marker_magic[8] = {'F', 'X', 'S', 'R', 'E', 'C', '0', '1'};

} // namespace

recovery_marker::recovery_marker(std::shared_ptr<disk> d)
  : disk_(std::move(d)) {
  // nop
}

std::optional<recovery_marker::contents> recovery_marker::load() const {
  if (!disk_ || !disk_->exists(marker_name))
    return std::nullopt;
  auto bytes = disk_->read_all(marker_name);
  auto where = disk_->where() + "/" + marker_name;
  if (bytes.size() < sizeof(marker_magic) + 4
      || bytes.compare(0, sizeof(marker_magic), marker_magic,
                       sizeof(marker_magic))
           != 0)
    throw storage_error("corrupt recovery file " + where + ": bad header");
  auto body = bytes.size() - 4;
  codec::reader tail{bytes.data() + body, 4};
  uint32_t crc = 0;
  tail.u32(crc);
  if (crc32c(0, bytes.data(), body) != crc)
    throw storage_error("corrupt recovery file " + where
                        + ": checksum mismatch");
  codec::reader in{bytes.data() + sizeof(marker_magic),
                   body - sizeof(marker_magic)};
  uint8_t has = 0;
  uint64_t term = 0;
  uint64_t inc = 0;
  std::string candidate;
  if (!in.u8(has) || !in.u64(term) || !in.u64(inc) || !in.string(candidate))
    throw storage_error("corrupt recovery file " + where + ": truncated");
  contents c;
  if (has != 0)
    c.promised = promise{node_id{candidate}, incarnation_t{inc}, term_t{term}};
  return c;
}

void recovery_marker::save(const std::optional<promise>& p) {
  if (!disk_)
    return;
  std::string out(marker_magic, sizeof(marker_magic));
  codec::put_u8(out, p ? 1 : 0);
  codec::put_u64(out, p ? p->term.value : 0);
  codec::put_u64(out, p ? p->candidate_incarnation.value : 0);
  codec::put_string(out, p ? p->candidate.name : std::string{});
  codec::put_u32(out, crc32c(0, out.data(), out.size()));
  disk_->write_atomically(marker_name, out);
}

void recovery_marker::clear() {
  if (!disk_ || !disk_->exists(marker_name))
    return;
  disk_->remove(marker_name);
  disk_->sync_dir();
}

} // namespace flexsync
