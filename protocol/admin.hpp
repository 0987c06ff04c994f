#pragma once

// The admin protocol: what flexsync-admin (or any CAF program) asks a node's
// admin actor, and what it answers, as plain values. One struct per message.
// The CAF side (the typed actor interface, the registered type names, the
// error category of refusals) is admin/admin_types.hpp; the actor is
// admin/admin_actor.hpp. CAF-free.
//
//   request                    reply
//   admin_challenge_request    admin_challenge
//   admin_login                admin_login_reply
//   admin_status_request       admin_status_reply
//   admin_change_request       change_result     (add, add-learner, remove)
//   admin_set_version_request  change_result
//   admin_transfer_request     change_result
//   admin_compact_request      change_result
//   admin_health_request       admin_health_reply
//   admin_metrics_request      admin_metrics_reply
//
// change_result is the node's own answer (protocol/membership.hpp), passed
// on unchanged. When the admin actor itself refuses (no login yet, a wrong
// password, a request it cannot serve), the reply is an error carrying an
// admin_refusal instead.
//
// Password. A node with a cluster password serves nothing but challenges
// and logins until the sender proved the password:
//   1. the client asks for a challenge: the node's salt and a fresh nonce
//      (32 bytes from OpenSSL), usable once, by that sender only;
//   2. the client derives the admin key from the password and the salt
//      (admin/admin_auth.hpp) and sends a fresh client nonce and
//      HMAC-SHA256(key, nonce || client_nonce);
//   3. the node checks the proof in constant time, remembers the sender,
//      and answers with its own HMAC over the client nonce, so the client
//      knows the node holds the same password.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/membership.hpp"

