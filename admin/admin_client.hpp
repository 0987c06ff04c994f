#pragma once

/// @class flexsync::admin::admin_client
/// The client side of the admin protocol over CAF's middleman: connects to
/// a node's admin port, logs in with the cluster password when the node has
/// one (and checks the node's proof), and sends requests, every step bounded
/// by one deadline. Failures come back classified (admin_format.hpp's exit
/// codes) with the one line flexsync-admin prints.
///
/// The actor system must load the middleman, register flexsync's and the
/// admin types, and set heartbeats (client_settings) so that a port that
/// accepts and never speaks fails instead of blocking forever.

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "admin/admin_format.hpp"
#include "admin/admin_types.hpp"

/// The admin protocol of flexsync-node and flexsync-admin.
namespace flexsync::admin {

/// The clock of the client's deadline.
using clock = std::chrono::steady_clock;

/// Sets the middleman's heartbeat-interval and connection-timeout for a
/// client whose whole command is bounded by `timeout`: a port that accepts
/// and never answers fails within a third of it (at most 3 s), where CAF
/// 0.17 would otherwise wait forever for the handshake. Call before the
/// actor system starts.
void client_settings(caf::actor_system_config& cfg,
                     std::chrono::milliseconds timeout);

/// A failure: the exit code and the reason (the text after "FAIL CMD: ").
struct client_failure {
  /// The exit code flexsync-admin returns for it.
  exit_code code;
  /// The reason: the text after "FAIL CMD: ".
  std::string why;
};

/// A reply of type T, or why there is none.
template <class T>
using client_result = std::variant<T, client_failure>;

class admin_client {
public:
  /// A client on `sys` (set up as the class description says) whose
  /// every step ends by `deadline`. connect(), login() and call() block the
  /// calling thread.
  admin_client(caf::actor_system& sys, clock::time_point deadline);

  /// Connects to the admin actor published at host:port.
  std::optional<client_failure> connect(const std::string& host,
                                        uint16_t port);

  /// Proves `password` and checks the node's proof. A node without a
  /// password is a failure too: it cannot prove the password the caller
  /// relies on.
  std::optional<client_failure> login(const std::string& password);

  /// Sends `req` and waits for the reply until the deadline. A refusal of
  /// the admin actor comes back as `refusal` (with its detail) when given.
  template <class Reply, class Request>
  client_result<Reply> call(const Request& req);

  /// Time left until the deadline (at least 1 ms).
  std::chrono::milliseconds left() const;

  /// The refusal of the last call that was refused (reset by every call).
  std::optional<admin_refusal> last_refusal;
  /// The detail of last_refusal (set with it).
  std::string last_refusal_detail;

private:
  client_failure classify(const caf::error& err);

  caf::actor_system& sys_;
  clock::time_point deadline_;
  std::string where_;
  caf::scoped_actor self_;
  admin_actor admin_;
};

template <class Reply, class Request>
client_result<Reply> admin_client::call(const Request& req) {
  std::optional<Reply> reply;
  std::optional<client_failure> failed;
  last_refusal.reset();
  self_->request(admin_, left(), req)
    .receive([&](Reply& r) { reply = std::move(r); },
             [&](caf::error& err) {
               if (auto r = refusal_of(err)) {
                 last_refusal = *r;
                 last_refusal_detail = detail_of(err);
               }
               failed = classify(err);
             });
  if (reply)
    return std::move(*reply);
  return *failed;
}

} // namespace flexsync::admin
