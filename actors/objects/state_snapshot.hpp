#pragma once

// Turning a node's replicated objects into a snapshot payload and back, and
// writing a snapshot from a fork()ed child. The payload holds, per object in
// registration order, its type name and the bytes its save() wrote.

#include <string>
#include <vector>

#include <caf/error.hpp>

#include "actors/node/logger.hpp"
#include "actors/objects/replicated_object.hpp"
#include "snapshot/files/snapshot_store.hpp"

namespace flexsync {

/// Serializes every object. @throws storage_error when an object refuses.
std::string save_objects(const std::vector<replicated_object*>& objects);

/// Restores every object from `payload`; on failure nothing useful is left
/// and the error says which object or why.
caf::error load_objects(const std::vector<replicated_object*>& objects,
                        const std::string& payload);

/// Forks a child that writes the snapshot of `objects` as of now into
/// `data_dir` (with its own descriptors: every inherited one is closed) and
/// exits 0 on success. Returns the child's pid, or -1 when fork() failed.
int fork_snapshot_writer(const std::string& data_dir, const snapshot_meta& meta,
                         const std::vector<replicated_object*>& objects);

/// What snapshot_objects did: a child writing the snapshot (pid > 0, empty
/// payload) or the payload for the snapshotter to write (pid 0).
struct taken_snapshot {
  int32_t pid = 0;
  std::string payload;
};

/// Takes the snapshot `meta` describes: from a fork()ed child when
/// `use_fork` (falling back to a synchronous copy when fork() fails), else
/// synchronously; logs the pause the state machine saw.
taken_snapshot snapshot_objects(const snapshot_meta& meta, bool use_fork,
                                const std::string& data_dir,
                                const std::vector<replicated_object*>& objects,
                                const logger& log);

} // namespace flexsync