namespace flexsync {

/// Version of the admin protocol (carried in every challenge).
constexpr uint32_t admin_protocol_version = 1;

/// Bytes of the node's and the client's nonces, and of every proof.
constexpr size_t admin_nonce_size = 32;

/// Why the admin actor refused to serve a request itself (as opposed to
/// the node's answer, which is a change_result).
enum class admin_refusal : uint8_t {
  /// The node has a password and the sender has not proved it yet.
  authentication_required = 1,
  /// A login's proof does not match the node's password (or its nonce was
  /// not issued to this sender, or was used already).
  wrong_password = 2,
  /// The node cannot carry out this request (yet).
  not_supported = 3,
  /// Too many requests are being served at once; try again.
  busy = 4,
  /// The request is malformed (e.g. not a host:port address).
  bad_request = 5,
};

const char* to_string(admin_refusal x);

/// Asks for a login challenge (also tells whether one is needed).
struct admin_challenge_request {
  /// The admin protocol version of the client.
  uint32_t version = admin_protocol_version;
};

/// A login challenge.
struct admin_challenge {
  /// The admin protocol version of the node.
  uint32_t version = admin_protocol_version;
  /// Whether the node has a cluster password; without one, every request
  /// is served without a login.
  bool password_required = false;
  /// The node's cluster salt (not secret), to derive the key from.
  std::string salt;
  /// Fresh random bytes; empty without a password.
  std::vector<uint8_t> nonce;
};

/// Proves the password (step 2 above).
struct admin_login {
  /// The nonce of a challenge this sender received.
  std::vector<uint8_t> nonce;
  /// Fresh random bytes of the client's, covered by the node's proof.
  std::vector<uint8_t> client_nonce;
  /// HMAC-SHA256(admin key, nonce || client_nonce).
  std::vector<uint8_t> proof;
};

/// The node's side of a successful login.
struct admin_login_reply {
  /// HMAC-SHA256(admin key, "flexsync admin node" || client_nonce || nonce).
  std::vector<uint8_t> server_proof;
};

/// Asks for node::status().
struct admin_status_request {
  /// Bound of gathering the status from the node's actors (ms).
  uint32_t timeout_ms = 2000;
};

/// One of PySyncObj's admin keys and its value.
struct admin_key_value {
  /// The key, e.g. "raft_term".
  std::string key;
  /// Its value as text ("None" when absent).
  std::string value;
};

/// node::status() as the node renders it.
struct admin_status_reply {
  /// The status as one JSON object (to_json of node_status).
  std::string json;
  /// The status as PySyncObj's keys (node_status::to_key_values), sorted.
  std::vector<admin_key_value> keys;
};

/// Adds or removes one member.
struct admin_change_request {
  /// add_voter, add_learner or remove (set is refused as a bad request).
  change_op op = change_op::add_voter;
  /// The member's address, host:port.
  std::string node;
  /// How long the node may take (ms); its answer is `timeout` after that.
  uint32_t timeout_ms = 30000;
};

/// Asks the cluster to enable a code version (node::set_code_version).
struct admin_set_version_request {
  /// The version to enable.
  uint32_t version = 0;
  /// How long the node may take (ms); its answer is `timeout` after that.
  uint32_t timeout_ms = 30000;
};

/// Asks the leader to hand leadership over.
struct admin_transfer_request {
  /// The voter that should lead, host:port; empty: the best one
  /// (node::transfer_leadership).
  std::string target;
  /// How long the node may take (ms); its answer is `timeout` after that.
  uint32_t timeout_ms = 10000;
};

/// Asks for a snapshot now (node::force_compaction).
struct admin_compact_request {
  /// Unused; keeps the message non-empty for older inspectors.
  uint8_t reserved = 0;
};

/// Asks for a health verdict.
struct admin_health_request {
  /// Entries a commit or apply index may lag before the node is unhealthy.
  uint64_t max_lag = 1000;
  /// Bound of gathering the status (ms).
  uint32_t timeout_ms = 2000;
};

/// A short health summary and its verdict (see judge_health).
struct admin_health_reply {
  /// The node runs (was not stopped).
  bool running = false;
  /// follower, candidate or leader.
  std::string role;
  /// The known leader; empty when none is known.
  std::string leader;
  /// node_status::has_quorum.
  bool has_quorum = false;
  /// Caught up with a leader once (node::is_ready).
  bool ready = false;
  /// intact, recovering or promised (node_status::member).
  std::string member;
  /// The leader's commit index minus this node's; 0 when unknown.
  uint64_t commit_lag = 0;
  /// Whether the leader's commit index is known (commit_lag means something).
  bool commit_lag_known = false;
  /// Committed entries not applied yet.
  uint64_t apply_lag = 0;
  /// The bound the lags were judged against.
  uint64_t max_lag = 0;
  /// The verdict: no problem found.
  bool healthy = false;
  /// What makes it unhealthy, "; "-separated; empty when healthy.
  std::string problems;
};

/// Asks for node::metrics().
struct admin_metrics_request {
  /// Bound of gathering the metrics (ms).
  uint32_t timeout_ms = 2000;
};

/// The node's metrics.
struct admin_metrics_reply {
  /// Prometheus text (to_prometheus of node_metrics).
  std::string text;
};

/// Sets `healthy` and `problems` from the other fields: a node is healthy
/// when it runs, knows a leader, has a quorum, caught up once, holds its
/// Raft state, and neither lag exceeds max_lag.
void judge_health(admin_health_reply& x);

// -- inspection (CAF serializes these without protocol/ including CAF) --------
//
// The messages with byte strings (admin_challenge, admin_login,
// admin_login_reply) are inspected in admin/admin_types.hpp: loading them
// needs CAF (see bounded_bytes there).

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_challenge_request& x) {
  return f(x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_status_request& x) {
  return f(x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_key_value& x) {
  return f(x.key, x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_status_reply& x) {
  return f(x.json, x.keys);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_change_request& x) {
  return f(x.op, x.node, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_set_version_request& x) {
  return f(x.version, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_transfer_request& x) {
  return f(x.target, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_compact_request& x) {
  return f(x.reserved);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_health_request& x) {
  return f(x.max_lag, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_health_reply& x) {
  return f(x.running, x.role, x.leader, x.has_quorum, x.ready, x.member,
           x.commit_lag, x.commit_lag_known, x.apply_lag, x.max_lag,
           x.healthy, x.problems);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        admin_metrics_request& x) {
  return f(x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_metrics_reply& x) {
  return f(x.text);
}

} // namespace flexsync
