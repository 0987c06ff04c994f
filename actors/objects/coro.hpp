#pragma once

/// @class flexsync::task
/// @details
/// Coroutines inside actors. CAF 0.17 has none of its own; this is the one
/// small bridge flexsync provides (DESIGN.md, "Coroutines").
///
/// A coroutine returning flexsync::task<T> whose parameters include the actor
/// it runs in (any caf::event_based_actor*, e.g. a stateful_actor pointer)
/// can co_await replicated calls and other tasks as straight-line code:
///
/// @code
///   flexsync::task<int64_t> bump(caf::event_based_actor* self,
///                                flexsync::repl_counter& hits) {
///     auto v = co_await hits.add(10);                 // throws like get()
///     auto w = co_await hits.inc().as_expected();      // caf::expected
///     co_return v + (w ? *w : 0);
///   }
/// @endcode
///
/// Rules:
/// - A task starts at once, on the calling thread, which must be its actor's
///   (call it from a message handler). Every co_await suspends the coroutine
///   and returns to the actor, which keeps handling other messages; the
///   coroutine resumes inside a later handler of the same actor (a
///   request(...).then(...) reply). So the actor stays single-threaded.
/// - Errors: co_await on a call throws command_error / apply_error exactly as
///   the blocking get() does; `as_expected()` delivers them as values. An
///   exception that leaves a task is rethrown where the task is awaited (or by
///   result()); a task nobody awaits keeps it in its state.
/// - Cancellation: when the actor stops while a coroutine waits, CAF drops
///   the pending reply handler, which destroys the coroutine frame (running
///   its locals' destructors) and, in cascade, every task awaiting it. Code
///   after the co_await never runs. cancelled() reports it.
/// - Lifetime: the frame belongs to whoever resumes it next (the pending
///   reply, or the task it awaits), not to the task object; dropping the
///   task object detaches the coroutine.
/// - g++ 12: never co_await/co_yield an aggregate temporary holding a
///   std::string temporary (CAF-NOTES §3f); build a named local first.
///
/// Besides replicated calls and other tasks, a task can await
/// - ask<Rs...>(dest, xs...): a request to another actor, answered as
///   caf::expected<std::tuple<Rs...>>;
/// - a pending<T>: a value that a message handler of the same actor delivers
///   later (a peer's reply, a timeout), so a protocol that spans several
///   messages reads as one loop (see the snapshot install in
///   replicator_install.cpp).

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/sec.hpp>

namespace flexsync {

template <class T = void>
class task;

namespace detail {

/// What a task and its coroutine share; outlives both.
struct task_state_base {
  /// The coroutine awaiting this task, owned by this task's frame while set.
  std::coroutine_handle<> continuation;
  std::exception_ptr error;
  bool done = false;
  bool cancelled = false;
};

template <class T>
struct task_state : task_state_base {
  std::optional<T> value;
};

template <>
struct task_state<void> : task_state_base {};

/// The first parameter convertible to caf::event_based_actor*, or null.
inline caf::event_based_actor* find_actor() {
  return nullptr;
}

template <class X, class... Xs>
caf::event_based_actor* find_actor(X& x, Xs&... xs) {
  if constexpr (std::is_convertible_v<X&, caf::event_based_actor*>)
    return x;
  else
    return find_actor(xs...);
}

/// Owns a suspended coroutine until it is resumed; destroys it if it never
/// is (the actor stopped and CAF dropped the reply handler holding this).
class frame_guard {
public:
  explicit frame_guard(std::coroutine_handle<> h) : h_(h) {}
  frame_guard(const frame_guard&) = delete;
  frame_guard& operator=(const frame_guard&) = delete;
  ~frame_guard() {
    if (h_)
      h_.destroy();
  }
  void resume() {
    std::exchange(h_, {}).resume();
  }

private:
  std::coroutine_handle<> h_;
};

template <class T>
struct promise_base {
  template <class... Xs>
  explicit promise_base(Xs&... xs) : self(find_actor(xs...)) {}

  ~promise_base() {
    if (!state->done) {
      // Destroyed while suspended: cancelled, and so is whoever awaits us.
      state->cancelled = true;
      if (auto c = std::exchange(state->continuation, {}))
        c.destroy();
    }
  }

  std::suspend_never initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto st = h.promise().state;
      st->done = true;
      auto next = std::exchange(st->continuation, {});
      h.destroy();
      if (next)
        return next;
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  final_awaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() { state->error = std::current_exception(); }

