#pragma once

// A node's admin actor: answers the admin protocol (protocol/admin.hpp) for
// one flexsync::node, so that flexsync-admin or any CAF program can ask it
// for its status, health and metrics, add and remove members, or take a
// snapshot, over a CAF remote connection.
//
// The actor itself never blocks: node calls (status, metrics, health,
// membership changes) block their caller, so each such request is handed
// to a worker actor spawned `caf::detached` (its own thread) that answers
// the client directly and ends. At most `max_workers` run at once; beyond
// that a request is refused as busy. Logins, refusals and compaction are
// answered by the actor at once.
//
// With a password, only senders that proved it are served; they are
// remembered by actor address until that actor ends or its node's
// connection drops (the actor monitors them).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "admin/admin_types.hpp"

namespace flexsync {
class node;
} // namespace flexsync

namespace flexsync::admin {

struct admin_options {
  /// The cluster password; empty: every request is served without a login.
  std::string password;
  /// The cluster salt the node's key is derived with (the transport's).
  std::string cluster_salt;
  /// Receives one line per event worth a warning (a wrong password),
  /// bounded to a few lines a minute; none when empty.
  std::function<void(const std::string&)> warn;
  /// Node calls served at once.
  size_t max_workers = 8;
};

/// Why the admin actor refuses `req` as malformed (bad_request, before any
/// node call), or nothing. Pure: the fuzz target admin_requests drives it.
std::optional<caf::error> check_request(const admin_change_request& req);

/// Why the admin actor refuses `req` as malformed, or nothing.
std::optional<caf::error> check_request(const admin_transfer_request& req);

/// Spawns the admin actor of `n`, which must outlive it. With a password
/// this derives the key (about 0.2 s unless the transport already did).
admin_actor spawn_admin(caf::actor_system& sys, node& n, admin_options opts);

/// Publishes `a` on host:port through CAF's middleman (loaded by the
/// caller's config), bound to `host` only; port 0 picks a free port.
/// Returns the port.
caf::expected<uint16_t> publish_admin(caf::actor_system& sys,
                                      const admin_actor& a,
                                      const std::string& host, uint16_t port);

} // namespace flexsync::admin
