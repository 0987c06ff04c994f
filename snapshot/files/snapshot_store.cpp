#include "snapshot/files/snapshot_store.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <openssl/evp.h>

#include "snapshot/disk/codec.hpp"

namespace flexsync {

namespace {

constexpr char magic[8] = {'F', 'S', 'S', 'N', 'A', 'P', '0', '1'};
constexpr uint32_t format_version = 1;
constexpr size_t hash_size = 32;
constexpr size_t trailer_size = 8 + hash_size;

/// Incremental SHA-256 through OpenSSL's EVP interface.
class sha256 {
public:
  sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
      throw storage_error("OpenSSL: cannot initialize SHA-256");
  }
  ~sha256() { EVP_MD_CTX_free(ctx_); }
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  void update(const char* p, size_t n) {
    if (n > 0 && EVP_DigestUpdate(ctx_, p, n) != 1)
      throw storage_error("OpenSSL: SHA-256 update failed");
  }

  std::string digest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, out, &n) != 1)
      throw storage_error("OpenSSL: SHA-256 final failed");
    return std::string(reinterpret_cast<char*>(out), n);
  }

private:
  EVP_MD_CTX* ctx_;
};

std::string encode_meta(const snapshot_meta& m) {
  std::string out;
  codec::put_u64(out, m.last_index.value);
  codec::put_u64(out, m.last_term.value);
  codec::put_u64(out, static_cast<uint64_t>(m.last_time));
  codec::put_u32(out, static_cast<uint32_t>(m.voters.size()));
  for (auto& v : m.voters)
    codec::put_string(out, v.name);
  codec::put_u32(out, static_cast<uint32_t>(m.objects.size()));
  for (auto& o : m.objects)
    codec::put_string(out, o);
  // Appended last: older readers' meta ends before them, and meta written
  // before they existed simply ends here. The code version follows the
  // configuration, so a meta that has it has the configuration too.
  if (!m.configuration.empty() || m.code_version != 0)
    codec::put_string(out, m.configuration);
  if (m.code_version != 0)
    codec::put_u32(out, m.code_version);
  return out;
}

bool decode_meta(codec::reader& in, snapshot_meta& m) {
  uint64_t time = 0;
  uint32_t n = 0;
  if (!in.u64(m.last_index.value) || !in.u64(m.last_term.value)
      || !in.u64(time) || !in.u32(n))
    return false;
  m.last_time = static_cast<int64_t>(time);
  for (uint32_t i = 0; i < n; ++i) {
    std::string v;
    if (!in.string(v))
      return false;
    m.voters.emplace_back(std::move(v));
  }
  if (!in.u32(n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string o;
    if (!in.string(o))
      return false;
    m.objects.push_back(std::move(o));
  }
  if (in.remaining() > 0 && !in.string(m.configuration))
    return false;
  if (in.remaining() > 0 && !in.u32(m.code_version))
    return false;
  return true;
}

class file_writer : public snapshot_writer {
public:
  file_writer(disk& d, index_t index, const snapshot_meta& meta)
    : disk_(d), name_(snapshot_store::file_name(index)), tmp_(name_ + ".tmp") {
    file_ = disk_.open(tmp_, true);
    file_->truncate(0);
    std::string head(magic, sizeof(magic));
    codec::put_u32(head, format_version);
    auto m = encode_meta(meta);
    codec::put_u32(head, static_cast<uint32_t>(m.size()));
    head += m;
    write(head.data(), head.size());
  }

  void append(const char* data, size_t size) override {
    payload_ += size;
    write(data, size);
  }

  void finish() override {
    std::string len;
    codec::put_u64(len, payload_);
    write(len.data(), len.size());
    auto digest = hash_.digest();
    file_->append(digest.data(), digest.size());
    file_->sync();
    file_.reset();
    disk_.rename(tmp_, name_);
    disk_.sync_dir();
  }

private:
  void write(const char* p, size_t n) {
    hash_.update(p, n);
    file_->append(p, n);
  }

  disk& disk_;
  std::string name_;
  std::string tmp_;
  std::unique_ptr<disk_file> file_;
  sha256 hash_;
  uint64_t payload_ = 0;
};

} // namespace

snapshot_store::snapshot_store(std::shared_ptr<disk> d, log_fn log)
  : disk_(std::move(d)), log_(std::move(log)) {
  if (!log_)
    log_ = [](const std::string&) {};
}

std::string snapshot_store::file_name(index_t index) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "snapshot-%020" PRIu64 ".snap", index.value);
  return buf;
}

std::unique_ptr<snapshot_writer>
snapshot_store::begin(const snapshot_meta& meta) {
  return std::make_unique<file_writer>(*disk_, meta.last_index, meta);
}

