#pragma once

/// @class flexsync::state_machine
/// @details
/// The replicated-object API: the C++ counterpart of PySyncObj's \@replicated.
///
/// A user class derives from state_machine and returns its replicated
/// operations from make_behavior() as CAF message handlers. Calling an
/// operation (call<R>(args...)) does not run it: the arguments are replicated
/// through the log, and the handler runs on every node when the entry is
/// applied. The caller receives the value the handler returned on the caller's
/// own node. Reads are plain member functions guarded by read().
///
/// @code
///   struct counter : flexsync::state_machine {
///     int64_t value = 0;
///     caf::behavior make_behavior() override {
///       return {[this](add_atom, int64_t n) { return value += n; }};
///     }
///   };
///   auto v = c.call<int64_t>(add_atom::value, int64_t{5}).get();  // blocking
/// @endcode
///
/// Handlers must be deterministic: same state and arguments, same result on
/// every node. A handler that returns a caf::error leaves the state unchanged
/// by contract; its caller receives that error.

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>
#include <caf/optional.hpp>
#include <caf/timespan.hpp>

#include "actors/objects/replicated_object.hpp"
#include "actors/node/type_ids.hpp"
#include "protocol/fail_reason.hpp"
#include "protocol/read_mode.hpp"

namespace flexsync {

/// Thrown by a blocking call that did not apply its command (or could not
/// learn the outcome); reason() says which, see fail_reason.
class command_error : public std::runtime_error {
public:
  /// A failure for `reason`; what() names it, followed by `context` if any.
  command_error(fail_reason reason, const std::string& context);
  /// Why the call failed; fail_reason says whether it may have been applied.
  fail_reason reason() const { return reason_; }

private:
  fail_reason reason_;
};

/// Thrown by a blocking call whose command was applied but whose handler
/// returned an error (the state is unchanged by contract).
class apply_error : public std::runtime_error {
public:
  /// The handler's error; what() renders it.
  explicit apply_error(caf::error err);
  /// The error the handler returned.
  const caf::error& error() const { return error_; }

private:
  caf::error error_;
};

namespace detail {

/// Submits and waits. @throws command_error.
caf::message call_blocking(const call_binding* b, caf::message args,
                           caf::timespan timeout);

/// Submits; `done` (may be null) runs in the node's context afterwards.
void call_async(const call_binding* b, caf::message args,
                caf::timespan timeout, completion_ptr done);

[[noreturn]] void throw_type_mismatch(const caf::message& result);

} // namespace detail

/// How a result of type R travels in the message a handler returns: as
/// itself by default. CAF 0.17 cannot serialize std::optional, so
/// std::optional<T> travels as caf::optional<T>; a handler producing one
/// returns result_traits<std::optional<T>>::make(x) (a caf::message, which
/// CAF passes through unchanged, whereas a returned caf::optional would be
/// unwrapped).
template <class R>
struct result_traits {
  /// The message carrying `x`.
  static caf::message make(R x) { return caf::make_message(std::move(x)); }
  /// Whether `m` carries an R.
  static bool matches(const caf::message& m) { return m.match_elements<R>(); }
  /// The R in `m` (matches(m) must hold).
  static R extract(const caf::message& m) { return m.get_as<R>(0); }
};

template <class T>
/// Carries a std::optional<T> result as caf::optional<T> (see result_traits).
struct result_traits<std::optional<T>> {
  /// What travels in the message.
  using wire_type = caf::optional<T>;
  /// The message carrying `x` (as wire_type).
  static caf::message make(std::optional<T> x) {
    return caf::make_message(x ? wire_type{std::move(*x)} : wire_type{});
  }
  /// Whether `m` carries a wire_type.
  static bool matches(const caf::message& m) {
    return m.match_elements<wire_type>();
  }
  /// The std::optional<T> in `m` (matches(m) must hold).
  static std::optional<T> extract(const caf::message& m) {
    auto& x = m.get_as<wire_type>(0);
    return x ? std::optional<T>{*x} : std::nullopt;
  }
};

namespace detail {

/// Extracts an R from a call's result message.
/// @throws apply_error when the handler returned an error.
template <class R>
R unpack(caf::message& m) {
  if (m.match_elements<caf::error>())
    throw apply_error(m.get_as<caf::error>(0));
  if constexpr (std::is_void_v<R>) {
    return;
  } else {
    if (!result_traits<R>::matches(m))
      throw_type_mismatch(m);
    return result_traits<R>::extract(m);
  }
}

} // namespace detail

namespace detail {

/// Extra time an asynchronous caller waits beyond the node's own deadline,
/// so the node's precise answer (timeout or result) normally arrives first.
constexpr caf::timespan call_backstop = std::chrono::seconds(1);

/// Submits from inside an actor and resumes the awaiting coroutine there
/// (actors/objects/coro.hpp). `Expected` selects caf::expected<R> over exceptions.
void submit_from_actor(caf::event_based_actor* self, const call_binding* b,
                       caf::message args, caf::timespan timeout,
                       std::coroutine_handle<> h, caf::message* result,
                       caf::error* failure);

template <class R, bool Expected>
class call_awaiter {
public:
  call_awaiter(caf::event_based_actor* self, const call_binding* b,
               caf::message args)
    : self_(self), binding_(b), args_(std::move(args)) {
    // nop
  }

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    // The reply handlers write into this awaiter: it lives in the frame,
    // which lives until they resume it.
    submit_from_actor(self_, binding_, std::move(args_),
                      binding_->default_timeout, h, &result_, &failure_);
  }

