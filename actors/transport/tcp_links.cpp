// The connection side of the TCP transport broker: reading length-prefixed
// frames, handing them to each connection's peer_session, carrying out its
// verdicts, and the link table (one open link per peer). Accepted
// connections get a handshake slot even when all are taken, by evicting the
// one the slot policy picks (tcp_admission.hpp explains why); events on
// connections that have not authenticated are logged within a budget per
// interval, since anyone can cause them at any rate.

#include <algorithm>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/transport/tcp_broker.hpp"
#include "protocol/readonly_rules.hpp"

namespace flexsync::tcp {

namespace {

using caf::io::connection_handle;
using caf::io::receive_policy;

std::span<const uint8_t> bytes_of(const std::vector<char>& buf) {
  return {reinterpret_cast<const uint8_t*>(buf.data()), buf.size()};
}

/// Sealed-frame overhead on top of a payload: kind, counter, inner kind, tag.
constexpr size_t frame_overhead = 1 + 8 + 1 + crypto::gcm_tag_size;

peer_session_config session_config(broker_ptr self) {
  auto& st = self->state;
  peer_session_config c;
  c.self = st.cfg.self;
  c.key = st.key;
  c.max_frame_size = st.cfg.max_frame_size;
  c.learner = st.cfg.read_only;
  c.admit = [self_id = st.cfg.self, members = st.members,
             admit_learners = st.cfg.admit_learners,
             extra = st.cfg.admit_non_member](
              const node_id& peer,
              bool learner) -> std::optional<wire::refuse_reason> {
    hello_facts f;
    f.member = members.count(peer) > 0;
    f.sender_greater = self_id < peer;
    f.learner = learner;
    f.admit_learners = admit_learners;
    f.hook_admits = !f.member && extra && extra(peer);
    switch (admit_hello(f)) {
      case hello_verdict::not_member:
        return wire::refuse_reason::not_member;
      case hello_verdict::dial_rule:
        return wire::refuse_reason::dial_rule;
      default:
        return std::nullopt;
    }
  };
  return c;
}

void write_frame(broker_ptr self, connection_handle hdl, const wire::frame& f) {
  self->write(hdl, f.size(), f.data());
}

/// Writes a frame of a connection, counted for its peer when known.
void write_frame(broker_ptr self, connection_handle hdl, connection& c,
                 const wire::frame& f) {
  write_frame(self, hdl, f);
  if (c.traffic) {
    c.traffic->frames_sent.add();
    c.traffic->bytes_sent.add(f.size());
  }
}

/// Who is at the other end, for log lines: the peer once known, else the
/// remote endpoint.
std::string describe(const connection& c) {
  auto& peer = c.session.peer();
  if (peer.empty())
    return c.remote;
  return peer.name == c.remote ? peer.name : peer.name + " (" + c.remote + ")";
}

/// An accepted connection whose peer has not proven itself yet: anyone who
/// reaches the port can make these, at any rate.
bool unauthenticated(const connection& c) {
  return c.session.side() == wire::role::acceptor && !c.session.is_open();
}

/// Counts an event on an unauthenticated connection and writes `line` only
/// while this interval's budget of lines lasts.
void note_unauthenticated(broker_ptr self, handshake_log::event e,
                          log_level level, const std::string& line) {
  auto& st = self->state;
  if (st.unauthenticated.record(e, self->clock().now(), st.log.enabled(level)))
    st.log.write(level, line);
}

/// Registers a new connection and sends its first frames.
void start(broker_ptr self, connection_handle hdl, connection c) {
  auto now = self->clock().now();
  c.started = c.last_in = c.last_out = now;
  auto frames = c.session.start();
  auto& conn = self->state.conns.emplace(hdl, std::move(c)).first->second;
  for (auto& f : frames)
    write_frame(self, hdl, conn, f);
  if (!frames.empty())
    self->flush(hdl);
  self->configure_read(hdl, receive_policy::exactly(wire::length_prefix_size));
}

/// Drops the bookkeeping of a connection that is gone or being closed.
/// Returns whether it was a link.
bool forget(broker_ptr self, connection_handle hdl) {
  auto& st = self->state;
  auto i = st.conns.find(hdl);
  if (i == st.conns.end())
    return false;
  auto peer = i->second.session.peer();
  bool dialed = i->second.session.side() == wire::role::dialer;
  st.conns.erase(i);
  auto j = st.links.find(peer);
  bool was_link = j != st.links.end() && j->second == hdl;
  if (was_link)
    st.links.erase(j);
  if (dialed)
    dialed_connection_gone(self, peer, !was_link);
  return was_link;
}

/// Closes a connection this side decided to end, after writing what is
/// queued; `why` is its one log line (none when empty).
void close_connection(broker_ptr self, connection_handle hdl, log_level level,
                      const std::string& why) {
  if (!why.empty())
    self->state.log.write(level, why);
  forget(self, hdl);
  self->close(hdl);
}

/// Ends a connection for a protocol violation: one warning line.
void reject(broker_ptr self, connection_handle hdl, const std::string& why) {
  auto& st = self->state;
  auto i = st.conns.find(hdl);
  if (i == st.conns.end())
    return;
  ++st.rejected;
  auto& c = i->second;
  if (c.traffic)
    c.traffic->frames_rejected.add();
  auto link = st.links.find(c.session.peer());
  std::string line;
  if (link != st.links.end() && link->second == hdl) {
    line = "closed link to " + describe(c) + ": ";
  } else if (c.session.side() == wire::role::dialer) {
    line = "connection to " + describe(c) + " failed: ";
  } else {
    note_unauthenticated(self, handshake_log::event::rejected,
                         log_level::warning,
                         "rejected connection from " + describe(c) + ": " +
                             why);
    close_connection(self, hdl, log_level::warning, "");
    return;
  }
  close_connection(self, hdl, log_level::warning, line + why);
}

size_t pending_handshakes(const broker_state& st) {
  return static_cast<size_t>(
      std::count_if(st.conns.begin(), st.conns.end(),
                    [](auto& kv) { return unauthenticated(kv.second); }));
}

/// Frees a handshake slot for a new connection: closes the unfinished
/// handshake the slot policy picks (tcp_admission.hpp), with a refusal
/// saying why, in case it is a real peer.
void evict_one(broker_ptr self) {
  auto& st = self->state;
  std::vector<pending_view> views;
  std::vector<connection_handle> handles;
  for (auto& [hdl, c] : st.conns) {
    if (!unauthenticated(c))
      continue;
    bool hello_accepted =
        c.session.current_phase() != peer_session::phase::hello;
    views.push_back(pending_view{c.host, hello_accepted, c.seq});
    handles.push_back(hdl);
  }
  if (views.empty())
    return;
  auto hdl = handles[pick_victim(views)];
  auto& c = st.conns.at(hdl);
  auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      self->clock().now() - c.started);
  ++st.rejected;
  write_frame(self, hdl,
              wire::encode_refuse({wire::refuse_reason::busy,
                                   "all handshake slots are taken"}));
  self->flush(hdl);
  note_unauthenticated(self, handshake_log::event::evicted,
                       log_level::warning,
                       "evicted connection from " + describe(c) + " after " +
                           std::to_string(age.count()) +
                           " ms in its handshake: all " +
                           std::to_string(st.cfg.max_pending_connections) +
                           " handshake slots taken");
  close_connection(self, hdl, log_level::warning, "");
}

void on_link_open(broker_ptr self, connection_handle hdl) {
  auto& st = self->state;
  auto& c = st.conns.at(hdl);
  auto peer = c.session.peer();
  if (auto j = st.links.find(peer); j != st.links.end() && j->second != hdl) {
    // Only the peer dials us, so a second connection means it lost the first
    // without us noticing yet: the newest one is the live one.
    auto old = j->second;
    close_connection(self, old, log_level::info,
                     "replacing stale connection to " + peer.name);
  }
  st.links[peer] = hdl;
  c.traffic = traffic_of(self, peer);
  if (auto d = st.dials.find(peer); d != st.dials.end())
    d->second.failures = 0;
  st.log.info("connected to " + describe(c) +
              (st.key ? " (encrypted)" : " (unencrypted)"));
}

void deliver(broker_ptr self, connection_handle hdl,
             const std::vector<uint8_t>& payload) {
  auto& st = self->state;
  auto& peer = st.conns.at(hdl).session.peer();
  caf::message msg;
  std::string error;
  if (!st.codec->decode(payload, msg, error)) {
    reject(self, hdl, error);
    return;
  }
  // A peer speaks only for itself: a message naming another sender is forged.
  if (auto claimed = peer_codec::claimed_sender(msg);
      claimed && *claimed != peer) {
    reject(self, hdl, "message claims to come from " + claimed->name);
    return;
  }
  if (!st.node)
    return; // no local node registered: lost, like an unreachable node
  auto dst = route_peer_message(*st.node, msg);
  // An admitted non-member (a read-only node) has no say in elections and
  // is no leader: what it sends to the election actor or the log store
  // (its recovery probes, say) is dropped (protocol/readonly_rules.hpp).
  if (dst && !st.members.count(peer)
      && (dst == st.node->election || dst == st.node->log_store)) {
    st.log.debug("dropped a message from read-only node " + peer.name
                 + " meant for the election or the log store");
    return;
  }
  if (dst)
    caf::anon_send(dst, std::move(msg));
}

void carry_out(broker_ptr self, connection_handle hdl,
               peer_session::outcome& out) {
  auto& c = self->state.conns.at(hdl);
  for (auto& f : out.send)
    write_frame(self, hdl, c, f);
  if (!out.send.empty()) {
    self->flush(hdl);
    c.last_out = self->clock().now();
  }
  if (out.close) {
    reject(self, hdl, out.error);
    return;
  }
  if (out.opened)
    on_link_open(self, hdl);
  if (out.payload)
    deliver(self, hdl, *out.payload);
}

} // namespace

