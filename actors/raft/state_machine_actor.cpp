// The state machine actor: applies committed entries in index order by
// invoking the registered objects' behaviors, and tracks every call submitted
// on this node until it is answered.
//
// A call is identified by (client_id, request_id); client_id is drawn anew by
// every incarnation of the node. The call succeeds when an entry carrying its
// identity is applied here; what proves earlier that it never will be is
// protocol/call_tracker.hpp. Otherwise it fails when its deadline passes.
//
// Invariants: entries are applied exactly once, in index order; every call is
// answered exactly once.

#include <chrono>
#include <random>

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/raft/state_machine_state.hpp"
#include "actors/objects/replicated_object.hpp"
#include "actors/node/spawn.hpp"
#include "actors/objects/state_snapshot.hpp"
#include "actors/objects/versioned_objects.hpp"
#include "protocol/follower_rules.hpp"
#include "protocol/assert.hpp"
#include "protocol/call_tracker.hpp"
#include "protocol/commands.hpp"

namespace flexsync {

namespace {

using namespace detail;

// -- answering calls ------------------------------------------------------------

void finish(sm_ptr self, uint64_t id, caf::message result, fail_reason why) {
  auto& st = self->state;
  auto taken = st.calls.take(id);
  if (!taken)
    return;
  auto& call = *taken;
  forget_deadline(st);
  if (why == fail_reason::success)
    st.metrics.proposals_committed.add();
  else
    st.metrics.proposals_failed[static_cast<size_t>(why)].add();
  if (st.w->observer)
    st.w->observer->on_call_done(st.w->config.self, st.client_id, id, why);
  caf::error err;
  if (why != fail_reason::success)
    err = to_error(why);
  if (call.rp.pending()) {
    if (err)
      call.rp.deliver(std::move(err));
    else
      call.rp.deliver(result_atom::value, std::move(result));
  } else if (call.done) {
    run_user_callback(*st.w, "call completion",
                      [&] { (*call.done)(result, err); });
  }
}

void fail(sm_ptr self, uint64_t id, fail_reason why) {
  finish(self, id, caf::message{}, why);
}

/// Answers the calls the call tracker resolved.
void fail_all(sm_ptr self, const std::vector<call_verdict>& xs) {
  for (auto& [id, reason] : xs)
    fail(self, id, reason);
}

} // namespace

void detail::arm_sweep(sm_ptr self) {
  auto& st = self->state;
  auto earliest = st.deadlines.earliest(
    [&](uint64_t id) { return is_pending(st, id); });
  if (!earliest)
    return;
  auto due = *earliest;
  if (st.sweep_at && *st.sweep_at <= due)
    return;
  st.sweep_at = due;
  auto delay = std::max(due - self->clock().now(), caf::timespan{0});
  self->delayed_send(self, delay, sweep_atom::value, ++st.sweep_timer);
}

namespace {

void on_sweep(sm_ptr self, uint64_t id) {
  auto& st = self->state;
  if (id != st.sweep_timer)
    return;
  st.sweep_at.reset();
  auto now = self->clock().now();
  auto due = st.deadlines.take_due(
    now, [&](uint64_t id) { return is_pending(st, id); });
  for (auto id : due) {
    if (is_barrier_id(id))
      finish_barrier(self, id, to_error(fail_reason::timeout));
    else
      fail(self, id, fail_reason::timeout);
  }
  arm_sweep(self);
}

// -- submitting -------------------------------------------------------------------

void flush(sm_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.outbox.empty())
    return;
  std::vector<uint64_t> ids;
  for (auto& c : st.outbox)
    ids.push_back(c.request_id);
  auto watermark = st.calls.watermark(st.next_request);
  self
    ->request(st.w->self.replicator, caf::infinite, propose_atom::value,
              watermark, std::move(st.outbox))
    .then(
      [=](term_t term, bool appended_here) {
        // Entries of a later term may already have been applied.
        auto& st = self->state;
        fail_all(self, st.calls.bind(ids, term, appended_here,
                                     st.last_applied_term));
      },
      [=](caf::error& err) {
        for (auto id : ids)
          fail(self, id, to_fail_reason(err));
      });
  st.outbox.clear();
}

/// Encodes and queues a call. Returns its request id, or 0 when it could not
/// be encoded.
/// The largest encode buffer kept between commands.
constexpr size_t max_kept_buffer = size_t{1} << 20;

uint64_t submit(sm_ptr self, uint32_t index, const caf::message& args) {
  auto& st = self->state;
  st.metrics.proposals_submitted.add();
  auto refuse = [&] {
    st.metrics.proposals_failed[static_cast<size_t>(fail_reason::bad_command)]
      .add();
    return uint64_t{0};
  };
  if (index >= st.objects.size())
    return refuse();
  command cmd;
  cmd.client_id = st.client_id;
  cmd.request_id = st.next_request++;
  auto& buf = st.encode_buf;
  buf.clear();
  caf::binary_serializer sink{self->system(), buf};
  if (sink(index, const_cast<caf::message&>(args)))
    return refuse();
  cmd.data.assign(buf.begin(), buf.end());
  if (buf.capacity() > max_kept_buffer)
    std::vector<char>{}.swap(buf); // a rare big command: do not keep it
  auto id = cmd.request_id;
  st.outbox.push_back(std::move(cmd));
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
  return id;
}

void track(sm_ptr self, uint64_t id, caf::timespan timeout, pending_call call) {
  auto& st = self->state;
  call.deadline = self->clock().now() + timeout;
  st.deadlines.add(timeout, call.deadline, id);
  st.calls.add(id, std::move(call));
  arm_sweep(self);
}

// -- applying ---------------------------------------------------------------------

/// Runs the command of `e`; `own`: the call this replica submitted it
/// with, whose arguments spare decoding the entry.
caf::message execute(sm_ptr self, const log_entry& e, pending_call* own) {
  auto& st = self->state;
  uint32_t index = 0;
  caf::message args;
  if (own && !own->args.empty()) {
    index = own->object;
    args = std::move(own->args);
  } else {
    caf::binary_deserializer source{self->system(), e.data.data(),
                                    e.data.size()};
    if (source(index, args) || index >= st.objects.size()) {
      st.w->log.warning("cannot decode command at index "
                        + to_string(e.index));
      return caf::make_message(to_error(fail_reason::bad_command));
    }
  }
  std::unique_lock<std::shared_mutex> guard{st.w->machines[index]->apply_mutex()};
  detail::node_context_guard context;
  apply_context entry{e.index.value, e.term.value, e.time};
  detail::apply_scope scope{entry};
  try {
    if (auto result = st.objects.run(index, args))
      return std::move(*result);
    st.w->log.warning("no handler for command " + caf::to_string(args)
                      + " under code version "
                      + std::to_string(st.objects.enabled()));
  } catch (std::exception& ex) {
    st.w->log.warning("command " + caf::to_string(args) + " threw: " + ex.what());
  }
  return caf::make_message(to_error(fail_reason::bad_command));
}

} // namespace

