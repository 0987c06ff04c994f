// The journal's meta file (journal.hpp): the current term, the vote and the
// commit index, written whole and renamed into place.

#include "snapshot/log/journal.hpp"

#include <optional>

#include "protocol/planted_bugs.hpp"
#include "snapshot/disk/codec.hpp"
#include "snapshot/disk/crc32c.hpp"

namespace flexsync {

namespace {

constexpr char meta_magic[8] = {'F', 'S', 'M', 'E', 'T', 'A', '0', '1'};
const std::string meta_name = "meta";

} // namespace

void journal::load_meta() {
  if (!disk_->exists(meta_name))
    return;
  auto bytes = disk_->read_all(meta_name);
  auto where = disk_->where() + "/" + meta_name;
  if (bytes.size() < sizeof(meta_magic) + 4
      || bytes.compare(0, sizeof(meta_magic), meta_magic, sizeof(meta_magic))
           != 0)
    throw storage_error("corrupt meta file " + where + ": bad header");
  auto body = bytes.size() - 4;
  codec::reader tail{bytes.data() + body, 4};
  uint32_t crc = 0;
  tail.u32(crc);
  if (crc32c(0, bytes.data(), body) != crc)
    throw storage_error("corrupt meta file " + where + ": checksum mismatch");
  codec::reader in{bytes.data() + sizeof(meta_magic),
                   body - sizeof(meta_magic)};
  uint64_t term = 0;
  uint64_t commit = 0;
  uint8_t has_vote = 0;
  std::string vote;
  if (!in.u64(term) || !in.u8(has_vote) || !in.string(vote) || !in.u64(commit))
    throw storage_error("corrupt meta file " + where + ": truncated");
  std::optional<node_id> v;
  if (has_vote && !planted(planted_bug::forget_vote))
    v = node_id{vote};
  mem_.save_term_and_vote(term_t{term}, std::move(v));
  persisted_commit_ = index_t{commit};
}

void journal::write_meta() {
  std::string out(meta_magic, sizeof(meta_magic));
  codec::put_u64(out, mem_.current_term().value);
  auto vote = mem_.voted_for();
  codec::put_u8(out, vote ? 1 : 0);
  codec::put_string(out, vote ? vote->name : std::string{});
  codec::put_u64(out, mem_.commit_index().value);
  codec::put_u32(out, crc32c(0, out.data(), out.size()));
  if (opts_.fsync == fsync_policy::never) {
    auto f = disk_->open(meta_name + ".tmp", true);
    f->truncate(0);
    f->append(out.data(), out.size());
    disk_->rename(meta_name + ".tmp", meta_name);
  } else {
    disk_->write_atomically(meta_name, out);
  }
  persisted_commit_ = mem_.commit_index();
  commit_persisted_at_ = opts_.clock();
}

} // namespace flexsync