peer_traffic* traffic_of(broker_ptr self, const node_id& peer) {
  auto& t = self->state.traffic[peer];
  t.peer = peer;
  return &t;
}

caf::timespan tick_interval(const tcp_transport_config& cfg) {
  return std::max(caf::timespan{cfg.connection_timeout / 8},
                  caf::timespan{std::chrono::milliseconds(5)});
}

void on_accepted(broker_ptr self, connection_handle hdl) {
  auto& st = self->state;
  auto host = self->remote_addr(hdl);
  auto remote = host + ":" + std::to_string(self->remote_port(hdl));
  // Never refuse the newest: a flood keeps every slot taken, so refusing
  // would keep a real peer out for as long as the flood lasts.
  if (pending_handshakes(st) >= st.cfg.max_pending_connections)
    evict_one(self);
  st.log.debug("accepted connection from " + remote);
  connection c{peer_session::acceptor(session_config(self)), false, remote};
  c.host = std::move(host);
  c.seq = st.next_seq++;
  start(self, hdl, std::move(c));
}

void adopt_dialed(broker_ptr self, const node_id& peer, int fd) {
  auto hdl = self->add_scribe(fd);
  connection c{peer_session::dialer(session_config(self), peer), false,
               peer.name};
  c.traffic = traffic_of(self, peer);
  start(self, hdl, std::move(c));
}

