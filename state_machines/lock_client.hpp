#pragma once

// The client side of repl_lock_manager: what one owner knows about the locks
// it holds, and its keep-alive. Internal; see repl_lock_manager.hpp for the
// guarantee this implements.
//
// Every call of the client gets a sequence number when it is submitted
// (`seq`, increasing). Acquires carry theirs into the table; a release
// frees a lock only if the holder's latest acquire was submitted before the
// release (a release never undoes a later acquire, whatever the log order).
//
// For every lock the owner touched, the client keeps a confirmation: the log
// index of the latest entry whose outcome it learned, whether the lock was
// held by this owner after that entry, when (on this client's monotonic
// clock) the call carrying that entry was submitted, and a floor: the
// sequence number of the latest release submitted for the lock. The client
// stops believing it holds a lock the moment it submits a release, and an
// outcome of a call submitted before that release never makes it believe
// again. Outcomes may be learned out of log order (a blocking call returns on
// the caller's thread while a callback runs in the node), so an outcome
// replaces a confirmation only if its index is higher. Confirmations of
// locks no longer held are dropped when no call is in flight: then no
// outcome can need them, and any release still in the log has a sequence
// number below every later acquire.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/atom.hpp>
#include <caf/timespan.hpp>

#include "actors/objects/replicated_object.hpp"
#include "state_machines/state_machine.hpp"

namespace flexsync::detail {

/// Outcome of an acquire command on the node that applied it.
struct acquire_reply {
  bool granted = false;
  /// Log index of the entry.
  uint64_t index = 0;
};

/// Outcome of a release command.
struct release_reply {
  /// Whether the lock was held by the caller and is now free.
  bool released = false;
  uint64_t index = 0;
};

/// A call as submitted: when, and its sequence number.
struct call_ticket {
  caf::actor_clock::time_point submitted;
  uint64_t seq = 0;
};

/// A lock to refresh, with the sequence number of the acquire that began
/// the client's current hold (only a row at least that recent is renewed).
using held_lock = std::pair<std::string, uint64_t>;

/// Outcome of a refresh command.
struct refresh_reply {
  /// The requested locks still held by the caller, now renewed.
  std::vector<std::string> renewed;
  uint64_t index = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, acquire_reply& x) {
  return f(x.granted, x.index);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_reply& x) {
  return f(x.released, x.index);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refresh_reply& x) {
  return f(x.renewed, x.index);
}

using acquire_atom = caf::atom_constant<caf::atom("acquire")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;

class lock_client : public std::enable_shared_from_this<lock_client> {
public:
  using time_point = caf::actor_clock::time_point;

  lock_client(std::string owner, caf::timespan ttl, caf::timespan margin,
              caf::timespan interval, bool keepalive,
              std::function<time_point()> clock);

  const std::string& owner() const { return owner_; }
  caf::timespan ttl() const { return ttl_; }

  /// Remembers where calls go (first use only) and starts the keep-alive,
  /// which ends when stop() is called or the node stops.
  void bind(const call_binding& b);

  /// The binding calls made by the client itself (release after a late
  /// acquire, keep-alive refreshes) use; valid after bind().
  const call_binding* binding() const { return &binding_; }

  /// This client's monotonic clock.
  time_point now() const;

  // -- calls in flight ---------------------------------------------------------

  /// A call is being submitted now.
  call_ticket begin_call();

  /// A call ended (with an outcome or a failure).
  void end_call();

  /// A release of `name` is being submitted with `seq`: stop believing.
  void surrender(const std::string& name, uint64_t seq);

  // -- outcomes ------------------------------------------------------------------

  /// Records an acquire outcome; returns what try_acquire reports: false
  /// also when the grant came back later than half the auto-unlock time
  /// (then `release_needed`: the caller gives the lock back).
  bool on_acquire(const std::string& name, const acquire_reply& r,
                  const call_ticket& t, bool& release_needed);

  void on_release(const std::string& name, const release_reply& r);

  void on_refresh(const std::vector<held_lock>& requested,
                  const refresh_reply& r, const call_ticket& t);

  // -- local views ---------------------------------------------------------------

  /// The last confirmation says this owner held `name`, and it is younger
  /// than the auto-unlock time minus the safety margin.
  bool confirmed(const std::string& name) const;

  /// The locks this client believes it holds (refreshed by the keep-alive).
  std::vector<held_lock> believed() const;

  // -- keep-alive ------------------------------------------------------------------

