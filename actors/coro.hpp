#pragma once

// Coroutines inside actors. CAF 0.17 has none of its own; this is the one
// small bridge flexsync provides (DESIGN.md, "Coroutines").
//
// A coroutine returning flexsync::task<T> whose parameters include the actor
// it runs in (any caf::event_based_actor*, e.g. a stateful_actor pointer)
// can co_await replicated calls and other tasks as straight-line code:
//
//   flexsync::task<int64_t> bump(caf::event_based_actor* self,
//                                flexsync::repl_counter& hits) {
//     auto v = co_await hits.add(10);                 // throws like get()
//     auto w = co_await hits.inc().as_expected();      // caf::expected
//     co_return v + (w ? *w : 0);
//   }
//
// Rules:
// - A task starts at once, on the calling thread, which must be its actor's
//   (call it from a message handler). Every co_await suspends the coroutine
//   and returns to the actor, which keeps handling other messages; the
//   coroutine resumes inside a later handler of the same actor (a
//   request(...).then(...) reply). So the actor stays single-threaded.
// - Errors: co_await on a call throws command_error / apply_error exactly as
//   the blocking get() does; `as_expected()` delivers them as values. An
//   exception that leaves a task is rethrown where the task is awaited (or by
//   result()); a task nobody awaits keeps it in its state.
// - Cancellation: when the actor stops while a coroutine waits, CAF drops
//   the pending reply handler, which destroys the coroutine frame (running
//   its locals' destructors) and, in cascade, every task awaiting it. Code
//   after the co_await never runs. cancelled() reports it.
// - Lifetime: the frame belongs to whoever resumes it next (the pending
//   reply, or the task it awaits), not to the task object; dropping the
//   task object detaches the coroutine.
// - g++ 12: never co_await/co_yield an aggregate temporary holding a
//   std::string temporary (CAF-NOTES §3f); build a named local first.

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <caf/event_based_actor.hpp>

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
  struct promise_type : detail::promise_base<T> {
    using detail::promise_base<T>::promise_base;
    task get_return_object() { return task{this->state}; }
    template <class U>
    void return_value(U&& x) {
      this->state->value.emplace(std::forward<U>(x));
    }
  };

  task() = default;

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
class [[nodiscard]] task<void> {
public:
  struct promise_type : detail::promise_base<void> {
    using detail::promise_base<void>::promise_base;
    task get_return_object() { return task{this->state}; }
    void return_void() {}
  };

  task() = default;

  bool done() const { return st_ && st_->done; }

  bool cancelled() const { return st_ && st_->cancelled; }

  void result() {
    if (!done())
      throw std::logic_error("task::result() before the task finished");
    if (st_->error)
      std::rethrow_exception(st_->error);
  }

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

} // namespace flexsync
