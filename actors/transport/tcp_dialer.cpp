// The listening and dialing side of the TCP transport broker: bind attempts
// with retries, and connect attempts on helper threads with a redial backoff.
// CAF 0.17 connects with a blocking ::connect() in every API, so a helper (a
// detached blocking actor, which the actor system joins at shutdown)
// resolves and connects with a deadline and hands the socket to the broker,
// which adopts it with add_scribe.

#include <algorithm>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/transport/tcp_broker.hpp"

namespace flexsync::tcp {

namespace {

net::keepalive_options keepalive_of(const tcp_transport_config& cfg) {
  return {cfg.keepalive_idle_s, cfg.keepalive_interval_s, cfg.keepalive_probes};
}

std::string addresses_text(const std::vector<net::socket_address>& xs) {
  std::string result;
  for (auto& x : xs) {
    if (!result.empty())
      result += ", ";
    result += x.to_string();
  }
  return result;
}

/// Delay before the next attempt after `failures` failed ones in a row:
/// connection_retry_time, doubling per failure up to the maximum.
caf::timespan backoff(const tcp_transport_config& cfg, uint32_t failures) {
  auto delay = cfg.connection_retry_time;
  for (uint32_t i = 1; i < failures && delay < cfg.max_connection_retry_time;
       ++i)
    delay *= 2;
  return std::min(delay, cfg.max_connection_retry_time);
}

void finish_bind(broker_ptr self, bool bound) {
  auto& st = self->state;
  for (auto& rp : st.bound_waiters)
    rp.deliver(bound, st.bind_error);
  st.bound_waiters.clear();
}

void bind_succeeded(broker_ptr self, const net::listen_result& r) {
  auto& st = self->state;
  for (auto fd : r.fds)
    self->add_doorman(fd);
  st.bind = tcp_transport_status::bind_state::bound;
  st.port = r.port;
  st.bind_error.clear();
  st.log.info("listening on " + addresses_text(st.listen_addresses));
  finish_bind(self, true);
  // Dial only once bound: if another process holds our port it may be
  // another incarnation of this node, which must not be doubled.
  for (auto& [peer, d] : st.dials)
    dial(self, peer);
}

/// An unconfigured read-only node only dials: nobody dials a node no
/// configuration lists, so it listens nowhere (no port to scan or flood).
void skip_listening(broker_ptr self) {
  auto& st = self->state;
  st.bind = tcp_transport_status::bind_state::not_listening;
  st.log.info("read-only node outside the configuration: not listening, "
              "dialing every partner");
  finish_bind(self, true);
  for (auto& [peer, d] : st.dials)
    dial(self, peer);
}

} // namespace

void try_bind(broker_ptr self) {
  auto& st = self->state;
  if (st.bind != tcp_transport_status::bind_state::binding)
    return;
  if (st.cfg.read_only) {
    skip_listening(self);
    return;
  }
  std::string error = st.resolve_error;
  if (error.empty()) {
    auto r = net::listen_on(st.listen_addresses, keepalive_of(st.cfg));
    if (r.error.empty()) {
      bind_succeeded(self, r);
      return;
    }
    error = r.error;
  }
  ++st.bind_failures;
  st.bind_error = error;
  auto max = st.cfg.max_bind_retries;
  // An address that does not resolve was resolved once at spawn: final.
  if (!st.resolve_error.empty() || (max > 0 && st.bind_failures >= max)) {
    st.bind = tcp_transport_status::bind_state::failed;
    st.bind_error = "cannot listen on " + st.cfg.self.name + ": " + error +
                    " (gave up after " + std::to_string(st.bind_failures) +
                    " attempts)";
    st.log.error(st.bind_error);
    finish_bind(self, false);
    return;
  }
  st.log.warning("cannot listen on " + st.cfg.self.name + ": " + error +
                 " (attempt " + std::to_string(st.bind_failures) +
                 ", retrying)");
  self->delayed_send(self, st.cfg.bind_retry_time, bind_atom::value);
}

void dial(broker_ptr self, const node_id& peer) {
  auto& st = self->state;
  auto i = st.dials.find(peer);
  if (i == st.dials.end() || i->second.busy || st.links.count(peer) ||
      !may_dial(st.bind))
    return;
  auto addr = net::parse_address(peer.name);
  if (!addr)
    return; // validated at spawn
  i->second.busy = true;
  auto broker = caf::actor_cast<caf::actor>(self);
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      st.cfg.connect_timeout);
  auto ka = keepalive_of(st.cfg);
  self->system().spawn<caf::detached>(
      [broker, peer, addr = *addr, timeout, ka](caf::blocking_actor*) {
        auto r = net::dial(addr, timeout, ka);
        caf::anon_send(broker, dialed_atom::value, peer,
                       std::make_shared<owned_socket>(r.fd), r.error);
      });
}

void on_dialed(broker_ptr self, const node_id& peer, const socket_ptr& sock,
               const std::string& error) {
  auto& st = self->state;
  auto i = st.dials.find(peer);
  if (i == st.dials.end() || !sock)
    return;
  if (sock->get() < 0) {
    // The first failure of a streak is worth a line; the retries are not.
    auto level = i->second.failures == 0 ? log_level::info : log_level::debug;
    st.log.write(level, "cannot connect to " + peer.name + ": " + error);
    dialed_connection_gone(self, peer, true);
    return;
  }
  adopt_dialed(self, peer, sock->release());
}

void dialed_connection_gone(broker_ptr self, const node_id& peer, bool failed) {
  auto& st = self->state;
  auto i = st.dials.find(peer);
  if (i == st.dials.end())
    return;
  auto& d = i->second;
  d.busy = false;
  if (failed)
    ++d.failures;
  // A peer is redialed at most once per connection_retry_time, and less
  // often while attempts keep failing.
  auto delay = backoff(st.cfg, d.failures);
  self->delayed_send(self, delay, dial_atom::value, peer, ++d.timer);
}

} // namespace flexsync::tcp
