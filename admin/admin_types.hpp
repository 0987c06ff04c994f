#pragma once

// The CAF side of the admin protocol (protocol/admin.hpp): the typed actor
// interface a node's admin actor offers, the names its message types are
// registered under (the wire identity: a client must register the same,
// with register_admin_types), and the error category of the admin actor's
// own refusals.
//
// A CAF program talks to a node's admin port like this:
//
//   flexsync::system_config cfg;              // flexsync's types
//   cfg.load<caf::io::middleman>();
//   flexsync::admin::register_admin_types(cfg);
//   caf::actor_system sys{cfg};
//   auto admin = caf::io::remote_actor<flexsync::admin::admin_actor>(
//     sys, "127.0.0.1", 7101);
//   caf::scoped_actor self{sys};
//   self->request(*admin, std::chrono::seconds(5),
//                 flexsync::admin_status_request{})
//     .receive([](flexsync::admin_status_reply& r) { /* r.json */ },
//              [](caf::error& err) { /* refusal_of(err) */ });
//
// With a password, log in first (admin_challenge_request, then admin_login:
// see admin/admin_client.hpp, which does both).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "protocol/admin.hpp"
#include "protocol/membership.hpp"

namespace flexsync {

/// A byte string of the login (a nonce or a proof) as CAF inspects it.
/// CAF 0.17's deserializer resizes a byte vector to the length a message
/// announces before it checks that the message holds that many bytes, so a
/// login of a few dozen bytes made the node allocate (and zero) up to
/// 4 GiB, before any password check (found by the admin_requests fuzz
/// target). Loading refuses a length above `max` before allocating; the
/// encoding is CAF's own.
struct bounded_bytes {
  std::vector<uint8_t>& xs;
  size_t max;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bounded_bytes& x) {
  if constexpr (Inspector::reads_state) {
    return f(x.xs);
  } else {
    size_t n = 0;
    if (auto err = f.begin_sequence(n))
      return err;
    if (n > x.max)
      return caf::make_error(caf::sec::invalid_argument,
                             "a byte string of the admin protocol is longer "
                             "than its bound");
    x.xs.resize(n);
    if (n > 0)
      if (auto err = f.apply_raw(n, x.xs.data()))
        return err;
    return f.end_sequence();
  }
}

/// The longest nonce or proof a login message may hold (they are
/// admin_nonce_size bytes; larger ones are refused unread).
constexpr size_t max_admin_bytes = 1024;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_challenge& x) {
  bounded_bytes nonce{x.nonce, max_admin_bytes};
  return f(x.version, x.password_required, x.salt, nonce);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_login& x) {
  bounded_bytes nonce{x.nonce, max_admin_bytes};
  bounded_bytes client_nonce{x.client_nonce, max_admin_bytes};
  bounded_bytes proof{x.proof, max_admin_bytes};
  return f(nonce, client_nonce, proof);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_login_reply& x) {
  bounded_bytes proof{x.server_proof, max_admin_bytes};
  return f(proof);
}

} // namespace flexsync

namespace flexsync::admin {

/// Requests that call into the node (served by worker actors, see
/// admin_actor.hpp).
using admin_worker_actor = caf::typed_actor<
  caf::replies_to<admin_status_request>::with<admin_status_reply>,
  caf::replies_to<admin_change_request>::with<change_result>,
  caf::replies_to<admin_transfer_request>::with<change_result>,
  caf::replies_to<admin_set_version_request>::with<change_result>,
  caf::replies_to<admin_health_request>::with<admin_health_reply>,
  caf::replies_to<admin_metrics_request>::with<admin_metrics_reply>>;

/// Everything a node's admin actor answers.
using admin_actor = admin_worker_actor::extend<
  caf::replies_to<admin_challenge_request>::with<admin_challenge>,
  caf::replies_to<admin_login>::with<admin_login_reply>,
  caf::replies_to<admin_compact_request>::with<change_result>>;

/// Category of the admin actor's refusals in caf::error.
constexpr caf::atom_value refusal_category = caf::atom("fxadmin");

/// A caf::error carrying `x` and a one-line `detail`.
caf::error to_error(admin_refusal x, std::string detail);

/// The refusal carried by `err`, if it is one.
std::optional<admin_refusal> refusal_of(const caf::error& err);

/// The detail line of a refusal (empty when there is none).
std::string detail_of(const caf::error& err);

/// Registers the admin message types, the actor handle and the refusal
/// category. Call on the node's config and on every client's, next to
/// flexsync::register_types (change_result is registered there).
void register_admin_types(caf::actor_system_config& cfg);

} // namespace flexsync::admin
