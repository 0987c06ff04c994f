#pragma once

// Internal to the TCP transport (tcp_transport.hpp): the broker's state and
// its steps, split by concern over tcp_links.cpp (connections, frames,
// links) and tcp_dialer.cpp (listening and dialing). Only the transport's own
// .cpp files include this header.
//
// Invariants of `broker_state`:
// - every entry of `links` names a connection in `conns` whose session is
//   open and whose peer is the key; at most one link per peer;
// - a peer is in `dials` iff this node dials it (its address is smaller);
//   `busy` is set from the start of a connect attempt until the dialed
//   connection is gone, so at most one dialed connection per peer exists;
// - no message payload is delivered from a connection that is not a link;
// - at most `max_pending_connections` accepted connections are in their
//   handshake at once; a new one takes the slot of another (see
//   tcp_admission.hpp) rather than being refused.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/transport/wire/frame.hpp"
#include "actors/node/logger.hpp"
#include "actors/transport/peer_codec.hpp"
#include "actors/transport/wire/peer_session.hpp"
#include "actors/transport/wire/tcp_admission.hpp"
#include "actors/transport/wire/tcp_socket.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "actors/node/wiring.hpp"
#include "protocol/metrics.hpp"

namespace flexsync::tcp {

using clock_point = caf::actor_clock::time_point;

/// A connected socket on its way from the dial helper to the broker; closed
/// when dropped without being adopted (e.g. the broker ended meanwhile).
class owned_socket {
public:
  explicit owned_socket(int fd) : fd_(fd) {}
  ~owned_socket() { net::close_socket(fd_); }
  owned_socket(const owned_socket&) = delete;
  owned_socket& operator=(const owned_socket&) = delete;

  int get() const { return fd_; }

  int release() { return std::exchange(fd_, -1); }

private:
  int fd_;
};

using socket_ptr = std::shared_ptr<owned_socket>;

/// One TCP connection, from accept or dial until it closes.
struct connection {
  peer_session session;
  /// True while reading a body; false while reading a length prefix.
  bool awaiting_body = false;
  /// The remote endpoint, for log lines.
  std::string remote;
  /// The remote host without the port (accepted connections only).
  std::string host;
  /// Order of acceptance, for the slot policy (accepted connections only).
  uint64_t seq = 0;
  clock_point started;
  clock_point last_in;
  clock_point last_out;
  /// The peer's traffic counters once the peer is known (dialed: from the
  /// start; accepted: once the link opens); points into
  /// broker_state::traffic, whose entries are never erased.
  peer_traffic* traffic = nullptr;
};

/// Redial bookkeeping for a peer this node dials.
struct dial_state {
  /// A connect attempt or a dialed connection exists.
  bool busy = false;
  /// Attempts that failed in a row; sets the backoff.
  uint32_t failures = 0;
  /// Number of the pending redial timer; older timers are stale.
  uint64_t timer = 0;
};

struct broker_state {
  tcp_transport_config cfg;
  logger log;
  /// The cluster key in password mode.
  std::shared_ptr<const wire::cluster_key> key;
  std::unique_ptr<peer_codec> codec;
  /// The partners, without self.
  std::set<node_id> members;
  /// Where to listen (resolved at spawn), or why that failed.
  std::vector<net::socket_address> listen_addresses;
  std::string resolve_error;
  /// The local node's actors, once registered.
  std::optional<node_endpoints> node;
  std::map<caf::io::connection_handle, connection> conns;
  std::map<node_id, caf::io::connection_handle> links;
  std::map<node_id, dial_state> dials;
  tcp_transport_status::bind_state bind =
      tcp_transport_status::bind_state::binding;
  std::string bind_error;
  uint32_t bind_failures = 0;
  uint16_t port = 0;
  std::vector<caf::response_promise> bound_waiters;
  /// Connections refused, evicted or closed for a protocol violation.
  uint64_t rejected = 0;
  /// Traffic per peer, kept across reconnects (counters only grow).
  std::map<node_id, peer_traffic> traffic;
  /// Number of the next accepted connection.
  uint64_t next_seq = 0;
  /// Where an outgoing message is serialized before it is framed: kept, so
  /// that it stops allocating once it reached the largest message's size.
  std::vector<char> encode_buf;
  /// Bounds the log lines about unauthenticated connections.
  handshake_log unauthenticated;

  static inline const char* name = "flexsync.tcp_transport";
};

using broker_ptr = caf::io::stateful_broker<broker_state>*;

/// Everything spawn_tcp_transport prepares before the broker starts.
struct broker_setup {
  tcp_transport_config cfg;
  std::shared_ptr<const wire::cluster_key> key;
  std::vector<net::socket_address> listen_addresses;
  std::string resolve_error;
};

// -- tcp_links.cpp ---------------------------------------------------------

/// Starts the handshake of an accepted connection.
void on_accepted(broker_ptr self, caf::io::connection_handle hdl);

/// Adopts a socket dialed to `peer` and starts its handshake.
void adopt_dialed(broker_ptr self, const node_id& peer, int fd);

void on_data(broker_ptr self, caf::io::new_data_msg& msg);

/// The connection closed under us (peer closed, I/O error).
void on_closed(broker_ptr self, caf::io::connection_handle hdl);

/// The traffic counters of `peer` (created on first use).
peer_traffic* traffic_of(broker_ptr self, const node_id& peer);

/// Sends `msg` to `to` over its link; dropped when there is none.
void send_to_peer(broker_ptr self, const node_id& to, const caf::message& msg);

/// Closes silent links and stale handshakes; pings idle links.
void on_tick(broker_ptr self);

/// Closes every open link (fault injection).
void drop_all_links(broker_ptr self);

/// How often on_tick runs.
caf::timespan tick_interval(const tcp_transport_config& cfg);

// -- tcp_dialer.cpp --------------------------------------------------------

/// One bind attempt; schedules the next one or reports the final failure.
void try_bind(broker_ptr self);

/// Dialing starts once bound (another process holding this node's port
/// may be another incarnation of it) or when the node never listens.
inline bool may_dial(tcp_transport_status::bind_state x) {
  using state = tcp_transport_status::bind_state;
  return x == state::bound || x == state::not_listening;
}

/// Starts a connect attempt to `peer` on a helper thread, unless one is
/// under way or a link exists.
void dial(broker_ptr self, const node_id& peer);

/// The helper finished a connect attempt.
void on_dialed(broker_ptr self, const node_id& peer, const socket_ptr& sock,
               const std::string& error);

/// The dialed connection to `peer` is gone; dial again after the backoff.
/// `failed`: it never became a link (counts towards the backoff).
void dialed_connection_gone(broker_ptr self, const node_id& peer, bool failed);

} // namespace flexsync::tcp

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flexsync::tcp::socket_ptr)