  /// Awaitables that need the actor (replicated calls) get it here.
  template <class A>
  decltype(auto) await_transform(A&& x) {
    if constexpr (requires { std::forward<A>(x).bind_actor(self); }) {
      if (!self)
        throw std::logic_error("co_await of an actor request in a task that "
                               "has no caf::event_based_actor* parameter");
      return std::forward<A>(x).bind_actor(self);
    } else {
      return std::forward<A>(x);
    }
  }

  caf::event_based_actor* self = nullptr;
  std::shared_ptr<task_state<T>> state = std::make_shared<task_state<T>>();
};

} // namespace detail

/// The result of a coroutine running inside an actor; see the file comment.
template <class T>
class [[nodiscard]] task {
public:
  /// The coroutine's promise (internal).
  struct promise_type : detail::promise_base<T> {
    using detail::promise_base<T>::promise_base;
    /// Makes the task the coroutine returns (internal).
    task get_return_object() { return task{this->state}; }
    template <class U>
    /// Stores the co_returned value (internal).
    void return_value(U&& x) {
      this->state->value.emplace(std::forward<U>(x));
    }
  };

  task() = default;

  /// The coroutine finished (returned or threw); false for a default-made task.
  bool done() const { return st_ && st_->done; }

  /// The coroutine was destroyed before it finished (its actor stopped).
  bool cancelled() const { return st_ && st_->cancelled; }

  /// The value of a finished task; rethrows its exception.
  /// @throws std::logic_error when the task has not finished.
  T result() {
    if (!done())
      throw std::logic_error("task::result() before the task finished");
    if (st_->error)
      std::rethrow_exception(st_->error);
    return std::move(*st_->value);
  }

  /// Inside another task: waits for this one, then yields its value or
  /// rethrows its exception.
  auto operator co_await() && { return awaiter{st_}; }

private:
  explicit task(std::shared_ptr<detail::task_state<T>> st) : st_(std::move(st)) {}

  struct awaiter {
    std::shared_ptr<detail::task_state<T>> st;
    bool await_ready() const noexcept { return st->done; }
    void await_suspend(std::coroutine_handle<> h) { st->continuation = h; }
    T await_resume() {
      if (st->error)
        std::rethrow_exception(st->error);
      return std::move(*st->value);
    }
  };

  std::shared_ptr<detail::task_state<T>> st_;
};

template <>
/// A task without a value (`co_return;`); see task.
class [[nodiscard]] task<void> {
public:
  /// The coroutine's promise (internal).
  struct promise_type : detail::promise_base<void> {
    using detail::promise_base<void>::promise_base;
    /// Makes the task the coroutine returns (internal).
    task get_return_object() { return task{this->state}; }
    /// Marks a plain `co_return;` (internal).
    void return_void() {}
  };

  task() = default;

  /// The coroutine finished (returned or threw); false for a default-made task.
  bool done() const { return st_ && st_->done; }

  /// The coroutine was destroyed before it finished (its actor stopped).
  bool cancelled() const { return st_ && st_->cancelled; }

  /// Rethrows the exception of a finished task, if any.
  /// @throws std::logic_error when the task has not finished.
  void result() {
    if (!done())
      throw std::logic_error("task::result() before the task finished");
    if (st_->error)
      std::rethrow_exception(st_->error);
  }

  /// Inside another task: waits for this one, then rethrows its exception,
  /// if any.
  auto operator co_await() && { return awaiter{st_}; }

private:
  explicit task(std::shared_ptr<detail::task_state<void>> st)
    : st_(std::move(st)) {}

  struct awaiter {
    std::shared_ptr<detail::task_state<void>> st;
    bool await_ready() const noexcept { return st->done; }
    void await_suspend(std::coroutine_handle<> h) { st->continuation = h; }
    void await_resume() {
      if (st->error)
        std::rethrow_exception(st->error);
    }
  };

  std::shared_ptr<detail::task_state<void>> st_;
};

/// A request to another actor, awaitable from a task: the reply's values, or
/// the error (a timeout, a dead receiver, an error reply).
///
/// @code
///   auto r = co_await ask<index_t, std::string>(dest, chunk_atom::value, 0);
///   if (!r) ...;                       // r.error()
///   auto& [index, data] = *r;
/// @endcode
template <class... Rs>
class [[nodiscard]] ask_call {
public:
  /// The outcome: the reply's values, or the error.
  using result_type = caf::expected<std::tuple<Rs...>>;

