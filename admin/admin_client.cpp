#include "admin/admin_client.hpp"

#include <algorithm>

#include <caf/io/middleman.hpp>
#include <caf/sec.hpp>

#include "admin/admin_auth.hpp"

namespace flexsync::admin {

using namespace std::chrono_literals;

void client_settings(caf::actor_system_config& cfg,
                     std::chrono::milliseconds timeout) {
  // CAF 0.17 checks its connections at every heartbeat tick. A connection
  // whose handshake is still pending at a tick is dropped (its last_seen
  // stays at the clock's epoch), so a port that accepts and never speaks
  // fails after at most one interval, instead of blocking remote_actor
  // forever; the first tick comes one interval after the system starts,
  // which is the time a live node has to answer the handshake. After it, a
  // connection silent for connection-timeout is dropped; flexsync-node
  // sends heartbeats every second, so a live one never is while it works
  // on a long request.
  auto interval = std::clamp<std::chrono::milliseconds>(timeout / 3, 100ms,
                                                        3s);
  cfg.set("middleman.heartbeat-interval", caf::timespan{interval});
  cfg.set("middleman.connection-timeout", caf::timespan{3 * interval});
}

admin_client::admin_client(caf::actor_system& sys, clock::time_point deadline)
  : sys_(sys), deadline_(deadline), self_(sys) {
  // nop
}

std::chrono::milliseconds admin_client::left() const {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline_ - clock::now());
  return std::max(d, std::chrono::milliseconds{1});
}

std::optional<client_failure> admin_client::connect(const std::string& host,
                                                    uint16_t port) {
  where_ = (host.find(':') != std::string::npos ? "[" + host + "]" : host)
           + ":" + std::to_string(port);
  auto x = sys_.middleman().remote_actor<admin_actor>(host, port);
  if (x) {
    admin_ = std::move(*x);
    return std::nullopt;
  }
  auto& err = x.error();
  auto fail = [](std::string why) {
    return client_failure{exit_code::unreachable, std::move(why)};
  };
  if (err == caf::sec::cannot_connect_to_node)
    return fail("cannot connect to " + where_ + " (nothing listens there?)");
  if (err == caf::sec::connection_timeout)
    return fail(where_ + " accepted the connection but never answered (not "
                         "a flexsync admin port, or the node hangs)");
  if (err == caf::sec::disconnect_during_handshake)
    return fail(where_ + " closed the connection during the handshake (not "
                         "a flexsync admin port?)");
  if (err == caf::sec::unexpected_actor_messaging_interface)
    return fail(where_ + " publishes another actor, not a flexsync admin "
                         "actor");
  if (err == caf::sec::no_actor_published_at_port)
    return fail("nothing is published at " + where_);
  return fail("cannot connect to " + where_ + ": " + sys_.render(err));
}

std::optional<client_failure> admin_client::login(const std::string& password) {
  auto challenged = call<admin_challenge>(admin_challenge_request{});
  if (auto* f = std::get_if<client_failure>(&challenged))
    return *f;
  auto& c = std::get<admin_challenge>(challenged);
  if (!c.password_required)
    return client_failure{exit_code::auth,
                          "the node has no cluster password, so it cannot "
                          "prove the one given (leave it out)"};
  if (c.nonce.size() != admin_nonce_size)
    return client_failure{exit_code::auth, "malformed challenge"};
  auto key = derive_admin_key(password, c.salt);
  auto client_nonce = fresh_nonce();
  auto proof = client_proof(key, c.nonce, client_nonce);
  auto answered = call<admin_login_reply>(
    admin_login{c.nonce, client_nonce, bytes(proof.begin(), proof.end())});
  if (auto* f = std::get_if<client_failure>(&answered))
    return *f;
  auto& r = std::get<admin_login_reply>(answered);
  if (!proof_matches(server_proof(key, client_nonce, c.nonce),
                     r.server_proof))
    return client_failure{exit_code::auth,
                          "the node did not prove the same password"};
  return std::nullopt;
}

client_failure admin_client::classify(const caf::error& err) {
  if (auto r = refusal_of(err)) {
    auto detail = detail_of(err);
    std::string why = to_string(*r);
    if (!detail.empty())
      why += ": " + detail;
    return {exit_code_of(*r), why};
  }
  if (err == caf::sec::request_timeout)
    return {exit_code::timeout,
            "timeout: no answer from " + where_ + " within --timeout"};
  return {exit_code::unreachable,
          "lost the connection to " + where_ + ": " + sys_.render(err)};
}

} // namespace flexsync::admin