namespace {

void on_apply(sm_ptr self, entry_list& entries) {
  auto& st = self->state;
  auto& w = *st.w;
  for (auto& e : entries) {
    if (e.index <= st.last_applied)
      continue;
    FLEXSYNC_ASSERT(e.index == st.last_applied + 1,
                    "apply gap: " + to_string(e.index) + " after "
                      + to_string(st.last_applied));
    if (is_newer_term(e.term, st.last_applied_term)) {
      st.last_applied_term = e.term;
      fail_all(self, st.calls.on_applied_term(e.term));
    }
    // Every replica switches here, between the entry before and the one
    // after. A version this node does not support throws before
    // last_applied moves: it stops rather than run the wrong behaviours.
    if (e.kind == entry_kind::version)
      st.objects.apply(e, w.log);
    st.last_applied = e.index;
    st.last_applied_time = e.time;
    if (e.kind == entry_kind::config)
      st.applied_config = e.data;
    st.metrics.entries_applied.add();
    if (w.observer)
      w.observer->on_apply(w.config.self, e);
    if (e.kind != entry_kind::command)
      continue;
    auto own = e.client_id == st.client_id;
    auto result = execute(self, e, own ? st.calls.find(e.request_id) : nullptr);
    if (own)
      finish(self, e.request_id, std::move(result), fail_reason::success);
  }
  release_barriers(self);
  update_ready(self);
}

// -- snapshots ----------------------------------------------------------------

/// node_config::on_state_changed(old, new), only when the role differs from
/// the last one reported.
void report_role(sm_ptr self) {
  auto& st = self->state;
  auto& w = *st.w;
  if (st.role == st.reported_role)
    return;
  auto old = std::exchange(st.reported_role, st.role);
  if (w.config.on_state_changed)
    run_user_callback(w, "on_state_changed",
                      [&] { w.config.on_state_changed(old, st.role); });
}

void on_role(sm_ptr self, raft_role role, term_t term, const node_id& leader,
             fail_reason why) {
  auto& st = self->state;
  auto was_leader = st.role == raft_role::leader;
  auto old_term = st.term;
  st.role = role;
  st.term = term;
  st.leader = leader;
  report_role(self);
  // The leader this node was lost its quorum: its calls may still commit
  // later, or never; answer now instead of at the deadline.
  if (was_leader && why == fail_reason::quorum_lost)
    fail_all(self, st.calls.on_quorum_lost(old_term));
  update_ready(self);
}

// -- the handlers of running -----------------------------------------------------

/// A call in request mode: the response promise answers it.
caf::result<result_atom, caf::message>
on_submit(sm_ptr self, uint32_t index, const caf::message& args,
          caf::timespan timeout) {
  auto rp = self->make_response_promise();
  if (is_read_barrier(args)) {
    start_barrier(self, args, timeout, barrier_wait{rp, nullptr});
    return caf::delegated<result_atom, caf::message>{};
  }
  auto id = submit(self, index, args);
  if (id == 0)
    return to_error(fail_reason::bad_command);
  pending_call call{rp, nullptr};
  call.object = index;
  call.args = args;
  track(self, id, timeout, std::move(call));
  return caf::delegated<result_atom, caf::message>{};
}

/// A call in callback mode, or a post (no completion).
void on_submit_callback(sm_ptr self, uint32_t index, const caf::message& args,
                        caf::timespan timeout, const completion_ptr& done) {
  // A post (no completion) is tracked too: it keeps the watermark below
  // its request id until it is resolved, so the leader never mistakes it
  // for an old duplicate.
  if (is_read_barrier(args)) {
    start_barrier(self, args, timeout, barrier_wait{{}, done});
    return;
  }
  auto id = submit(self, index, args);
  if (id != 0) {
    pending_call call{{}, done};
    call.object = index;
    call.args = args;
    track(self, id, timeout, std::move(call));
  } else if (done) {
    caf::message none;
    detail::node_context_guard context;
    (*done)(none, to_error(fail_reason::bad_command));
  }
}

/// Takes every call queued in the node's gate (call_gate): one message for
/// a whole burst of asynchronous calls.
void take_calls(sm_ptr self) {
  auto& st = self->state;
  {
    std::lock_guard<std::mutex> guard{st.w->gate->mtx};
    // The emptied vector goes back with its capacity kept.
    std::swap(st.w->gate->queued, st.taken_calls);
  }
  for (auto& q : st.taken_calls)
    on_submit_callback(self, q.index, q.args, q.timeout, q.done);
  st.taken_calls.clear();
}

/// The node stops: the calls queued in its gate (closed by now) fail with
/// `stopped`.
void refuse_queued_calls(sm_ptr self) {
  auto& st = self->state;
  {
    std::lock_guard<std::mutex> guard{st.w->gate->mtx};
    std::swap(st.w->gate->queued, st.taken_calls);
  }
  for (auto& q : st.taken_calls)
    if (q.done)
      run_user_callback(*st.w, "call completion", [&] {
        caf::message none;
        (*q.done)(none, to_error(fail_reason::stopped));
      });
  st.taken_calls.clear();
}

void on_forward_reply(sm_ptr self, const forward_reply& r) {
  // The receiver proved it never appended these in the term we bound
  // them to: a definitive failure.
  if (r.client_id == self->state.client_id)
    for (auto id : r.request_ids)
      fail(self, id, r.reason);
}

caf::behavior running(sm_ptr self) {
  return {
    [=](submit_atom, uint32_t index, const caf::message& args,
        caf::timespan timeout) {
      return on_submit(self, index, args, timeout);
    },
    [=](submit_atom, uint32_t index, const caf::message& args,
        caf::timespan timeout, const completion_ptr& done) {
      on_submit_callback(self, index, args, timeout, done);
    },
    [=](take_calls_atom) { take_calls(self); },
    [=](apply_atom, entry_list& entries) { on_apply(self, entries); },
    [=](role_atom, raft_role role, term_t term, const node_id& leader,
        fail_reason why) { on_role(self, role, term, leader, why); },
    [=](const forward_reply& r) { on_forward_reply(self, r); },
    [=](flush_atom) { flush(self); },
    [=](snapshot_atom, bool use_fork, index_t above) {
      return detail::take_snapshot(self, use_fork, above);
    },
    [=](install_atom, const std::shared_ptr<const loaded_snapshot>& snap) {
      return install_snapshot(self, snap);
    },
    [=](sweep_atom, uint64_t id) { on_sweep(self, id); },
    [=](barrier_atom) { flush_barriers(self); },
    [=](ready_atom) { return on_ready_query(self); },
    [=](code_version_atom) { return self->state.objects.enabled(); },
    [=](status_atom) { return status_of(self); },
    [=](metrics_atom) { return metrics_of(self); },
  };
}

} // namespace

