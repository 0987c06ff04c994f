#include "actors/objects/state_snapshot.hpp"

#include <chrono>

#include <unistd.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/sec.hpp>

#include "snapshot/disk/codec.hpp"

namespace flexsync {

std::string save_objects(const std::vector<replicated_object*>& objects) {
  std::string payload;
  codec::put_u32(payload, static_cast<uint32_t>(objects.size()));
  std::vector<char> buf;
  for (auto* obj : objects) {
    buf.clear();
    caf::binary_serializer sink{nullptr, buf};
    if (auto err = obj->save(sink))
      throw storage_error("cannot snapshot " + obj->type_name() + ": "
                          + caf::to_string(err));
    codec::put_string(payload, obj->type_name());
    codec::put_u64(payload, buf.size());
    payload.append(buf.data(), buf.size());
  }
  return payload;
}

caf::error load_objects(const std::vector<replicated_object*>& objects,
                        const std::string& payload) {
  auto bad = [](std::string why) {
    return caf::make_error(caf::sec::invalid_argument,
                           "cannot restore snapshot: " + std::move(why));
  };
  codec::reader in{payload.data(), payload.size()};
  uint32_t n = 0;
  if (!in.u32(n) || n != objects.size())
    return bad("it holds " + std::to_string(n) + " objects, this node has "
               + std::to_string(objects.size()));
  for (auto* obj : objects) {
    std::string type;
    uint64_t size = 0;
    std::string bytes;
    if (!in.string(type) || !in.u64(size) || !in.bytes(bytes, size))
      return bad("truncated payload");
    if (type != obj->type_name())
      return bad("it holds a " + type + " where this node has a "
                 + obj->type_name());
    std::unique_lock<std::shared_mutex> guard{obj->apply_mutex()};
    caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
    if (auto err = obj->load(source))
      return err;
  }
  return caf::none;
}

int fork_snapshot_writer(const std::string& data_dir, const snapshot_meta& meta,
                         const std::vector<replicated_object*>& objects) {
  auto pid = ::fork();
  if (pid != 0)
    return pid; // the parent (or -1)
  // The child: a copy-on-write image of the objects at this instant. It
  // closes every inherited descriptor (listening sockets would otherwise
  // stay bound while it runs) and never touches the actor system.
  ::close_range(3, ~0u, 0);
  try {
    auto payload = save_objects(objects);
    snapshot_store store{make_posix_disk(data_dir), {}};
    auto writer = store.begin(meta);
    writer->append(payload.data(), payload.size());
    writer->finish();
  } catch (const std::exception& e) {
    // One line on the inherited stderr; the parent logs the exit status.
    std::string line = "flexsync snapshot writer (child of the node) failed: ";
    line += e.what();
    line += '\n';
    [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
    ::_exit(1);
  } catch (...) {
    ::_exit(1);
  }
  ::_exit(0);
}

taken_snapshot snapshot_objects(const snapshot_meta& meta, bool use_fork,
                                const std::string& data_dir,
                                const std::vector<replicated_object*>& objects,
                                const logger& log) {
  using ms = std::chrono::duration<double, std::milli>;
  if (use_fork) {
    auto t0 = std::chrono::steady_clock::now();
    auto pid = fork_snapshot_writer(data_dir, meta, objects);
    // The pause the node sees: fork() copies the page tables.
    log.info("fork() for the snapshot at " + to_string(meta.last_index)
             + " paused the state machine for "
             + std::to_string(ms(std::chrono::steady_clock::now() - t0).count())
             + " ms");
    if (pid > 0)
      return {pid, {}};
    log.warning("fork() failed; writing the snapshot synchronously");
  }
  auto start = std::chrono::steady_clock::now();
  auto payload = save_objects(objects);
  auto stall = ms(std::chrono::steady_clock::now() - start).count();
  log.info("synchronous snapshot at " + to_string(meta.last_index)
           + " stalled the state machine for " + std::to_string(stall)
           + " ms (" + std::to_string(payload.size()) + " bytes)");
  return {0, std::move(payload)};
}

} // namespace flexsync
