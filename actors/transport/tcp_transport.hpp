#pragma once

// The TCP peer transport: one caf::io broker per process that links this
// node to its peers over TCP and speaks the transport protocol of wiring.hpp
// towards the node's actors, exactly like the in-process network
// (local_network.hpp):
//
//   (peer_send_atom, from, to, message)  node -> transport -> peer `to`
//   (register_atom, self, endpoints)     node -> transport
//   (unregister_atom, self)              node -> transport
//
// It listens on the node's own address only, keeps one connection per peer
// pair (the node with the lexicographically greater address dials, on a
// helper thread so the broker never blocks, redialing with backoff), closes
// links that stay silent for `connection_timeout` (idle links carry pings),
// and validates every frame (size before buffering, decoding, type, claimed
// sender). With a password, links authenticate with a challenge-response
// handshake and every frame is sealed with AES-256-GCM (see frame.hpp and
// peer_session.hpp). Connections that never finish their handshake cannot
// keep a peer out: when all handshake slots are taken, a new connection
// evicts the least advanced one (tcp_admission.hpp), and what such a flood
// does is logged as one summary line per interval. Messages to a peer
// without a link are dropped; Raft retries.
//
//   flexsync::tcp_transport_config tc;
//   tc.self = flexsync::node_id{"127.0.0.1:7001"};
//   tc.partners = {flexsync::node_id{"127.0.0.1:7002"}, ...};
//   auto net = flexsync::spawn_tcp_transport(sys, tc); // needs the middleman
//   flexsync::wait_bound(sys, net, 5s);
//   flexsync::node n{sys, {"127.0.0.1:7001", {...}}, net, {&counter}};
//
// The actor system must load caf::io::middleman. Stop the transport with
// caf::anon_send_exit(transport, caf::exit_reason::user_shutdown) after its
// node stopped.

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "actors/node/logger.hpp"
#include "protocol/types.hpp"

namespace flexsync {

using namespace std::chrono_literals;

/// Options of the TCP peer transport (spawn_tcp_transport): identity,
/// security, limits and timing, logging.
struct tcp_transport_config {
  // -- identity -------------------------------------------------------------

  /// This node's address "host:port" (its node id). The host is an IPv4 or
  /// IPv6 literal ("::1:7001" or "[::1]:7001") or a name.
  node_id self;
  /// The other members; self is ignored if listed. Only they may link.
  std::vector<node_id> partners;
  /// Where to listen instead of `self` ("host:port"); empty uses `self`.
  std::string bind_address;
  /// Hook for nodes outside `partners` that may dial this node (tests):
  /// returns true to admit `peer`. Unset admits nobody else.
  std::function<bool(const node_id& peer)> admit_non_member;
  /// Admit read-only nodes outside `partners` whose hello carries the
  /// learner flag (node_config::admit_non_member). Their messages reach
  /// only the node's replicator and membership manager, never its election
  /// or log store (protocol/readonly_rules.hpp).
  bool admit_learners = false;
  /// This node is a read-only node that the voters do not list: its hello
  /// carries the learner flag and it dials every partner (voters never dial
  /// a node they do not know), so it opens no listening socket.
  bool read_only = false;

  // -- security -------------------------------------------------------------

  /// Empty: plain TCP (trusted networks only). Otherwise every link proves
  /// knowledge of the password and every frame is encrypted.
  std::string password;
  /// Required with a password: the same on every node of a cluster and
  /// different between clusters (e.g. a random string made at cluster
  /// creation), so equal passwords never give equal keys.
  std::string cluster_salt;

  // -- limits and timing ------------------------------------------------------

