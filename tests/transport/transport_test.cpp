// TCP transports inside one actor system on loopback, with stand-in nodes
// that record what is delivered: linking, message exchange with and without
// a password, addresses (IPv4, IPv6, names), bind failures, and recovery from
// dropped links and dead peers.

#include <algorithm>

#include <catch2/catch.hpp>

#include "actors/transport/wire/tcp_socket.hpp"
#include "protocol/appends.hpp"
#include "protocol/votes.hpp"
#include "tests/transport/tcp_fixture.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

/// An actor system with transports that are stopped at the end.
struct tcp_world {
  tcp_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> transports;

  caf::actor spawn(tcp_transport_config c) {
    auto t = spawn_tcp_transport(sys, std::move(c));
    transports.push_back(t);
    return t;
  }

  void stop(const caf::actor& t) {
    caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
  }

  ~tcp_world() {
    for (auto& t : transports)
      stop(t);
  }
};

/// `n` node ids "<id_host>:<free port>", sorted, so ids[0] is the smallest
/// address (it never dials); ports are probed on `port_host`.
std::vector<std::string> ids_on(const std::string& id_host, size_t n,
                                const std::string& port_host = "127.0.0.1") {
  std::vector<std::string> result;
  for (auto p : free_ports(n, port_host))
    result.push_back(address(id_host, p));
  std::sort(result.begin(), result.end());
  return result;
}

bool linked(tcp_world& w, const caf::actor& t, size_t n) {
  return transport_status(w.sys, t).links.size() == n;
}

void send(const caf::actor& t, const std::string& from, const std::string& to,
          caf::message msg) {
  caf::anon_send(t, peer_send_atom::value, node_id{from}, node_id{to},
                 std::move(msg));
}

request_vote vote_request(const std::string& candidate, uint64_t term) {
  request_vote rv;
  rv.term = term_t{term};
  rv.candidate = node_id{candidate};
  rv.last_log_index = index_t{7};
  rv.last_log_term = term_t{2};
  return rv;
}

} // namespace

TEST_CASE("two transports link and exchange protocol messages",
          "[transport][tcp]") {
  auto password = GENERATE(std::string{}, std::string{"secret"});
  INFO("password: '" << password << "'");
  tcp_world w;
  auto ids = ids_on("127.0.0.1", 2);
  log_capture la, lb;
  auto ca = fast_config(ids[0], ids);
  auto cb = fast_config(ids[1], ids);
  ca.password = cb.password = password;
  ca.cluster_salt = cb.cluster_salt = "cluster-1";
  ca.log_sink = la.sink();
  cb.log_sink = lb.sink();
  auto a = w.spawn(ca);
  auto b = w.spawn(cb);
  REQUIRE(wait_bound(w.sys, a, tcp_patience));
  REQUIRE(wait_bound(w.sys, b, tcp_patience));
  recorder ra{w.sys}, rb{w.sys};
  caf::anon_send(a, register_atom::value, node_id{ids[0]}, ra.endpoints());
  caf::anon_send(b, register_atom::value, node_id{ids[1]}, rb.endpoints());
  REQUIRE(wait_until([&] { return linked(w, a, 1) && linked(w, b, 1); }));
  CHECK(transport_status(w.sys, a).links == std::vector{node_id{ids[1]}});
  auto mode = password.empty() ? "(unencrypted)" : "(encrypted)";
  CHECK(la.count(mode) == 1);
  CHECK(lb.count(mode) == 1);
  send(a, ids[0], ids[1], caf::make_message(vote_request(ids[0], 3)));
  REQUIRE(wait_until([&] { return rb.of<request_vote>().size() == 1; }));
  auto rv = rb.of<request_vote>().front();
  CHECK(rv.term == term_t{3});
  CHECK(rv.candidate == node_id{ids[0]});
  CHECK(rv.last_log_index == index_t{7});
  // Many appends, including a large one, arrive complete and in order.
  for (uint64_t i = 1; i <= 500; ++i) {
    append_entries ae;
    ae.term = term_t{3};
    ae.leader = node_id{ids[1]};
    ae.prev_log_index = index_t{i};
    log_entry e;
    e.index = index_t{i + 1};
    e.data = std::string(i == 250 ? 1024 * 1024 : 16, 'x');
    ae.entries.push_back(e);
    send(b, ids[1], ids[0], caf::make_message(ae));
  }
  REQUIRE(wait_until([&] { return ra.of<append_entries>().size() == 500; }));
  auto got = ra.of<append_entries>();
  for (uint64_t i = 1; i <= 500; ++i)
    CHECK(got[i - 1].prev_log_index == index_t{i});
  CHECK(got[249].entries.front().data.size() == 1024 * 1024);
  // Nothing was rejected on the way.
  CHECK(transport_status(w.sys, a).rejected == 0);
  CHECK(transport_status(w.sys, b).rejected == 0);
}