  auto await_resume() {
    if constexpr (Expected) {
      using value_type = std::conditional_t<std::is_void_v<R>, void, R>;
      if (failure_)
        return caf::expected<value_type>{std::move(failure_)};
      if (result_.match_elements<caf::error>())
        return caf::expected<value_type>{result_.get_as<caf::error>(0)};
      if constexpr (std::is_void_v<R>) {
        return caf::expected<void>{};
      } else {
        if (!result_traits<R>::matches(result_))
          return caf::expected<R>{to_error(fail_reason::bad_command)};
        return caf::expected<R>{result_traits<R>::extract(result_)};
      }
    } else {
      if (failure_)
        throw command_error(to_fail_reason(failure_), caf::to_string(failure_));
      return unpack<R>(result_);
    }
  }

private:
  caf::event_based_actor* self_;
  const call_binding* binding_;
  caf::message args_;
  caf::message result_;
  caf::error failure_;
};

} // namespace detail

template <class R>
class replicated_call;

/// `co_await call.as_expected()`: the call's outcome as caf::expected<R>
/// (an error in flexsync's category for fail reasons, the handler's own
/// error for apply errors) instead of an exception.
template <class R>
class [[nodiscard]] expected_call {
public:
  /// Made by replicated_call::as_expected().
  expected_call(const call_binding* b, caf::message args)
    : binding_(b), args_(std::move(args)) {
    // nop
  }

  /// Used by flexsync::task (actors/objects/coro.hpp).
  detail::call_awaiter<R, true> bind_actor(caf::event_based_actor* self) && {
    return {self, binding_, std::move(args_)};
  }

private:
  const call_binding* binding_;
  caf::message args_;
};

/// One replicated call, ready to be submitted in one of three modes.
template <class R>
class [[nodiscard]] replicated_call {
public:
  /// Made by state_machine::call() and the batteries' operations.
  replicated_call(const call_binding* binding, caf::message args)
    : binding_(binding), args_(std::move(args)) {
    // nop
  }

  /// Blocks until the command is applied on this node and returns its result.
  /// Never hangs: fails after the node's default_call_timeout.
  /// @throws command_error or apply_error.
  R get() { return get(binding_->default_timeout); }

  /// As get(), with an explicit deadline.
  R get(caf::timespan timeout) {
    auto m = detail::call_blocking(binding_, std::move(args_), timeout);
    return detail::unpack<R>(m);
  }

  /// Asynchronous: `f(result, error)` runs in the node's context once the
  /// command is applied or failed (error is empty on success; for R = void,
  /// `f(error)`). A failed call passes a default-constructed R.
  template <class F>
  void then(F f) {
    then(std::move(f), binding_->default_timeout);
  }

