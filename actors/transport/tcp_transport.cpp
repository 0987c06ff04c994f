#include "actors/transport/tcp_transport.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/transport/tcp_broker.hpp"
#include "protocol/config_error.hpp"

namespace flexsync {

namespace {

using tcp::broker_ptr;
using tcp::broker_setup;

/// Checks the config and returns the partners without self.
std::set<node_id> validate(const tcp_transport_config& cfg) {
  auto check_address = [](const std::string& what, const std::string& x) {
    if (!net::parse_address(x))
      throw config_error(what + ": '" + x +
                         "' is not a host:port address (port 1..65535)");
  };
  check_address("tcp transport self", cfg.self.name);
  if (cfg.self.name.size() > wire::max_node_id_size)
    throw config_error("tcp transport self: address too long");
  if (!cfg.bind_address.empty())
    check_address("tcp transport bind_address", cfg.bind_address);
  std::set<node_id> members;
  for (auto& p : cfg.partners) {
    check_address("tcp transport partner", p.name);
    if (p.name.size() > wire::max_node_id_size)
      throw config_error("tcp transport partner: address too long");
    if (p != cfg.self)
      members.insert(p);
  }
  if (!cfg.password.empty() && cfg.cluster_salt.empty())
    throw config_error("tcp transport: a password requires cluster_salt");
  if (cfg.max_frame_size < wire::max_handshake_frame_size ||
      cfg.max_frame_size > 0xFFFFFFFFu)
    throw config_error("tcp transport: max_frame_size out of range");
  if (cfg.connection_timeout <= caf::timespan{0} ||
      cfg.connection_retry_time <= caf::timespan{0} ||
      cfg.max_connection_retry_time < cfg.connection_retry_time ||
      cfg.connect_timeout <= caf::timespan{0} ||
      cfg.bind_retry_time <= caf::timespan{0} ||
      cfg.handshake_log_interval <= caf::timespan{0})
    throw config_error("tcp transport: timeouts must be positive");
  if (cfg.max_pending_connections == 0)
    throw config_error("tcp transport: max_pending_connections must be > 0");
  return members;
}

void init_state(broker_ptr self, broker_setup& setup) {
  auto& st = self->state;
  st.cfg = std::move(setup.cfg);
  st.key = std::move(setup.key);
  st.listen_addresses = std::move(setup.listen_addresses);
  st.resolve_error = std::move(setup.resolve_error);
  st.log = logger{st.cfg.self.name, st.cfg.level, st.cfg.log_sink};
  st.unauthenticated = tcp::handshake_log{st.cfg.handshake_log_lines,
                                          st.cfg.handshake_log_interval};
  st.members = validate(st.cfg);
  st.codec = std::make_unique<peer_codec>(self->system(),
                                          caf::actor_cast<caf::actor>(self));
  // A read-only node outside the configuration dials everyone.
  for (auto& peer : st.members)
    if (peer < st.cfg.self || st.cfg.read_only)
      st.dials.emplace(peer, tcp::dial_state{});
}

/// Links with the members of a new configuration too (the static partners
/// stay members: a node that joins reaches the cluster through them).
void add_members(broker_ptr self, const std::vector<node_id>& xs) {
  auto& st = self->state;
  for (auto& peer : xs) {
    if (peer == st.cfg.self || st.members.count(peer))
      continue;
    if (!net::parse_address(peer.name)
        || peer.name.size() > wire::max_node_id_size) {
      st.log.error("cannot link with member " + peer.name
                   + ": not a host:port address");
      continue;
    }
    st.members.insert(peer);
    // One connection per pair: the greater address dials.
    if (peer < st.cfg.self || st.cfg.read_only) {
      st.dials.emplace(peer, tcp::dial_state{});
      tcp::dial(self, peer);
    }
  }
}

/// (bound, error) once binding is decided; a promise until then.
caf::result<bool, std::string> bound_reply(broker_ptr self) {
  auto& st = self->state;
  using state = tcp_transport_status::bind_state;
  if (st.bind != state::binding)
    return {tcp::may_dial(st.bind), st.bind_error};
  auto rp = self->make_response_promise();
  st.bound_waiters.push_back(rp);
  return rp;
}

/// The fields of tcp_transport_status, as builtin types.
caf::message status_reply(broker_ptr self) {
  auto& st = self->state;
  std::vector<std::string> links;
  for (auto& [peer, hdl] : st.links)
    links.push_back(peer.name);
  return caf::make_message(static_cast<uint8_t>(st.bind), st.bind_error,
                           st.port, std::move(links), st.rejected);
}

caf::behavior transport_impl(broker_ptr self, broker_setup setup) {
  init_state(self, setup);
  self->send(self, bind_atom::value);
  self->delayed_send(self, tcp::tick_interval(self->state.cfg),
                     link_tick_atom::value);
  return {
      [=](const caf::io::new_connection_msg& m) {
        tcp::on_accepted(self, m.handle);
      },
      [=](caf::io::new_data_msg& m) { tcp::on_data(self, m); },
      [=](const caf::io::connection_closed_msg& m) {
        tcp::on_closed(self, m.handle);
      },
      [=](const caf::io::acceptor_closed_msg&) {
        self->state.log.error("a listening socket closed");
      },
      [=](peer_send_atom, const node_id& from, const node_id& to,
          const caf::message& msg) {
        if (from == self->state.cfg.self)
          tcp::send_to_peer(self, to, msg);
      },
      [=](register_atom, const node_id& id, const node_endpoints& ep) {
        if (id == self->state.cfg.self)
          self->state.node = ep;
        else
          self->state.log.error("cannot register " + id.name +
                                ": this transport serves only itself");
      },
      [=](unregister_atom, const node_id& id) {
        if (id == self->state.cfg.self)
          self->state.node.reset();
      },
      [=](members_atom, const node_id& id, const std::vector<node_id>& xs) {
        if (id == self->state.cfg.self)
          add_members(self, xs);
      },
      [=](bind_atom) { tcp::try_bind(self); },
      [=](dial_atom, const node_id& peer, uint64_t timer) {
        auto i = self->state.dials.find(peer);
        if (i != self->state.dials.end() && i->second.timer == timer)
          tcp::dial(self, peer);
      },
      [=](dialed_atom, const node_id& peer, const tcp::socket_ptr& sock,
          const std::string& error) {
        tcp::on_dialed(self, peer, sock, error);
      },
      [=](link_tick_atom) {
        tcp::on_tick(self);
        self->delayed_send(self, tcp::tick_interval(self->state.cfg),
                           link_tick_atom::value);
      },
      [=](wait_bound_atom) { return bound_reply(self); },
      [=](status_atom) { return status_reply(self); },
      [=](links_atom, const node_id&) {
        std::vector<std::string> result;
        for (auto& [peer, hdl] : self->state.links)
          result.push_back(peer.name);
        return result;
      },
      [=](drop_links_atom) { tcp::drop_all_links(self); },
      [=](metrics_atom, const node_id&) {
        auto& st = self->state;
        transport_metrics m;
        for (auto& [peer, t] : st.traffic)
          m.peers.push_back(t);
        m.connections_rejected.value = st.rejected;
        return m;
      },
  };
}

/// Resolves where to listen; blocking, so it runs before the broker exists.
void resolve_listen_addresses(broker_setup& setup) {
  auto& cfg = setup.cfg;
  auto where = cfg.bind_address.empty() ? cfg.self.name : cfg.bind_address;
  auto r = net::resolve(*net::parse_address(where));
  setup.listen_addresses = std::move(r.addresses);
  setup.resolve_error = std::move(r.error);
}

} // namespace

caf::actor spawn_tcp_transport(caf::actor_system& sys,
                               tcp_transport_config cfg) {
  validate(cfg);
  if (!sys.has_middleman())
    throw config_error("tcp transport: the actor system must load "
                       "caf::io::middleman");
  broker_setup setup;
  if (!cfg.password.empty())
    setup.key = wire::cached_cluster_key(cfg.password, cfg.cluster_salt);
  setup.cfg = std::move(cfg);
  resolve_listen_addresses(setup);
  return sys.middleman().spawn_broker(transport_impl, std::move(setup));
}

bool wait_bound(caf::actor_system& sys, const caf::actor& transport,
                caf::timespan timeout) {
  caf::scoped_actor self{sys};
  bool bound = false;
  std::string error;
  bool answered = false;
  self->request(transport, timeout, wait_bound_atom::value)
      .receive(
          [&](bool x, std::string& why) {
            answered = true;
            bound = x;
            error = std::move(why);
          },
          [&](caf::error&) {});
  if (answered && !bound)
    throw bind_error(error);
  return bound;
}

tcp_transport_status transport_status(caf::actor_system& sys,
                                      const caf::actor& transport,
                                      caf::timespan timeout) {
  tcp_transport_status result;
  caf::scoped_actor self{sys};
  self->request(transport, timeout, status_atom::value)
      .receive(
          [&](uint8_t bind, std::string& error, uint16_t port,
              std::vector<std::string>& links, uint64_t rejected) {
            result.bind = static_cast<tcp_transport_status::bind_state>(bind);
            result.bind_error = std::move(error);
            result.port = port;
            for (auto& x : links)
              result.links.emplace_back(std::move(x));
            result.rejected = rejected;
          },
          [&](caf::error&) {});
  return result;
}

void drop_links(const caf::actor& transport) {
  caf::anon_send(transport, drop_links_atom::value);
}

} // namespace flexsync