void on_data(broker_ptr self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  auto hdl = msg.handle;
  auto i = st.conns.find(hdl);
  if (i == st.conns.end())
    return; // closed by us; data was still in flight
  auto& c = i->second;
  if (!c.awaiting_body) {
    // The size is checked before a single byte of the body is buffered.
    auto n = wire::read_length(bytes_of(msg.buf));
    if (n == 0 || n > c.session.frame_limit()) {
      reject(self, hdl,
             "frame of " + std::to_string(n) + " bytes (limit " +
                 std::to_string(c.session.frame_limit()) + ")");
      return;
    }
    c.awaiting_body = true;
    self->configure_read(hdl, receive_policy::exactly(n));
    return;
  }
  c.awaiting_body = false;
  c.last_in = self->clock().now();
  if (c.traffic) {
    c.traffic->frames_received.add();
    c.traffic->bytes_received.add(wire::length_prefix_size + msg.buf.size());
  }
  self->configure_read(hdl, receive_policy::exactly(wire::length_prefix_size));
  auto out = c.session.on_frame(bytes_of(msg.buf));
  carry_out(self, hdl, out);
}

void on_closed(broker_ptr self, connection_handle hdl) {
  auto& st = self->state;
  auto i = st.conns.find(hdl);
  if (i == st.conns.end())
    return;
  auto who = describe(i->second);
  bool open = i->second.session.is_open();
  bool stranger = unauthenticated(i->second);
  forget(self, hdl);
  if (open)
    st.log.info("disconnected from " + who);
  else if (stranger)
    note_unauthenticated(self, handshake_log::event::closed_by_remote,
                         log_level::debug,
                         "connection with " + who +
                             " closed during the handshake");
  else
    st.log.debug("connection with " + who + " closed during the handshake");
}

