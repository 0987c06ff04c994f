// The admin client (admin/admin_client.hpp) against fake admin actors
// published through the middleman in this process: an actor that never
// answers (the request times out at the deadline), an impostor that takes
// any password but cannot prove it back (the login fails), a node without
// a password, and a closed port.

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>

#include "actors/node/system_config.hpp"
#include "admin/admin_auth.hpp"
#include "admin/admin_client.hpp"

using namespace flexsync;
using namespace flexsync::admin;
using namespace std::chrono_literals;

namespace {

struct client_config : flexsync::system_config {
  client_config() : system_config(2) {
    load<caf::io::middleman>();
    register_admin_types(*this);
    client_settings(*this, 3s);
  }
};

/// Claims a password, accepts any proof, answers with a random one, and
/// never answers a status request.
admin_actor::behavior_type impostor(admin_actor::pointer self,
                                    bool password) {
  auto never = [self] { return self->make_response_promise<change_result>(); };
  return {
    [=](const admin_challenge_request&) {
      return admin_challenge{admin_protocol_version, password, "salt",
                             password ? fresh_nonce() : bytes{}};
    },
    [=](const admin_login&) { return admin_login_reply{fresh_nonce()}; },
    [=](const admin_status_request&) {
      return self->make_response_promise<admin_status_reply>();
    },
    [=](const admin_change_request&) { return never(); },
    [=](const admin_health_request&) {
      return self->make_response_promise<admin_health_reply>();
    },
    [=](const admin_metrics_request&) {
      return self->make_response_promise<admin_metrics_reply>();
    },
    [=](const admin_set_version_request&) { return never(); },
    [=](const admin_transfer_request&) { return never(); },
    [=](const admin_compact_request&) { return never(); },
  };
}

struct fixture {
  client_config cfg;
  caf::actor_system sys{cfg};
  std::vector<admin_actor> spawned;

  /// The actor system waits for every actor at its end: stop them.
  ~fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  admin_actor spawn(bool password) {
    spawned.push_back(sys.spawn(impostor, password));
    return spawned.back();
  }

  uint16_t publish(bool password) {
    auto port = sys.middleman().publish(spawn(password), 0, "127.0.0.1", true);
    REQUIRE(port);
    return *port;
  }
};

} // namespace

TEST_CASE("a request that gets no answer fails as a timeout at the "
          "deadline") {
  fixture f;
  auto port = f.publish(false);
  admin_client c{f.sys, clock::now() + 1s};
  REQUIRE_FALSE(c.connect("127.0.0.1", port));
  auto start = clock::now();
  auto r = c.call<admin_status_reply>(admin_status_request{});
  REQUIRE(std::holds_alternative<client_failure>(r));
  auto& f1 = std::get<client_failure>(r);
  CHECK(f1.code == exit_code::timeout);
  CHECK(f1.why.rfind("timeout: no answer from 127.0.0.1:", 0) == 0);
  CHECK(clock::now() - start < 10s);
}

TEST_CASE("a node that cannot prove the password is refused") {
  fixture f;
  admin_client c{f.sys, clock::now() + 10s};
  REQUIRE_FALSE(c.connect("127.0.0.1", f.publish(true)));
  auto failed = c.login("any");
  REQUIRE(failed);
  CHECK(failed->code == exit_code::auth);
  CHECK(failed->why == "the node did not prove the same password");
  admin_client d{f.sys, clock::now() + 10s};
  REQUIRE_FALSE(d.connect("127.0.0.1", f.publish(false)));
  failed = d.login("any");
  REQUIRE(failed);
  CHECK(failed->code == exit_code::auth);
  CHECK(failed->why.find("no cluster password") != std::string::npos);
}

TEST_CASE("a closed port is unreachable") {
  fixture f;
  // A port that was free a moment ago: publish and unpublish one.
  auto a = f.spawn(false);
  auto port = f.sys.middleman().publish(a, 0, "127.0.0.1", true);
  REQUIRE(port);
  REQUIRE(f.sys.middleman().unpublish(a, *port));
  admin_client c{f.sys, clock::now() + 10s};
  auto failed = c.connect("127.0.0.1", *port);
  REQUIRE(failed);
  CHECK(failed->code == exit_code::unreachable);
  CHECK(failed->why.find("cannot connect to 127.0.0.1:") == 0);
}