TEST_CASE("three transports form a full mesh, self in partners is ignored",
          "[transport][tcp]") {
  tcp_world w;
  auto ids = ids_on("127.0.0.1", 3);
  std::vector<caf::actor> ts;
  for (auto& id : ids)
    ts.push_back(w.spawn(fast_config(id, ids)));
  REQUIRE(wait_until([&] {
    return std::all_of(ts.begin(), ts.end(),
                       [&](auto& t) { return linked(w, t, 2); });
  }));
  for (size_t i = 0; i < ids.size(); ++i) {
    auto links = transport_status(w.sys, ts[i]).links;
    CHECK(std::find(links.begin(), links.end(), node_id{ids[i]}) ==
          links.end());
  }
}

TEST_CASE("IPv6 literals and host names work", "[transport][tcp]") {
  auto style = GENERATE(std::string{"ipv6"}, std::string{"ipv6-brackets"},
                        std::string{"localhost"}, std::string{"ipv4"});
  INFO(style);
  tcp_world w;
  auto ids = style == "ipv4"        ? ids_on("127.0.0.1", 2)
             : style == "localhost" ? ids_on("localhost", 2)
             : style == "ipv6"      ? ids_on("::1", 2, "::1")
                                    : ids_on("[::1]", 2, "::1");
  auto a = w.spawn(fast_config(ids[0], ids));
  auto b = w.spawn(fast_config(ids[1], ids));
  REQUIRE(wait_bound(w.sys, a, tcp_patience));
  recorder rb{w.sys};
  caf::anon_send(b, register_atom::value, node_id{ids[1]}, rb.endpoints());
  REQUIRE(wait_until([&] { return linked(w, a, 1) && linked(w, b, 1); }));
  send(a, ids[0], ids[1], caf::make_message(vote_request(ids[0], 1)));
  CHECK(wait_until([&] { return rb.of<request_vote>().size() == 1; }));
}

TEST_CASE("a taken port is retried, then reported as a bind error",
          "[transport][tcp][bind]") {
  tcp_world w;
  auto ids = ids_on("127.0.0.1", 2);
  auto port = net::parse_address(ids[0])->port;
  auto blocker =
      net::listen_on(net::resolve({"127.0.0.1", port}).addresses, {});
  REQUIRE(blocker.error.empty());
  SECTION("with a retry limit, wait_bound throws") {
    log_capture logs;
    auto c = fast_config(ids[0], ids);
    c.max_bind_retries = 3;
    c.bind_retry_time = 20ms;
    c.log_sink = logs.sink();
    auto t = w.spawn(c);
    try {
      wait_bound(w.sys, t, tcp_patience);
      FAIL("wait_bound did not throw");
    } catch (const bind_error& e) {
      CHECK(std::string{e.what()}.find("Address already in use") !=
            std::string::npos);
      CHECK(std::string{e.what()}.find("gave up after 3 attempts") !=
            std::string::npos);
    }
    CHECK(transport_status(w.sys, t).bind ==
          tcp_transport_status::bind_state::failed);
    CHECK(logs.count("cannot listen on") == 3);
  }
  SECTION("retrying forever, it binds once the port is free") {
    auto t = w.spawn(fast_config(ids[0], ids));
    REQUIRE(wait_until(
        [&] { return !transport_status(w.sys, t).bind_error.empty(); }));
    CHECK(transport_status(w.sys, t).bind ==
          tcp_transport_status::bind_state::binding);
    net::close_socket(blocker.fds[0]);
    blocker.fds.clear();
    CHECK(wait_bound(w.sys, t, tcp_patience));
    CHECK(transport_status(w.sys, t).port == port);
  }
  for (auto fd : blocker.fds)
    net::close_socket(fd);
}

