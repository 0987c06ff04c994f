#pragma once

/// @class flexsync::repl_lock_manager
/// A replicated lock table (PySyncObj's ReplLockManager): named locks with an
/// owner per client and an auto-unlock time T.
///
/// @code
///   flexsync::repl_lock_manager locks{std::chrono::seconds(10)};
///   // ... register it with a node ...
///   if (locks.try_acquire("job-7").get()) {
///     do_work();                        // check locks.is_acquired("job-7")
///     locks.release("job-7").get();     // before each step that needs it
///   }
/// @endcode
///
/// The table maps a lock name to (owner, refreshed_at, T of the owner, fencing
/// token, seq). Every decision is taken when a command is applied, on the
/// entry's time: the leader's clock when it appended the entry, carried in the
/// log, identical on every replica, and never lower than the previous entry's.
/// No replica reads its own clock to decide. A lock is *expired* at an entry
/// of time t when t - refreshed_at > T (strict).
///
/// - acquire(name): granted, with refreshed_at = t, if the lock is free,
///   expired, or already held by the caller (a re-entrant refresh).
///   Otherwise refused; nothing changes.
/// - refresh (PySyncObj's prolongate): deletes every expired lock, whoever
///   holds it, then sets refreshed_at = t on each lock the client believes it
///   holds and still holds. The keep-alive sends it every T/4. (PySyncObj
///   renews every lock of the owner; a lock whose acquire outcome the client
///   never learned, e.g. after a timeout, is deliberately not renewed, so it
///   expires instead of being held forever by a client that does not know
///   it holds it.)
/// - release(name): deletes the lock only if the caller holds it, and only if
///   the caller submitted it after its latest acquire of the lock: every call
///   of a client carries a sequence number, so a release never undoes a
///   later acquire, whatever their order in the log.
/// - T travels in every acquire, so expiry never depends on a replica's
///   configuration.
///
/// ## The guarantee, and its limits
///
/// In the table, a lock has at most one holder at any log position, across
/// leader crashes and partitions: the table is a Raft state machine, so every
/// replica applies the same decisions in the same order.
///
/// What a client may *believe* is a separate question, and is_acquired() is
/// the answer to ask. It is true only if (a) this node's table says the
/// caller holds the lock, (b) the latest outcome the client learned for the
/// lock (by log index) said "held", the call that produced it was submitted
/// less than T - safety_margin ago on the client's own monotonic clock, and
/// (c) the client has not submitted a release of the lock since: it stops
/// believing when it asks to release, not when the release is applied. It
/// does not need the leader: a client cut off from the cluster, or paused
/// (GC, SIGSTOP, a slow disk), sees it turn false on its own.
///
/// Why that is safe: the confirming entry was appended after the client
/// submitted its call, so its time is at least the submission time (up to
/// the leaders' clock error). Another client can take the lock over only at
/// an entry more than T later by entry time, or after a release, which the
/// holder stopped believing in before submitting it. With leader clocks
/// within eps of true time and client clocks running at a rate within rho,
/// two clients never believe at once when safety_margin >= 2 * eps + rho * T.
/// The default margin is T/4. The simulator checks this after every step
/// (tests/state_machines/lock_sim_test.cpp), with partitions that cut off
/// holders, crashes, and leader clocks skewed within the margin; with skew
/// beyond it, it does find double holders.
///
/// Limits:
/// - A check is about the instant it is made. A client that checks, then
///   pauses longer than the margin, then writes, may write after losing the
///   lock. For writes that must never overlap, pass the fencing token
///   (state_of(name)->token, the log index that began the current tenure,
///   strictly increasing across tenures) to the resource and let it refuse
///   older tokens.
/// - The leaders' wall clocks must agree within the margin: a new leader
///   whose clock runs ahead makes locks expire early by that much (one running
///   behind only delays expiry, since entry times never decrease).
/// - The client's clock is the actor system's clock (std::chrono::
///   steady_clock), which on Linux does not advance while the machine is
///   suspended; on machines that suspend, pass lock_options::clock (e.g. one
///   reading CLOCK_BOOTTIME).
/// - A lock is lost when its holder's refreshes stop committing for T (a
///   partition from the majority, a crash, or stop()). The keep-alive needs a
///   running node; it posts nothing while the client believes it holds none.
///
/// The keep-alive is a small actor started on the first call (there is
/// nothing to keep alive before), which never blocks: every T/4 it posts a
/// refresh unless one is still in flight. It ends on stop(), when the object
/// is destroyed, or when the node stops.
///
/// PySyncObj's rule for slow grants is kept: if an acquire is granted but the
/// outcome arrives more than T/2 (or T - margin, if smaller) after the call
/// was submitted, try_acquire reports false and releases the lock (blocking
/// in get(), posted otherwise).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/timespan.hpp>

