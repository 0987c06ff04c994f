#include "state_machines/state_machine.hpp"

#include <caf/all.hpp>

#include "actors/objects/coro.hpp"
#include "actors/node/type_ids.hpp"

namespace flexsync {

command_error::command_error(fail_reason reason, const std::string& context)
  : std::runtime_error(std::string{"flexsync call failed: "} + to_string(reason)
                       + (context.empty() ? "" : " (" + context + ")")),
    reason_(reason) {
  // nop
}

apply_error::apply_error(caf::error err)
  : std::runtime_error("flexsync command returned an error: "
                       + caf::to_string(err)),
    error_(std::move(err)) {
  // nop
}

int64_t state_machine::entry_time() {
  if (auto ctx = detail::current_apply())
    return ctx->time;
  throw std::logic_error("entry_time() called outside a replicated operation");
}

const call_binding* state_machine::require_bound() const {
  if (!bound())
    throw std::logic_error("state machine is not registered with a node");
  return &binding();
}

namespace detail {

void throw_type_mismatch(const caf::message& result) {
  throw command_error(fail_reason::bad_command,
                      "unexpected result type: " + caf::to_string(result));
}

caf::message call_blocking(const call_binding* b, caf::message args,
                           caf::timespan timeout) {
  if (in_node_context())
    throw command_error(fail_reason::would_block,
                        "blocking call from inside the node; use then()");
  if (b->manual)
    throw command_error(fail_reason::would_block,
                        "blocking call on a manually ticked node; use then() "
                        "or co_await and keep ticking");
  caf::scoped_actor self{*b->sys};
  caf::message result;
  caf::error failure;
  self
    ->request(b->target, timeout + call_backstop, submit_atom::value,
              b->index, std::move(args), timeout)
    .receive([&](result_atom, caf::message& m) { result = std::move(m); },
             [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    throw command_error(to_fail_reason(failure), b->sys->render(failure));
  return result;
}

void submit_from_actor(caf::event_based_actor* self, const call_binding* b,
                       caf::message args, caf::timespan timeout,
                       std::coroutine_handle<> h, caf::message* result,
                       caf::error* failure) {
  // The guard owns the suspended frame until a handler resumes it; if the
  // actor stops first, CAF drops both handlers and the guard destroys it.
  auto guard = std::make_shared<frame_guard>(h);
  self
    ->request(b->target, timeout + call_backstop, submit_atom::value, b->index,
              std::move(args), timeout)
    .then(
      [guard, result](result_atom, caf::message& m) {
        *result = std::move(m);
        guard->resume();
      },
      [guard, failure](caf::error& err) {
        *failure = std::move(err);
        guard->resume();
      });
}

void call_async(const call_binding* b, caf::message args,
                caf::timespan timeout, completion_ptr done) {
  bool queued = false;
  bool wake = false;
  {
    std::lock_guard<std::mutex> guard{b->gate->mtx};
    if (b->gate->open) {
      // The first call into an empty queue wakes the node; the message
      // takes every call queued until the node runs it (call_gate).
      wake = b->gate->queued.empty();
      b->gate->queued.push_back(
        queued_call{b->index, std::move(args), timeout, std::move(done)});
      queued = true;
    }
  }
  if (wake)
    caf::anon_send(b->target, take_calls_atom::value);
  if (queued)
    return;
  if (done) {
    caf::message none;
    (*done)(none, to_error(fail_reason::stopped));
  }
}

} // namespace detail

} // namespace flexsync