TEST_CASE("dropped links and a restarted peer come back",
          "[transport][tcp][recovery]") {
  tcp_world w;
  auto ids = ids_on("127.0.0.1", 2);
  log_capture la;
  auto ca = fast_config(ids[0], ids);
  ca.log_sink = la.sink();
  auto a = w.spawn(ca);
  auto b = w.spawn(fast_config(ids[1], ids));
  recorder ra{w.sys};
  caf::anon_send(a, register_atom::value, node_id{ids[0]}, ra.endpoints());
  REQUIRE(wait_until([&] { return linked(w, a, 1) && linked(w, b, 1); }));
  SECTION("dropped by force") {
    drop_links(a);
    REQUIRE(wait_until([&] { return la.count("connected to") == 2; }));
    CHECK(la.count("dropped link to " + ids[1]) == 1);
  }
  SECTION("the peer dies and restarts on the same address") {
    w.stop(b);
    REQUIRE(wait_until([&] { return la.count("disconnected from") == 1; }));
    CHECK(linked(w, a, 0));
    auto b2 = w.spawn(fast_config(ids[1], ids));
    REQUIRE(wait_until([&] { return la.count("connected to") == 2; }));
    b = b2;
  }
  REQUIRE(wait_until([&] { return linked(w, a, 1) && linked(w, b, 1); }));
  send(b, ids[1], ids[0], caf::make_message(vote_request(ids[1], 9)));
  CHECK(wait_until([&] { return ra.of<request_vote>().size() == 1; }));
}

TEST_CASE("a wrong password never completes a link",
          "[transport][tcp][password]") {
  tcp_world w;
  auto ids = ids_on("127.0.0.1", 3);
  std::vector<log_capture> logs(3);
  std::vector<caf::actor> ts;
  std::vector<std::unique_ptr<recorder>> rs;
  for (size_t i = 0; i < 3; ++i) {
    auto c = fast_config(ids[i], ids);
    // The middle node (it both dials and accepts) has the wrong password.
    c.password = i == 1 ? "guess" : "right";
    c.cluster_salt = "cluster-1";
    c.log_sink = logs[i].sink();
    ts.push_back(w.spawn(c));
    rs.push_back(std::make_unique<recorder>(w.sys));
    caf::anon_send(ts[i], register_atom::value, node_id{ids[i]},
                   rs[i]->endpoints());
  }
  // 0 and 2 link; 1 is refused by both, once as dialer and once as acceptor.
  REQUIRE(
      wait_until([&] { return linked(w, ts[0], 1) && linked(w, ts[2], 1); }));
  REQUIRE(wait_until([&] {
    return logs[0].contains("authentication failed") &&
           logs[2].contains("authentication failed") &&
           logs[1].count("authentication failed") >= 2;
  }));
  CHECK(transport_status(w.sys, ts[0]).links == std::vector{node_id{ids[2]}});
  CHECK(transport_status(w.sys, ts[1]).links.empty());
  CHECK(transport_status(w.sys, ts[0]).rejected >= 1);
  // Messages to the intruder go nowhere; the others still talk.
  send(ts[0], ids[0], ids[1], caf::make_message(vote_request(ids[0], 4)));
  send(ts[0], ids[0], ids[2], caf::make_message(vote_request(ids[0], 4)));
  send(ts[1], ids[1], ids[0], caf::make_message(vote_request(ids[1], 5)));
  REQUIRE(wait_until([&] { return rs[2]->of<request_vote>().size() == 1; }));
  CHECK(rs[1]->messages().empty());
  CHECK(rs[0]->messages().empty());
}
