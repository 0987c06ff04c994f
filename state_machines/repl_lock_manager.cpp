#include "state_machines/repl_lock_manager.hpp"

#include <atomic>
#include <stdexcept>

#include <unistd.h>

#include "state_machines/battery.hpp"

namespace flexsync {

namespace {

/// Fills in the defaults and checks that the keep-alive can confirm a lock
/// before is_acquired() gives it up.
lock_options validated(lock_options opts) {
  auto t = opts.auto_unlock_time;
  if (t <= caf::timespan{0})
    throw std::invalid_argument("lock_options: auto_unlock_time must be > 0");
  if (opts.safety_margin == caf::timespan{0})
    opts.safety_margin = t / 4;
  if (opts.safety_margin <= caf::timespan{0} || opts.safety_margin >= t)
    throw std::invalid_argument(
      "lock_options: safety_margin must be > 0 and < auto_unlock_time");
  if (opts.keepalive_interval == caf::timespan{0})
    opts.keepalive_interval = t / 4;
  if (opts.keepalive_interval <= caf::timespan{0}
      || opts.keepalive_interval >= t - opts.safety_margin)
    throw std::invalid_argument("lock_options: keepalive_interval must be > 0 "
                                "and < auto_unlock_time - safety_margin");
  if (opts.owner.empty())
    opts.owner = default_lock_owner();
  return opts;
}

detail::client_ptr make_client(lock_options opts) {
  opts = validated(std::move(opts));
  return std::make_shared<detail::lock_client>(
    std::move(opts.owner), opts.auto_unlock_time, opts.safety_margin,
    opts.keepalive_interval, opts.keepalive, std::move(opts.clock));
}

/// Log index of the entry being applied.
uint64_t entry_index() {
  if (auto ctx = detail::current_apply())
    return ctx->index;
  throw std::logic_error("entry_index() called outside a replicated operation");
}

/// FEATURES §2.11: expired once more than its owner's T has passed since its last
/// refresh, by entry time (strict, as in PySyncObj).
bool expired(const lock_state& st, int64_t now) {
  return now - st.refreshed_at > st.auto_unlock_ns;
}

} // namespace

std::string default_lock_owner() {
  static std::atomic<uint64_t> instances{0};
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0)
    host[0] = '\0';
  return std::string{host} + ":" + std::to_string(getpid()) + ":"
         + std::to_string(++instances);
}

repl_lock_manager::repl_lock_manager(caf::timespan auto_unlock_time)
  : repl_lock_manager([&] {
      lock_options opts;
      opts.auto_unlock_time = auto_unlock_time;
      return opts;
    }()) {
  // nop
}

repl_lock_manager::repl_lock_manager(lock_options opts)
  : client_(make_client(std::move(opts))) {
  // nop
}

repl_lock_manager::~repl_lock_manager() {
  client_->stop();
}

const detail::client_ptr& repl_lock_manager::client() {
  if (!bound())
    throw std::logic_error("lock manager is not registered with a node");
  client_->bind(binding());
  return client_;
}

acquire_call repl_lock_manager::try_acquire(const std::string& name) {
  return detail::make_acquire(client(), name);
}

release_call repl_lock_manager::release(const std::string& name) {
  return detail::make_release(client(), name);
}

refresh_call repl_lock_manager::refresh() {
  return detail::make_refresh(client());
}

bool repl_lock_manager::is_acquired(const std::string& name) const {
  // The client's confirmation first (its clock), then this node's table: a
  // later entry applied here (an expiry, another owner's grant) vetoes.
  if (!client_->confirmed(name))
    return false;
  return read([&] {
    auto i = locks_.find(name);
    return i != locks_.end() && i->second.owner == client_->owner();
  });
}

std::optional<lock_state>
repl_lock_manager::state_of(const std::string& name) const {
  return read([&]() -> std::optional<lock_state> {
    auto i = locks_.find(name);
    if (i == locks_.end())
      return std::nullopt;
    return i->second;
  });
}

repl_lock_manager::table_type repl_lock_manager::raw_data() const {
  return read([this] { return locks_; });
}

void repl_lock_manager::stop() {
  client_->stop();
}

caf::behavior repl_lock_manager::make_behavior() {
  using detail::on_packed;
  using detail::reply;
  return {
    on_packed<detail::acquire_atom, std::string, std::string, int64_t,
              uint64_t>([this](std::string& name, std::string& owner,
                               int64_t ttl, uint64_t seq) {
      auto now = entry_time();
      auto index = entry_index();
      auto i = locks_.find(name);
      if (i == locks_.end() || expired(i->second, now)) {
        // A new tenure, with a new fencing token.
        locks_.insert_or_assign(name, lock_state{std::move(owner), now, ttl,
                                                 index, seq});
        return reply(detail::acquire_reply{true, index});
      }
      auto& st = i->second;
      if (st.owner != owner)
        return reply(detail::acquire_reply{false, index});
      // Re-entrant: a refresh of the same tenure.
      st.refreshed_at = now;
      st.auto_unlock_ns = ttl;
      st.seq = std::max(st.seq, seq);
      return reply(detail::acquire_reply{true, index});
    }),
    on_packed<detail::release_atom, std::string, std::string, uint64_t>(
      [this](std::string& name, std::string& owner, uint64_t seq) {
        // Only the holder releases, and never an acquire it submitted after
        // this release (whatever their order in the log).
        auto i = locks_.find(name);
        auto released = i != locks_.end() && i->second.owner == owner
                        && i->second.seq < seq;
        if (released)
          locks_.erase(i);
        return reply(detail::release_reply{released, entry_index()});
      }),
    on_packed<detail::refresh_atom, std::string,
              std::vector<detail::held_lock>>(
      [this](std::string& owner, std::vector<detail::held_lock>& held) {
        auto now = entry_time();
        std::erase_if(locks_,
                      [&](const auto& kv) { return expired(kv.second, now); });
        detail::refresh_reply result;
        result.index = entry_index();
        for (auto& [name, tenure] : held) {
          auto i = locks_.find(name);
          // Renew only the hold the client knows of, not an older acquire
          // that re-took the lock after it had expired.
          if (i == locks_.end() || i->second.owner != owner
              || i->second.seq < tenure)
            continue;
          i->second.refreshed_at = now;
          result.renewed.push_back(std::move(name));
        }
        return reply(std::move(result));
      }),
  };
}

caf::error repl_lock_manager::save(caf::serializer& sink) {
  return sink(locks_);
}

caf::error repl_lock_manager::load(caf::deserializer& source) {
  return detail::load_into(source, locks_);
}

} // namespace flexsync
