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

#include <optional>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "protocol/admin.hpp"
#include "protocol/membership.hpp"

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