std::vector<index_t> snapshot_store::list() const {
  std::vector<index_t> result;
  for (auto& name : disk_->list()) {
    uint64_t idx = 0;
    char tail[8] = {};
    if (name.size() == 34
        && std::sscanf(name.c_str(), "snapshot-%20" SCNu64 "%5s", &idx, tail) == 2
        && std::string{tail} == ".snap")
      result.emplace_back(idx);
  }
  std::sort(result.rbegin(), result.rend());
  return result;
}

std::optional<loaded_snapshot>
snapshot_store::parse(const std::string& bytes, const std::string& name) const {
  auto bad = [&](const std::string& why) -> std::optional<loaded_snapshot> {
    log_("skipping corrupt snapshot " + disk_->where() + "/" + name + ": " + why);
    return std::nullopt;
  };
  if (bytes.size() < sizeof(magic) + 8 + trailer_size
      || bytes.compare(0, sizeof(magic), magic, sizeof(magic)) != 0)
    return bad("not a flexsync snapshot");
  auto body = bytes.size() - hash_size;
  sha256 h;
  h.update(bytes.data(), body);
  if (h.digest() != bytes.substr(body))
    return bad("checksum mismatch");
  codec::reader in{bytes.data() + sizeof(magic), body - sizeof(magic)};
  uint32_t version = 0;
  uint32_t meta_len = 0;
  if (!in.u32(version) || version != format_version)
    return bad("unsupported format version " + std::to_string(version));
  loaded_snapshot result;
  // In 64 bits: meta_len + 8 must not wrap around (a meta length near 2^32
  // would pass the check and be read past the end of the file).
  if (!in.u32(meta_len) || in.remaining() < uint64_t{meta_len} + 8)
    return bad("truncated header");
  codec::reader meta{in.position(), meta_len};
  if (!decode_meta(meta, result.meta))
    return bad("bad meta data");
  auto payload_at = in.position() + meta_len;
  auto payload_room = in.remaining() - meta_len - 8;
  codec::reader tail{bytes.data() + body - 8, 8};
  uint64_t payload_len = 0;
  tail.u64(payload_len);
  if (payload_len != payload_room)
    return bad("payload length mismatch");
  result.payload.assign(payload_at, payload_len);
  return result;
}

std::optional<loaded_snapshot> snapshot_store::load(index_t index) const {
  auto name = file_name(index);
  auto result = parse(const_cast<disk&>(*disk_).read_all(name), name);
  if (result && result->meta.last_index != index) {
    log_("skipping snapshot " + name + ": it holds index "
         + to_string(result->meta.last_index));
    return std::nullopt;
  }
  return result;
}

index_t snapshot_store::retain(size_t keep) {
  auto all = list();
  bool removed = false;
  for (size_t i = keep; i < all.size(); ++i) {
    disk_->remove(file_name(all[i]));
    removed = true;
  }
  // Temporary files of writers that died (a killed fork()ed child, a crash)
  // below the newest durable snapshot are never finished: remove them.
  if (!all.empty())
    for (auto& name : disk_->list()) {
      if (name.size() == 38 && name.starts_with("snapshot-")
          && name.ends_with(".snap.tmp")
          && name.find_first_not_of("0123456789", 9) == 29
          && index_t{std::stoull(name.substr(9, 20))} < all.front()) {
        disk_->remove(name);
        removed = true;
      }
    }
  if (removed)
    disk_->sync_dir();
  if (all.empty() || keep == 0)
    return index_t{0};
  return all[std::min(keep, all.size()) - 1];
}

uint64_t snapshot_store::file_size(index_t index) const {
  return const_cast<disk&>(*disk_).open(file_name(index), false)->size();
}

std::string snapshot_store::read_chunk(index_t index, uint64_t offset,
                                       size_t size) const {
  auto f = const_cast<disk&>(*disk_).open(file_name(index), false);
  if (offset >= f->size())
    return {};
  size = static_cast<size_t>(std::min<uint64_t>(size, f->size() - offset));
  std::string out(size, '\0');
  f->read(offset, out.data(), size);
  return out;
}

uint64_t snapshot_store::receive_chunk(index_t index, uint64_t offset,
                                       const std::string& data) {
  auto name = file_name(index) + ".part";
  auto f = disk_->open(name, true);
  if (offset == 0)
    f->truncate(0);
  if (offset == f->size())
    f->append(data.data(), data.size());
  return f->size();
}

std::optional<loaded_snapshot> snapshot_store::finish_receive(index_t index) {
  auto part = file_name(index) + ".part";
  auto result = parse(disk_->read_all(part), part);
  if (!result || result->meta.last_index != index) {
    disk_->remove(part);
    return std::nullopt;
  }
  disk_->open(part, false)->sync();
  disk_->rename(part, file_name(index));
  disk_->sync_dir();
  return result;
}

} // namespace flexsync
