#pragma once

/// @class flexsync::replicated_object
/// What a node needs from an object it replicates: its operations as CAF
/// message handlers and a lock that keeps readers out while a command is
/// applied. The user-facing API (calls, reads, batteries) builds on this in
/// state_machines/state_machine.hpp.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/behavior.hpp>
#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/serializer.hpp>
#include <caf/message.hpp>
#include <caf/timespan.hpp>

namespace flexsync {

/// Completion of an asynchronous call, run in the node's context: the result
/// message on success, or an error (flexsync's category carries a
/// fail_reason).
class call_completion {
public:
  virtual ~call_completion() = default;
  /// Runs the completion with the call's outcome.
  virtual void operator()(caf::message& result, const caf::error& err) = 0;
};

/// A call_completion running `F`.
template <class F>
class call_completion_of final : public call_completion {
public:
  /// Holds `f`.
  explicit call_completion_of(F f) : f_(std::move(f)) {
    // nop
  }
  void operator()(caf::message& result, const caf::error& err) override {
    f_(result, err);
  }

private:
  F f_;
};

/// Shared handle of a call_completion; null when nobody waits for the outcome.
using completion_ptr = std::shared_ptr<call_completion>;

/// A completion running `f(caf::message&, const caf::error&)`: one
/// allocation, whatever `f` holds.
template <class F>
completion_ptr make_completion(F f) {
  return std::make_shared<call_completion_of<F>>(std::move(f));
}

/// An asynchronous call waiting in a call_gate.
struct queued_call {
  /// The object's position in the node's list of objects.
  uint32_t index = 0;
  /// The command and its arguments.
  caf::message args;
  /// How long the call may take.
  caf::timespan timeout{};
  /// Runs with the outcome; null for a post.
  completion_ptr done;
};

/// Where asynchronous calls enter a node, and closed when the node stops:
/// calls check it under its lock, so each call either reaches the node
/// before it stops (and is answered, if need be with `stopped`) or is
/// answered with `stopped` at once.
///
/// Asynchronous calls (then(), post()) wait in `queued` for the node's
/// state machine: a call that finds the queue empty sends it one message,
/// and that message takes every call queued by then. A burst of calls from
/// any number of threads thus costs one message, not one per call.
struct call_gate {
  /// Guards `open` and `queued`.
  std::mutex mtx;
  /// False once the node stopped.
  bool open = true;
  /// Calls the node has not taken yet, oldest first.
  std::vector<queued_call> queued;
};

/// Where an object's calls go; set when a node registers the object.
struct call_binding {
  /// The node's actor system; null until a node registers the object.
  caf::actor_system* sys = nullptr;
  /// The node's state machine actor.
  caf::actor target;
  /// The object's position in the node's list of objects.
  uint32_t index = 0;
  /// node_config::default_call_timeout: the deadline of calls that name none.
  caf::timespan default_timeout{};
  /// The node's gate (see call_gate).
  std::shared_ptr<call_gate> gate;
  /// The node runs in manual tick mode: a blocking call could never be
  /// answered while it waits, so it fails at once with would_block.
  bool manual = false;
};

/// The entry a node is applying, as seen from inside a replicated
/// operation.
struct apply_context {
  /// Position of the entry in the log.
  uint64_t index = 0;
  /// Term of the entry.
  uint64_t term = 0;
  /// The leader's clock when it appended the entry (nanoseconds since the
  /// Unix epoch): the same on every replica.
  int64_t time = 0;
};

namespace detail {

/// The entry being applied on the calling thread, or null outside an apply.
const apply_context* current_apply();

/// Makes `ctx` the current apply context of this thread for its lifetime.
class apply_scope {
public:
  explicit apply_scope(const apply_context& ctx);
  ~apply_scope();
  apply_scope(const apply_scope&) = delete;
  apply_scope& operator=(const apply_scope&) = delete;

private:
  const apply_context* previous_;
};

/// True while the calling thread runs inside a node (applying a command or
/// running a completion), where a blocking call would deadlock.
bool in_node_context();

/// Marks the calling thread as running inside a node for its lifetime.
class node_context_guard {
public:
  node_context_guard();
  ~node_context_guard();
  node_context_guard(const node_context_guard&) = delete;
  node_context_guard& operator=(const node_context_guard&) = delete;
};

} // namespace detail

/// An object's replicated operations by code version (PySyncObj's
/// \@replicated(ver=N)): the set under N holds the operations added or
/// changed in version N.
using versioned_behavior = std::map<uint32_t, caf::behavior>;

/// The behaviours that serve the enabled version `enabled`, newest first
/// (protocol/code_version.hpp's versions_in_effect): the first that has a
/// handler for a command runs it.
std::vector<caf::behavior> behavior_chain(const versioned_behavior& sets,
                                          uint32_t enabled);

/// The highest version any of `xs` declares (0 when none).
uint32_t highest_declared_version(const std::vector<versioned_behavior>& xs);

class replicated_object {
public:
  replicated_object() = default;
  replicated_object(const replicated_object&) = delete;
  replicated_object& operator=(const replicated_object&) = delete;
  virtual ~replicated_object() = default;

  /// The replicated operations of an object whose operations do not change
  /// between code versions (the default make_versioned_behavior() calls
  /// it once, when the node starts). Default: none.
  virtual caf::behavior make_behavior();

  /// The replicated operations per code version: the set under N holds the
  /// operations added or changed in version N. While version v is enabled,
  /// a command runs the handler of the newest set N <= v that has one, so
  /// an operation first declared under 3 does not exist before 3 is enabled
  /// (calling it fails with bad_command on every replica alike). Called
  /// once, when the node starts. Default: {{0, make_behavior()}}.
  virtual versioned_behavior make_versioned_behavior();

  /// Runs on every replica when the enabled code version changes, at the
  /// version entry (after the switch, before the next entry), under this
  /// object's apply lock and with entry_time() the entry's: the place to
  /// bring the state into the new version's shape, deterministically. It
  /// runs again when a restarted node replays that entry from its journal,
  /// but not when a snapshot is loaded (its state is after the switch).
  /// An exception is logged and swallowed. Default: nothing.
  virtual void on_code_version_changed(uint32_t old_version,
                                       uint32_t new_version);

  /// Writes the replicated state into a snapshot. The default refuses with
  /// an error: an object whose state must survive compaction overrides
  /// save() and load() (batteries do, with their inspect() overloads).
  virtual caf::error save(caf::serializer& sink);

  /// Replaces the replicated state with a snapshot written by save().
  virtual caf::error load(caf::deserializer& source);

  /// Names the object's type in snapshots, so a snapshot is never loaded
  /// into objects of other types. Defaults to the C++ type's mangled name.
  virtual std::string type_name() const;

  /// Held exclusively by the node while it applies a command here.
  std::shared_mutex& apply_mutex() const { return mutex_; }

  /// Called by the node that registers this object.
  void bind(call_binding b) { binding_ = std::move(b); }

  /// Whether a node registered this object (bind() was called).
  bool bound() const { return binding_.sys != nullptr; }

protected:
  /// Where calls go; valid once bound().
  const call_binding& binding() const { return binding_; }

  /// The apply lock behind apply_mutex(): read() takes it shared, the node
  /// exclusively while it applies a command here.
  mutable std::shared_mutex mutex_;

private:
  call_binding binding_;
};

} // namespace flexsync

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::completion_ptr)
