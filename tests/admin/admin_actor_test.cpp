// The admin actor in one process (no middleman): a one-node cluster and its
// admin actor, driven by scoped actors. Covers the login (a nonce is usable
// once and only by its sender, a wrong proof is refused and logged, the
// node proves the password back), refusals before a login, each request
// type, the faithful pass-through of the node's membership answers, and
// the bound on concurrent workers. tests/process/admin_test.cpp does the
// same over TCP with the flexsync-admin program.

#include <mutex>
#include <variant>

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/local_network.hpp"
#include "admin/admin_actor.hpp"
#include "admin/admin_auth.hpp"
#include "state_machines/repl_counter.hpp"

using namespace flexsync;
using namespace flexsync::admin;
using namespace std::chrono_literals;

namespace {

struct admin_config : flexsync::system_config {
  admin_config() : system_config(2) {
    register_admin_types(*this);
  }
};

/// A one-node cluster with an admin actor.
struct fixture {
  admin_config cfg;
  caf::actor_system sys{cfg};
  repl_counter counter;
  node n{sys, node_config{"solo", {}}, spawn_local_network(sys), {&counter}};
  std::mutex mtx;
  std::vector<std::string> warnings;
  admin_actor admin;

  explicit fixture(std::string password, size_t max_workers = 8) {
    REQUIRE(n.wait_ready(10s));
    admin_options opts;
    opts.password = std::move(password);
    opts.cluster_salt = "test salt";
    opts.warn = [this](const std::string& line) {
      std::lock_guard<std::mutex> guard{mtx};
      warnings.push_back(line);
    };
    opts.max_workers = max_workers;
    admin = spawn_admin(sys, n, std::move(opts));
  }

  ~fixture() {
    caf::anon_send_exit(admin, caf::exit_reason::user_shutdown);
    n.stop();
  }

  size_t warning_count() {
    std::lock_guard<std::mutex> guard{mtx};
    return warnings.size();
  }
};

/// The reply to `req`, or the error.
template <class Reply, class Request>
std::variant<Reply, caf::error> ask(caf::scoped_actor& self,
                                    const admin_actor& a, const Request& req) {
  std::variant<Reply, caf::error> out = caf::error{};
  self->request(a, 10s, req).receive([&](Reply& r) { out = std::move(r); },
                                     [&](caf::error& e) { out = e; });
  return out;
}

template <class Reply, class Request>
std::optional<admin_refusal> refusal(caf::scoped_actor& self,
                                     const admin_actor& a,
                                     const Request& req) {
  auto r = ask<Reply>(self, a, req);
  if (auto* e = std::get_if<caf::error>(&r))
    return refusal_of(*e);
  return std::nullopt;
}

admin_login login_for(const admin_challenge& c, const std::string& password,
                      const bytes& client_nonce) {
  auto key = cached_admin_key(password, c.salt);
  auto p = client_proof(key, c.nonce, client_nonce);
  return {c.nonce, client_nonce, bytes(p.begin(), p.end())};
}

admin_challenge challenge(caf::scoped_actor& self, const admin_actor& a) {
  auto r = ask<admin_challenge>(self, a, admin_challenge_request{});
  REQUIRE(std::holds_alternative<admin_challenge>(r));
  return std::get<admin_challenge>(r);
}

} // namespace

TEST_CASE("with a password nothing is served before a login, and a login "
          "proves the password both ways") {
  fixture f{"right"};
  caf::scoped_actor alice{f.sys};
  CHECK(refusal<admin_status_reply>(alice, f.admin, admin_status_request{})
        == admin_refusal::authentication_required);
  CHECK(refusal<change_result>(alice, f.admin, admin_compact_request{})
        == admin_refusal::authentication_required);
  auto c = challenge(alice, f.admin);
  CHECK(c.password_required);
  CHECK(c.salt == "test salt");
  CHECK(c.nonce.size() == admin_nonce_size);
  // A wrong password is refused and logged once.
  CHECK(refusal<admin_login_reply>(alice, f.admin,
                                   login_for(c, "wrong", fresh_nonce()))
        == admin_refusal::wrong_password);
  CHECK(f.warning_count() == 1);
  // The nonce is spent, even with the right password now.
  CHECK(refusal<admin_login_reply>(alice, f.admin,
                                   login_for(c, "right", fresh_nonce()))
        == admin_refusal::bad_request);
  // A nonce handed to alice is no good to bob.
  caf::scoped_actor bob{f.sys};
  c = challenge(alice, f.admin);
  CHECK(refusal<admin_login_reply>(bob, f.admin,
                                   login_for(c, "right", fresh_nonce()))
        == admin_refusal::bad_request);
  c = challenge(alice, f.admin);
  auto client_nonce = fresh_nonce();
  auto r = ask<admin_login_reply>(alice, f.admin,
                                  login_for(c, "right", client_nonce));
  REQUIRE(std::holds_alternative<admin_login_reply>(r));
  auto key = cached_admin_key("right", c.salt);
  CHECK(proof_matches(server_proof(key, client_nonce, c.nonce),
                      std::get<admin_login_reply>(r).server_proof));
  // Alice is served now; bob still is not.
  auto st = ask<admin_status_reply>(alice, f.admin, admin_status_request{});
  REQUIRE(std::holds_alternative<admin_status_reply>(st));
  CHECK(refusal<admin_status_reply>(bob, f.admin, admin_status_request{})
        == admin_refusal::authentication_required);
  CHECK(f.warning_count() == 1);
}