  /// Called by the keep-alive every interval: posts a refresh of the
  /// believed locks unless one is in flight. False once stopped.
  bool keepalive_tick();

  /// Stops the keep-alive for good.
  void stop();

private:
  struct confirmation {
    uint64_t index = 0;
    bool held = false;
    caf::actor_clock::time_point submitted;
    /// Sequence number of the acquire that began the hold.
    uint64_t tenure = 0;
    /// Sequence number of the latest release submitted.
    uint64_t floor = 0;
  };

  /// Whether an outcome at `index` is newer than what `c` knows.
  static bool newer(confirmation& c, uint64_t index) {
    if (index <= c.index)
      return false;
    c.index = index;
    return true;
  }

  time_point now_locked() const;

  std::vector<held_lock> believed_locked() const;

  const std::string owner_;
  const caf::timespan ttl_;
  const caf::timespan margin_;
  const caf::timespan interval_;
  const bool keepalive_;
  const std::function<time_point()> clock_;

  mutable std::mutex mtx_;
  bool bound_ = false;
  call_binding binding_;
  std::map<std::string, confirmation> confirmations_;
  size_t in_flight_ = 0;
  uint64_t next_seq_ = 0;
  bool refresh_in_flight_ = false;
  bool stopped_ = false;
  caf::actor keepalive_actor_;
};

using client_ptr = std::shared_ptr<lock_client>;

} // namespace flexsync::detail

namespace flexsync {

/// A lock manager call, submitted like a replicated_call in one of three
/// modes: get() blocks, then(f) calls f(result, error) in the node's
/// context, post() forgets. The command is built when it is submitted (it
/// carries the call's sequence number), and the owner's client sees every
/// outcome first.
template <class R, class Reply>
class [[nodiscard]] lock_call {
public:
  /// The sequence number and submission time of a call (internal).
  using ticket = detail::call_ticket;

  /// How a lock call builds its command and reads its outcome (internal).
  struct steps {
    /// Builds the command; runs once, when the call is submitted.
    std::function<replicated_call<Reply>(const ticket&)> make;
    /// Turns an outcome into the caller's result; `blocking` in get().
    std::function<R(const Reply&, const ticket&, bool blocking)> finish;
  };

  /// Made by repl_lock_manager's operations (internal).
  lock_call(detail::client_ptr client, steps s)
    : client_(std::move(client)), steps_(std::move(s)) {
    // nop
  }

  /// Blocks until applied on this node. @throws command_error, apply_error.
  R get() { return get(client_->binding()->default_timeout); }

  /// As get(), with an explicit deadline.
  R get(caf::timespan timeout) {
    auto t = client_->begin_call();
    struct guard {
      detail::lock_client* c;
      ~guard() { c->end_call(); }
    } g{client_.get()};
    auto reply = steps_.make(t).get(timeout);
    return steps_.finish(reply, t, true);
  }

  template <class F>
  /// Asynchronous: `f(result, error)` runs in the node's context once the
  /// outcome is known (R{} on failure), with the node's default deadline.
  void then(F f) {
    then(std::move(f), client_->binding()->default_timeout);
  }

  template <class F>
  /// As then(f), with an explicit deadline.
  void then(F f, caf::timespan timeout) {
    auto t = client_->begin_call();
    steps_.make(t).then(
      [client = client_, finish = steps_.finish, f = std::move(f),
       t](const Reply& reply, const caf::error& err) mutable {
        R result{};
        if (!err)
          result = finish(reply, t, false);
        client->end_call();
        f(std::move(result), err);
      },
      timeout);
  }

  /// Fire and forget; the client still learns the outcome.
  void post() {
    then([](const R&, const caf::error&) {});
  }

private:
  detail::client_ptr client_;
  steps steps_;
};

/// A lock call yielding whether this owner now holds the lock (try_acquire()).
using acquire_call = lock_call<bool, detail::acquire_reply>;
/// A lock call yielding whether the lock was released (release()).
using release_call = lock_call<bool, detail::release_reply>;
/// A lock call yielding the names of the locks renewed (refresh()).
using refresh_call
  = lock_call<std::vector<std::string>, detail::refresh_reply>;

namespace detail {

/// acquire(name) for the client's owner, with its auto-unlock time.
acquire_call make_acquire(const client_ptr& c, const std::string& name);

/// release(name) for the client's owner.
release_call make_release(const client_ptr& c, const std::string& name);

/// refresh of every lock the client believes it holds.
refresh_call make_refresh(const client_ptr& c);

} // namespace detail

} // namespace flexsync
