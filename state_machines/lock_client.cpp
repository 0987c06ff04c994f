#include "state_machines/lock_client.hpp"

#include <algorithm>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "state_machines/battery.hpp"

namespace flexsync::detail {

namespace {

using keepalive_atom = caf::atom_constant<caf::atom("keepalive")>;

/// Ticks every `interval` until the client is stopped or the node's state
/// machine actor (where the refreshes go) is down. Never blocks: a tick only
/// posts.
caf::behavior keepalive(caf::event_based_actor* self, client_ptr c,
                        caf::actor node, caf::timespan interval) {
  self->monitor(node);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->delayed_send(self, interval, keepalive_atom::value);
  return {
    [=](keepalive_atom) {
      if (!c->keepalive_tick()) {
        self->quit();
        return;
      }
      self->delayed_send(self, interval, keepalive_atom::value);
    },
  };
}

} // namespace

lock_client::lock_client(std::string owner, caf::timespan ttl,
                         caf::timespan margin, caf::timespan interval,
                         bool keepalive, std::function<time_point()> clock)
  : owner_(std::move(owner)),
    ttl_(ttl),
    margin_(margin),
    interval_(interval),
    keepalive_(keepalive),
    clock_(std::move(clock)) {
  // nop
}

void lock_client::bind(const call_binding& b) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (bound_)
    return;
  bound_ = true;
  binding_ = b;
  if (keepalive_ && !stopped_)
    keepalive_actor_ = b.sys->spawn(keepalive, shared_from_this(), b.target,
                                    interval_);
}

lock_client::time_point lock_client::now() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return now_locked();
}

lock_client::time_point lock_client::now_locked() const {
  return clock_ ? clock_() : binding_.sys->clock().now();
}

call_ticket lock_client::begin_call() {
  std::lock_guard<std::mutex> guard{mtx_};
  ++in_flight_;
  return {now_locked(), ++next_seq_};
}

void lock_client::end_call() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (--in_flight_ > 0)
    return;
  // No outcome can arrive late now, so forgetting released locks is safe.
  std::erase_if(confirmations_, [](const auto& kv) { return !kv.second.held; });
}

void lock_client::surrender(const std::string& name, uint64_t seq) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& c = confirmations_[name];
  c.held = false;
  c.floor = seq;
}

bool lock_client::on_acquire(const std::string& name, const acquire_reply& r,
                             const call_ticket& t, bool& release_needed) {
  std::lock_guard<std::mutex> guard{mtx_};
  // PySyncObj's rule: a grant that took longer than T/2 is useless to the
  // caller (little of T is left), so report failure and give it back.
  auto limit = std::min(ttl_ / 2, ttl_ - margin_);
  auto late = r.granted && now_locked() - t.submitted > limit;
  auto& c = confirmations_[name];
  // A release submitted after this call has the last word.
  auto surrendered = t.seq < c.floor;
  release_needed = false;
  if (newer(c, r.index)) {
    c.held = r.granted && !late && !surrendered;
    if (c.held) {
      c.submitted = t.submitted;
      c.tenure = t.seq;
    }
    release_needed = late && !surrendered;
  }
  return r.granted && !late;
}

void lock_client::on_release(const std::string& name, const release_reply& r) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& c = confirmations_[name];
  if (newer(c, r.index))
    c.held = false;
}

void lock_client::on_refresh(const std::vector<held_lock>& requested,
                             const refresh_reply& r, const call_ticket& t) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [name, tenure] : requested) {
    auto& c = confirmations_[name];
    if (!newer(c, r.index))
      continue;
    auto renewed = std::find(r.renewed.begin(), r.renewed.end(), name)
                   != r.renewed.end();
    c.held = renewed && t.seq > c.floor;
    if (c.held)
      c.submitted = t.submitted;
  }
}

bool lock_client::confirmed(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = confirmations_.find(name);
  if (i == confirmations_.end() || !i->second.held)
    return false;
  // The confirming entry is no older than the submission, and no other
  // owner can be granted the lock until more than T after that entry.
  return now_locked() - i->second.submitted < ttl_ - margin_;
}

std::vector<held_lock> lock_client::believed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return believed_locked();
}

std::vector<held_lock> lock_client::believed_locked() const {
  std::vector<held_lock> result;
  for (auto& [name, c] : confirmations_)
    if (c.held)
      result.emplace_back(name, c.tenure);
  return result;
}

bool lock_client::keepalive_tick() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopped_)
      return false;
    if (refresh_in_flight_ || believed_locked().empty())
      return true;
    refresh_in_flight_ = true;
  }
  auto self = shared_from_this();
  make_refresh(self).then(
    [self](const std::vector<std::string>&, const caf::error&) {
      std::lock_guard<std::mutex> guard{self->mtx_};
      self->refresh_in_flight_ = false;
    },
    ttl_ / 2);
  return true;
}

void lock_client::stop() {
  caf::actor actor;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopped_ = true;
    actor = std::move(keepalive_actor_);
  }
  if (actor)
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

// -- calls ------------------------------------------------------------------------

acquire_call make_acquire(const client_ptr& c, const std::string& name) {
  acquire_call::steps s;
  s.make = [c, name](const call_ticket& t) {
    auto args = pack(name, c->owner(), int64_t{c->ttl().count()}, t.seq);
    return replicated_call<acquire_reply>{
      c->binding(), caf::make_message(acquire_atom::value, std::move(args))};
  };
  s.finish = [c, name](const acquire_reply& r, const call_ticket& t,
                       bool blocking) {
    bool release_needed = false;
    auto granted = c->on_acquire(name, r, t, release_needed);
    if (release_needed) {
      auto rel = make_release(c, name);
      if (!blocking) {
        rel.post();
      } else {
        try {
          (void) rel.get();
        } catch (const std::exception&) {
          // Not released: the lock expires T after the grant.
        }
      }
    }
    return granted;
  };
  return acquire_call{c, std::move(s)};
}

release_call make_release(const client_ptr& c, const std::string& name) {
  release_call::steps s;
  s.make = [c, name](const call_ticket& t) {
    c->surrender(name, t.seq);
    return replicated_call<release_reply>{
      c->binding(), caf::make_message(release_atom::value,
                                      pack(name, c->owner(), t.seq))};
  };
  s.finish = [c, name](const release_reply& r, const call_ticket&, bool) {
    c->on_release(name, r);
    return r.released;
  };
  return release_call{c, std::move(s)};
}

refresh_call make_refresh(const client_ptr& c) {
  // The locks to renew are the ones believed when the call is submitted.
  auto requested = std::make_shared<std::vector<held_lock>>();
  refresh_call::steps s;
  s.make = [c, requested](const call_ticket&) {
    *requested = c->believed();
    return replicated_call<refresh_reply>{
      c->binding(), caf::make_message(refresh_atom::value,
                                      pack(c->owner(), *requested))};
  };
  s.finish = [c, requested](const refresh_reply& r, const call_ticket& t,
                            bool) {
    c->on_refresh(*requested, r, t);
    return r.renewed;
  };
  return refresh_call{c, std::move(s)};
}

} // namespace flexsync::detail