caf::actor spawn_state_machine(caf::actor_system& sys) {
  return sys.spawn([](sm_ptr self) -> caf::behavior {
    self->set_exit_handler([=](caf::exit_msg& msg) {
      // A clean stop answers every pending call before the actor ends.
      if (self->state.w)
        refuse_queued_calls(self);
      for (auto id : self->state.calls.ids())
        fail(self, id, fail_reason::stopped);
      while (!self->state.barriers.empty())
        finish_barrier(self, self->state.barriers.begin()->first,
                       to_error(fail_reason::stopped));
      for (auto& rp : self->state.ready_waiters)
        rp.deliver(to_error(fail_reason::stopped));
      self->state.ready_waiters.clear();
      self->quit(msg.reason);
    });
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        join_node(self, w);
        std::mt19937_64 rng{w->config.seed ^ 0x5851f42d4c957f2dULL};
        do
          st.client_id = rng();
        while (st.client_id == 0);
        st.objects = versioned_objects{w->machines, w->behaviors,
                                       *w->config.max_code_version,
                                       w->config.on_code_version_changed};
        // Restart: the state machines start from the snapshot; the log
        // store replays the committed entries after it.
        if (w->restored)
          if (auto err = restore(self, *w->restored, true))
            throw storage_error("cannot restore snapshot "
                                + to_string(w->restored->meta.last_index)
                                + ": " + self->system().render(err));
        st.applied_config = encode_configuration(
          w->configs.at(st.last_applied));
        self->become(running(self));
      },
    };
  });
}

} // namespace flexsync
