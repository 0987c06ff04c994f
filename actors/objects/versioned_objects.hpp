#pragma once

// A node's replicated objects under the enabled code version: runs each
// command with the handler that version selects (the newest definition
// declared at or below it, protocol/code_version.hpp) and carries out
// version switches for the state machine actor.
//
// Invariants: enabled() <= supported(); every object's behaviours are those
// of enabled(); a version entry is either applied (the switch, then every
// object's hook) or refused as unsupported before anything changed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/message.hpp>

#include "actors/node/logger.hpp"
#include "actors/objects/replicated_object.hpp"
#include "protocol/code_version.hpp"
#include "protocol/log_entry.hpp"

namespace flexsync {

class versioned_objects {
public:
  /// The user's node_config::on_code_version_changed (may be empty).
  using changed_fn = std::function<void(uint32_t, uint32_t)>;

  versioned_objects() = default;

  /// `objects` with their handler sets `sets` (one per object), on a binary
  /// that supports versions up to `supported`; version 0 is enabled.
  versioned_objects(std::vector<replicated_object*> objects,
                    std::vector<versioned_behavior> sets, uint32_t supported,
                    changed_fn on_changed = {});

  uint32_t enabled() const { return enabled_; }
  uint32_t supported() const { return supported_; }
  size_t size() const { return objects_.size(); }

  /// Runs `args` on object `index` (the caller holds its apply lock): the
  /// handler's result, or nothing when no handler of the enabled version
  /// matches.
  std::optional<caf::message> run(uint32_t index, caf::message& args);

  /// Applies the version entry `e`: switches and runs every object's
  /// on_code_version_changed hook (each under its apply lock, in `e`'s
  /// apply context), then the user's callback, when it names a newer
  /// version; changes nothing when it names the enabled or an older one.
  /// @throws std::runtime_error (one line saying what to do) when it names
  /// a version beyond supported(); nothing changed then.
  version_step apply(const log_entry& e, const logger& log);

  /// A snapshot holding the state as of version `v` is being loaded: the
  /// behaviours become v's and no object's hook runs (the snapshot's state
  /// is after the switch); the user's callback runs when the version
  /// changed and `notify`. An error line when v is beyond supported()
  /// (nothing changed then).
  std::optional<std::string> adopt(uint32_t v, const logger& log,
                                   bool notify);

private:
  void rebuild();
  void run_hooks(const log_entry& e, uint32_t old_version, const logger& log);
  void notify(uint32_t old_version, const logger& log);

  std::vector<replicated_object*> objects_;
  std::vector<versioned_behavior> sets_;
  /// Per object: the behaviours of enabled_, newest first.
  std::vector<std::vector<caf::behavior>> chains_;
  uint32_t enabled_ = 0;
  uint32_t supported_ = 0;
  changed_fn on_changed_;
};

} // namespace flexsync