/// The largest encode buffer kept between messages.
constexpr size_t max_kept_buffer = size_t{1} << 20;

void send_to_peer(broker_ptr self, const node_id& to, const caf::message& msg) {
  auto& st = self->state;
  auto j = st.links.find(to);
  if (j == st.links.end())
    return; // no link: lost, Raft retries
  auto& buf = st.encode_buf;
  buf.clear();
  std::string error;
  if (!st.codec->encode(msg, buf, error)) {
    st.log.error(error);
    return;
  }
  // Checked before sealing: a sealed frame that is never sent would leave a
  // gap in the counter sequence and break the link.
  if (buf.size() + frame_overhead > st.cfg.max_frame_size) {
    st.log.warning("dropped a message of " + std::to_string(buf.size()) +
                   " bytes to " + to.name + ": above max_frame_size");
    return;
  }
  auto hdl = j->second;
  auto& c = st.conns.at(hdl);
  auto f = c.session.message_frame(bytes_of(buf));
  if (buf.capacity() > max_kept_buffer)
    std::vector<char>{}.swap(buf); // a rare big message: do not keep it
  write_frame(self, hdl, c, f);
  self->flush(hdl);
  c.last_out = self->clock().now();
}

void on_tick(broker_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto timeout = st.cfg.connection_timeout;
  auto ping_after = timeout / 4;
  std::vector<std::pair<connection_handle, std::string>> stale;
  std::vector<std::pair<connection_handle, std::string>> stale_strangers;
  for (auto& [hdl, c] : st.conns) {
    if (!c.session.is_open()) {
      if (now - c.started > timeout)
        (unauthenticated(c) ? stale_strangers : stale)
            .emplace_back(hdl, "handshake with " + describe(c) +
                                   " did not complete in time; closed");
      continue;
    }
    if (now - c.last_in > timeout) {
      stale.emplace_back(hdl, "no traffic from " + describe(c) +
                                  " within connection_timeout; closed");
    } else if (now - c.last_out >= ping_after) {
      write_frame(self, hdl, c, c.session.ping_frame());
      self->flush(hdl);
      c.last_out = now;
    }
  }
  for (auto& [hdl, why] : stale)
    close_connection(self, hdl, log_level::warning, why);
  for (auto& [hdl, why] : stale_strangers) {
    note_unauthenticated(self, handshake_log::event::timed_out,
                         log_level::warning, why);
    close_connection(self, hdl, log_level::warning, "");
  }
  if (auto line = st.unauthenticated.roll(now))
    st.log.warning(*line);
}

void drop_all_links(broker_ptr self) {
  auto links = self->state.links;
  for (auto& [peer, hdl] : links)
    close_connection(self, hdl, log_level::info,
                     "dropped link to " + peer.name + " on request");
}

} // namespace flexsync::tcp