  /// Largest frame accepted from an authenticated peer; checked against the
  /// length prefix before anything is buffered. Must exceed the largest
  /// append (node_config::max_batch_bytes plus overhead).
  size_t max_frame_size = 64 * 1024 * 1024;
  /// Accepted connections in their handshake at once. When all slots are
  /// taken, a new connection takes the slot of an unfinished handshake that
  /// made the least progress (see tcp_admission.hpp), so a flood of
  /// half-open connections cannot keep a real peer out. Each slot holds a
  /// descriptor: keep it well below the process's open-file limit.
  size_t max_pending_connections = 256;
  /// A link without inbound traffic for this long is closed; so is a
  /// handshake that takes longer. Idle links send a ping every quarter of it.
  caf::timespan connection_timeout = 3500ms;
  /// Delay before redialing a lost peer; doubles after each failed attempt,
  /// up to `max_connection_retry_time`.
  caf::timespan connection_retry_time = 1s;
  /// Upper bound of the doubling redial delay.
  caf::timespan max_connection_retry_time = 5s;
  /// Deadline of one connect attempt (per resolved address).
  caf::timespan connect_timeout = 2s;
  /// A failed bind is retried after this long...
  caf::timespan bind_retry_time = 1s;
  /// ... up to this many failed attempts in all (0: forever).
  uint32_t max_bind_retries = 0;
  /// TCP keepalive: idle seconds before the first probe (TCP_KEEPIDLE).
  int keepalive_idle_s = 16;
  /// Seconds between keepalive probes (TCP_KEEPINTVL).
  int keepalive_interval_s = 3;
  /// Unanswered probes before the kernel drops the link (TCP_KEEPCNT).
  int keepalive_probes = 5;

  // -- logging ----------------------------------------------------------------

  /// Log lines at or above this level go to `log_sink`.
  log_level level = log_level::warning;
  /// Receives each log line (level and text, no newline); empty: stderr.
  logger::sink_fn log_sink;
  /// Events on unauthenticated connections (evicted, timed out, rejected)
  /// get their own line up to this many per interval; the rest are counted
  /// into one summary line per interval, so a flood cannot flood the log.
  size_t handshake_log_lines = 5;
  /// The interval of `handshake_log_lines` and of the summary line.
  caf::timespan handshake_log_interval = 5s;
};

/// Binding failed for good (max_bind_retries reached or an unusable address).
class bind_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// What the transport reports about itself.
struct tcp_transport_status {
  /// `not_listening`: an unconfigured read-only node (read_only), which
  /// only dials and never listens.
  enum class bind_state : uint8_t {
    /// Trying to bind (also while retrying after a failure).
    binding = 0,
    /// Listening on `port`.
    bound = 1,
    /// Gave up: bind_error says why (wait_bound() throws it).
    failed = 2,
    /// Never listens (a read-only node that only dials).
    not_listening = 3,
  };
  /// Where binding the listening socket stands.
  bind_state bind = bind_state::binding;
  /// The last bind error (also while still retrying).
  std::string bind_error;
  /// The port listened on (0 until bound).
  uint16_t port = 0;
  /// Peers with an open (authenticated) link, sorted.
  std::vector<node_id> links;
  /// Connections closed for a protocol violation, or evicted from their
  /// handshake slot by a newer connection, so far.
  uint64_t rejected = 0;
};

/// Spawns the transport broker for one node.
/// @throws config_error when the config is invalid (bad address, password
///         without salt, no middleman loaded).
caf::actor spawn_tcp_transport(caf::actor_system& sys,
                               tcp_transport_config cfg);

/// Blocks until the transport listens (true) or `timeout` passes (false).
/// @throws bind_error when binding failed for good.
bool wait_bound(caf::actor_system& sys, const caf::actor& transport,
                caf::timespan timeout);

/// Asks the transport for its status (a default status on timeout).
tcp_transport_status transport_status(caf::actor_system& sys,
                                      const caf::actor& transport,
                                      caf::timespan timeout = 2s);

/// Closes every open link at once, as a network fault would; the dialing
/// sides reconnect after `connection_retry_time`. For tests and the admin
/// tool.
void drop_links(const caf::actor& transport);

} // namespace flexsync