  /// Prepares the request; ask() is the usual way to make one.
  ask_call(caf::actor dest, caf::duration timeout, caf::message msg)
    : dest_(std::move(dest)), timeout_(timeout), msg_(std::move(msg)) {
    // nop
  }

  /// The awaiter co_await uses (internal).
  class awaiter {
  public:
    /// Binds the call to the awaiting task's actor (internal).
    awaiter(caf::event_based_actor* self, ask_call&& call)
      : self_(self), call_(std::move(call)) {
      // nop
    }

    /// Always suspends (internal).
    bool await_ready() const noexcept { return false; }

    /// Sends the request from the actor; its reply resumes the task (internal).
    void await_suspend(std::coroutine_handle<> h) {
      // Both handlers share the guard: whichever runs resumes the frame;
      // when the actor stops first, CAF drops them and the guard destroys
      // it. They write into this awaiter, which lives in the frame.
      auto guard = std::make_shared<detail::frame_guard>(h);
      self_->request(call_.dest_, call_.timeout_, std::move(call_.msg_))
        .then(
          [this, guard](Rs&... xs) {
            result_ = std::make_tuple(std::move(xs)...);
            guard->resume();
          },
          [this, guard](caf::error& err) {
            result_ = std::move(err);
            guard->resume();
          });
    }

    /// The reply's values or the error (internal).
    result_type await_resume() { return std::move(result_); }

  private:
    caf::event_based_actor* self_;
    ask_call call_;
    result_type result_{caf::make_error(caf::sec::invalid_argument)};
  };

  /// Used by flexsync::task.
  awaiter bind_actor(caf::event_based_actor* self) && {
    return {self, std::move(*this)};
  }

private:
  caf::actor dest_;
  caf::duration timeout_;
  caf::message msg_;
};

/// Prepares `co_await`ing the reply of type (Rs...) to `xs...` sent to
/// `dest`, failing after `timeout` (caf::infinite: never).
template <class... Rs, class... Xs>
ask_call<Rs...> ask(caf::actor dest, caf::duration timeout, Xs&&... xs) {
  return {std::move(dest), timeout,
          caf::make_message(std::forward<Xs>(xs)...)};
}

/// A value that one task waits for and a message handler of the same actor
/// delivers later: `T x = co_await slot;` suspends until `slot.deliver(x)`.
/// At most one task waits at a time. Destroying the slot while a task waits
/// destroys that task, as when its actor stops.
template <class T>
class pending {
public:
  pending() = default;
  /// Moves the slot, with the task waiting on it, if any.
  pending(pending&&) noexcept = default;
  /// Moves the slot, with the task waiting on it, if any.
  pending& operator=(pending&&) noexcept = default;

  /// A task waits on this slot.
  bool waiting() const { return guard_ != nullptr; }

  /// Resumes the waiting task with `x`, at once and on this thread; false
  /// (and `x` dropped) when none waits.
  bool deliver(T x) {
    if (!guard_)
      return false;
    *out_ = std::move(x);
    out_ = nullptr;
    // The task may wait on this slot again before resume() returns.
    auto guard = std::move(guard_);
    guard->resume();
    return true;
  }

  /// The awaiter co_await uses (internal).
  class awaiter {
  public:
    /// Waits on `slot` (internal).
    explicit awaiter(pending* slot) : slot_(slot) {}

    /// Always suspends (internal).
    bool await_ready() const noexcept { return false; }

    /// Registers the task with the slot (internal).
    /// @throws std::logic_error when another task already waits on it.
    void await_suspend(std::coroutine_handle<> h) {
      if (slot_->guard_)
        throw std::logic_error("two tasks wait on one flexsync::pending");
      slot_->guard_ = std::make_unique<detail::frame_guard>(h);
      slot_->out_ = &value_;
    }

    /// The delivered value (internal).
    T await_resume() { return std::move(*value_); }

  private:
    pending* slot_;
    std::optional<T> value_;
  };

  /// Suspends the awaiting task until deliver(); the slot must outlive the
  /// wait (destroying it destroys the waiting task).
  /// @throws std::logic_error when another task already waits on this slot.
  awaiter operator co_await() & { return awaiter{this}; }

private:
  std::unique_ptr<detail::frame_guard> guard_;
  std::optional<T>* out_ = nullptr;
};

} // namespace flexsync