TEST_CASE("without a password every request is served and there is no "
          "login") {
  fixture f{""};
  caf::scoped_actor self{f.sys};
  auto c = challenge(self, f.admin);
  CHECK_FALSE(c.password_required);
  CHECK(c.nonce.empty());
  CHECK(refusal<admin_login_reply>(self, f.admin, admin_login{})
        == admin_refusal::bad_request);
  auto st = ask<admin_status_reply>(self, f.admin, admin_status_request{});
  REQUIRE(std::holds_alternative<admin_status_reply>(st));
  auto& reply = std::get<admin_status_reply>(st);
  auto j = nlohmann::json::parse(reply.json);
  CHECK(j["self"] == "solo");
  CHECK(j["role"] == "leader");
  bool has_term = false;
  for (auto& kv : reply.keys)
    has_term = has_term || kv.key == "raft_term";
  CHECK(has_term);
}

TEST_CASE("health, metrics, compact, transfer, and the refusal of what the "
          "node cannot do yet") {
  fixture f{""};
  caf::scoped_actor self{f.sys};
  auto h = ask<admin_health_reply>(self, f.admin, admin_health_request{});
  REQUIRE(std::holds_alternative<admin_health_reply>(h));
  auto& health = std::get<admin_health_reply>(h);
  CHECK(health.healthy);
  CHECK(health.role == "leader");
  CHECK(health.leader == "solo");
  auto m = ask<admin_metrics_reply>(self, f.admin, admin_metrics_request{});
  REQUIRE(std::holds_alternative<admin_metrics_reply>(m));
  auto& text = std::get<admin_metrics_reply>(m).text;
  CHECK(text.find("flexsync_term{node=\"solo\"}") != std::string::npos);
  CHECK_FALSE(check_prometheus_text(text));
  auto compact = ask<change_result>(self, f.admin, admin_compact_request{});
  REQUIRE(std::holds_alternative<change_result>(compact));
  CHECK(std::get<change_result>(compact).ok());
  // set-version is the node's own answer too: it supports no version
  // beyond 0, which is enabled already.
  auto sv = ask<change_result>(self, f.admin, admin_set_version_request{2});
  REQUIRE(std::holds_alternative<change_result>(sv));
  CHECK(std::get<change_result>(sv).reason == fail_reason::request_denied);
  CHECK(std::get<change_result>(sv).detail
        == "no voter supports code version 2 (the highest any voter supports "
           "is 0)");
  sv = ask<change_result>(self, f.admin, admin_set_version_request{0});
  REQUIRE(std::holds_alternative<change_result>(sv));
  CHECK(std::get<change_result>(sv).ok());
  // A transfer is the node's own answer: a single node has no one to hand
  // over to.
  auto t = ask<change_result>(self, f.admin, admin_transfer_request{});
  REQUIRE(std::holds_alternative<change_result>(t));
  CHECK(std::get<change_result>(t).reason == fail_reason::request_denied);
  CHECK(std::get<change_result>(t).detail
        == "no other live voter to hand over to");
}

TEST_CASE("membership requests pass the node's own answer on unchanged") {
  fixture f{""};
  caf::scoped_actor self{f.sys};
  // Removing a node that is no member: whatever the node answers directly,
  // the admin actor must answer the same.
  auto direct = f.n.remove_node(node_id{"127.0.0.1:7009"}, 5s);
  auto via = ask<change_result>(
    self, f.admin,
    admin_change_request{change_op::remove, "127.0.0.1:7009", 5000});
  REQUIRE(std::holds_alternative<change_result>(via));
  CHECK(std::get<change_result>(via).reason == direct.reason);
  CHECK(std::get<change_result>(via).detail == direct.detail);
  CHECK(refusal<change_result>(
          self, f.admin, admin_change_request{change_op::add_voter, "nohost"})
        == admin_refusal::bad_request);
  CHECK(refusal<change_result>(
          self, f.admin, admin_change_request{change_op::set, "h:1"})
        == admin_refusal::bad_request);
}

TEST_CASE("workers are bounded and their slots come back") {
  fixture none{"", 0};
  caf::scoped_actor self{none.sys};
  CHECK(refusal<admin_status_reply>(self, none.admin, admin_status_request{})
        == admin_refusal::busy);
  fixture one{"", 1};
  caf::scoped_actor client{one.sys};
  // A slot is free again once its worker ended; the actor learns that from
  // the worker's down message, which may trail its reply a little.
  for (int i = 0; i < 20; ++i) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    auto busy = [](const std::variant<admin_status_reply, caf::error>& x) {
      auto* e = std::get_if<caf::error>(&x);
      return e && refusal_of(*e) == admin_refusal::busy;
    };
    auto r = ask<admin_status_reply>(client, one.admin, admin_status_request{});
    while (busy(r) && std::chrono::steady_clock::now() < deadline)
      r = ask<admin_status_reply>(client, one.admin, admin_status_request{});
    CHECK(std::holds_alternative<admin_status_reply>(r));
  }
}