  template <class F>
  /// As then(f), with an explicit deadline.
  void then(F f, caf::timespan timeout) {
    auto done = make_completion(
      [f = std::move(f)](caf::message& m, const caf::error& err) mutable {
        deliver(f, m, err);
      });
    detail::call_async(binding_, std::move(args_), timeout, std::move(done));
  }

  /// Inside a flexsync::task (actors/objects/coro.hpp): `co_await call` resumes
  /// with the result or throws as get() does, with the node's default
  /// deadline; `co_await std::move(call).as_expected()` gives the outcome
  /// as caf::expected<R>.
  detail::call_awaiter<R, false> bind_actor(caf::event_based_actor* self) && {
    return {self, binding_, std::move(args_)};
  }

  /// For `co_await std::move(call).as_expected()`: the outcome as
  /// caf::expected<R> instead of an exception (see expected_call).
  expected_call<R> as_expected() && {
    return {binding_, std::move(args_)};
  }

  /// Fire and forget.
  void post() {
    detail::call_async(binding_, std::move(args_), binding_->default_timeout,
                       nullptr);
  }

private:
  template <class F>
  static void deliver(F& f, caf::message& m, const caf::error& err) {
    caf::error e = err;
    if (!e && m.match_elements<caf::error>())
      e = m.get_as<caf::error>(0);
    if constexpr (std::is_void_v<R>) {
      f(e);
    } else {
      if (!e && !result_traits<R>::matches(m))
        e = to_error(fail_reason::bad_command);
      if (e)
        f(R{}, e);
      else
        f(result_traits<R>::extract(m), e);
    }
  }

  const call_binding* binding_;
  caf::message args_;
};

/// Base class of every user-defined replicated object and battery.
class state_machine : public replicated_object {
public:
  /// Prepares a replicated call of the operation matching `xs`.
  /// @throws std::logic_error when the object is not registered with a node.
  template <class R = void, class... Ts>
  replicated_call<R> call(Ts&&... xs) {
    return replicated_call<R>{require_bound(),
                              caf::make_message(std::forward<Ts>(xs)...)};
  }

  /// Inside a replicated operation: the time the leader stamped on the entry
  /// being applied (nanoseconds since the Unix epoch). Every replica sees
  /// the same value, so operations may depend on it deterministically.
  /// @throws std::logic_error outside a replicated operation.
  static int64_t entry_time();

  /// Runs `f` while no command is being applied to this object, so it never
  /// sees a half-applied command. Safe from any thread. A local read: it
  /// may be stale (see barrier()).
  template <class F>
  auto read(F&& f) const {
    std::shared_lock<std::shared_mutex> guard{mutex_};
    return f();
  }

  /// A read barrier (ReadIndex, protocol/read_index.hpp): completes once
  /// this node has applied every entry committed when it was issued, as
  /// confirmed by a leader that proved it still led then. Reads made after
  /// it completes see every write acknowledged before it was issued
  /// (linearizable), on followers too. Never a log entry. Submitted like a
  /// call, in any mode: get() (throws command_error: leader_changed,
  /// timeout, stopped), then(f(error)), co_await.
  /// `mode` read_mode::lease: a leader holding a lease answers without a
  /// round (node_config::lease_reads; otherwise, or without a lease, the
  /// same as read_index).
  replicated_call<void> barrier(read_mode mode = read_mode::read_index) {
    return call<void>(read_barrier_atom::value, static_cast<uint8_t>(mode));
  }

  /// A linearizable read: barrier().get(timeout), then read(f).
  /// @throws command_error when the barrier fails.
  template <class F>
  auto read_linearizable(F&& f, caf::timespan timeout) {
    barrier().get(timeout);
    return read(std::forward<F>(f));
  }

  template <class F>
  /// As read_linearizable(f, timeout), with the node's default_call_timeout.
  /// @throws command_error when the barrier fails.
  /// @throws std::logic_error when the object is not registered with a node.
  auto read_linearizable(F&& f) {
    return read_linearizable(std::forward<F>(f), require_bound()->default_timeout);
  }

private:
  const call_binding* require_bound() const;
};

} // namespace flexsync