#include "state_machines/lock_client.hpp"
#include "state_machines/state_machine.hpp"

namespace flexsync {

/// Options of a repl_lock_manager: T, the owner's name, and the client
/// side's safety margin, keep-alive and clock.
struct lock_options {
  /// T: a lock whose holder has not refreshed it for longer than this, by
  /// entry time, is free.
  caf::timespan auto_unlock_time = std::chrono::seconds(30);
  /// This client's identity; default_lock_owner() when empty.
  std::string owner;
  /// is_acquired() turns false this long before T runs out on the client's
  /// clock; zero means T/4. Must be less than T.
  caf::timespan safety_margin{0};
  /// Period of the keep-alive's refreshes; zero means T/4. Must be less than
  /// T - safety_margin.
  caf::timespan keepalive_interval{0};
  /// Run the keep-alive (off: refresh() by hand, e.g. in tests).
  bool keepalive = true;
  /// The client's monotonic clock; the actor system's clock when empty.
  std::function<caf::actor_clock::time_point()> clock;
};

/// One row of the replicated lock table.
struct lock_state {
  /// The holder (its manager's owner name).
  std::string owner;
  /// Entry time (ns since the Unix epoch, leader's clock) of the owner's
  /// last acquire or refresh.
  int64_t refreshed_at = 0;
  /// The owner's T in nanoseconds, from its acquire.
  int64_t auto_unlock_ns = 0;
  /// Fencing token: log index of the entry that began this tenure.
  uint64_t token = 0;
  /// The owner's number (client-local) of its latest acquire: a release
  /// frees the lock only if it was submitted after that acquire.
  uint64_t seq = 0;

  /// Equal rows.
  bool operator==(const lock_state&) const = default;
};

/// CAF serialization of a row (every field).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lock_state& x) {
  return f(x.owner, x.refreshed_at, x.auto_unlock_ns, x.token, x.seq);
}

/// `<hostname>:<pid>:<n>`, n counting the lock managers of this process.
std::string default_lock_owner();

class repl_lock_manager : public state_machine {
public:
  /// The lock table, by lock name.
  using table_type = std::map<std::string, lock_state>;

  /// A manager with auto-unlock time `auto_unlock_time` and the other
  /// options' defaults.
  /// @throws std::invalid_argument on inconsistent options.
  explicit repl_lock_manager(caf::timespan auto_unlock_time
                             = std::chrono::seconds(30));
  /// A manager with `opts`.
  /// @throws std::invalid_argument on inconsistent options (T not positive,
  /// safety_margin or keepalive_interval out of range).
  explicit repl_lock_manager(lock_options opts);
  ~repl_lock_manager() override;

  // -- replicated operations ---------------------------------------------------

  /// Acquires (or re-entrantly refreshes) `name` for this owner; yields
  /// whether this owner now holds it.
  acquire_call try_acquire(const std::string& name);

  /// Frees `name` if this owner holds it; yields whether it did.
  release_call release(const std::string& name);

  /// Renews every lock this client believes it holds (what the keep-alive
  /// sends); yields the names renewed.
  refresh_call refresh();

  // -- local reads -------------------------------------------------------------

  /// Whether this owner may act as the holder of `name` right now; see the
  /// guarantee in the file comment. Never blocks on the cluster.
  bool is_acquired(const std::string& name) const;

  /// The row of `name` as of this node's last applied entry.
  std::optional<lock_state> state_of(const std::string& name) const;

  /// A copy of the whole table.
  table_type raw_data() const;

  /// This client's owner name (lock_options::owner or default_lock_owner()).
  const std::string& owner() const { return client_->owner(); }

  /// T (lock_options::auto_unlock_time).
  caf::timespan auto_unlock_time() const { return client_->ttl(); }

  /// Stops the keep-alive: held locks expire T after their last refresh
  /// unless refresh() is called. Idempotent.
  void stop();

  // -- replicated_object -------------------------------------------------------

  caf::behavior make_behavior() override;

  caf::error save(caf::serializer& sink) override;

  caf::error load(caf::deserializer& source) override;

private:
  /// The client, bound to the node. @throws std::logic_error when this
  /// object is not registered with a node.
  const detail::client_ptr& client();

  detail::client_ptr client_;
  table_type locks_;
};

} // namespace flexsync
