// kv-service: a replicated key-value service. Every process is one node of
// the cluster and also serves clients a line protocol over TCP on its own
// client port, on the host of --self (plain blocking sockets, a thread per
// client: blocking calls are for threads outside the node):
//
//   SET k v   ->  OK               (v is the rest of the line)
//   GET k     ->  VALUE v | NIL    (local: may be stale)
//   LGET k    ->  VALUE v | NIL    (linearizable)
//   DEL k     ->  OK
//   otherwise ->  ERR <reason>     (a failed write, or an unknown command)
//
// Writes go through the Raft log (a repl_dict) and answer once applied on
// this node; after `ERR timeout` the write may still be applied (SET and DEL
// are safe to retry). GET reads the local replica and may be stale (a
// lagging follower, a deposed leader that does not know it yet); LGET first
// passes a read barrier, so it sees every write acknowledged before it.
//
//   kv-service --self=127.0.0.1:7001 --client-port=8001
//              --partners='["127.0.0.1:7001","127.0.0.1:7002","127.0.0.1:7003"]'
//              [--data-dir=kv1]     # journal on disk; without it, memory
//   printf 'SET color blue\nGET color\n' | nc -q1 127.0.0.1 8001

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "state_machines/repl_dict.hpp"

using namespace std::chrono_literals;
using kv_dict = flexsync::repl_dict<std::string, std::string>;

struct config : flexsync::system_config {
  std::string self;
  std::vector<std::string> partners;
  uint16_t client_port = 0;
  std::string data_dir;
  config() : flexsync::system_config(2) {
    load<caf::io::middleman>();
    opt_group{custom_options_, "global"}
      .add(self, "self", "this node's Raft address host:port")
      .add(partners, "partners", "all members' Raft addresses (a list)")
      .add(client_port, "client-port", "client port, on the host of --self")
      .add(data_dir, "data-dir", "journal folder (none: memory storage)");
  }
};

/// The answer to one request line.
std::string answer(kv_dict& kv, const std::string& line) {
  std::istringstream in{line};
  std::string cmd, key, value;
  in >> cmd >> key >> std::ws;
  std::getline(in, value);
  try {
    if ((cmd == "GET" || cmd == "LGET") && !key.empty()) {
      if (cmd == "LGET")
        kv.barrier().get(5s); // linearizable from here on
      auto v = kv.get(key); // local read: may be stale without the barrier
      return v ? "VALUE " + *v : "NIL";
    }
    if (cmd == "SET" && !key.empty() && !value.empty()) {
      kv.set(key, value).get(5s); // returns once applied on this node
      return "OK";
    }
    if (cmd == "DEL" && !key.empty()) {
      kv.pop(key).get(5s);
      return "OK";
    }
    return "ERR unknown command (SET k v | GET k | LGET k | DEL k)";
  } catch (const flexsync::command_error& e) {
    return std::string{"ERR "} + flexsync::to_string(e.reason());
  } catch (const std::exception& e) {
    return std::string{"ERR "} + e.what();
  }
}

/// Answers the lines of one client until it closes the connection.
void serve(int fd, kv_dict& kv) {
  std::string buf;
  char chunk[4096];
  for (ssize_t n; (n = ::read(fd, chunk, sizeof(chunk))) > 0;) {
    buf.append(chunk, static_cast<size_t>(n));
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
      auto line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      auto out = answer(kv, line) + "\n";
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0)
        break;
    }
  }
  ::close(fd);
}

/// A listening TCP socket on host:port, or -1.
int listen_on(const std::string& host, uint16_t port) {
  addrinfo hints{.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM};
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res))
    return -1;
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  bool ok = fd >= 0 && ::bind(fd, res->ai_addr, res->ai_addrlen) == 0
            && ::listen(fd, 64) == 0;
  ::freeaddrinfo(res);
  if (!ok && fd >= 0)
    ::close(fd);
  return ok ? fd : -1;
}

int main(int argc, char** argv) {
  config cfg;
  std::istringstream no_ini; // never read a stray caf-application.ini
  if (auto err = cfg.parse(argc, argv, no_ini)) {
    std::cerr << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed || cfg.self.empty() || cfg.client_port == 0)
    return cfg.cli_helptext_printed ? 0 : 2; // --self and --client-port needed
  caf::actor_system sys{cfg};
  flexsync::tcp_transport_config tc;
  tc.self = flexsync::node_id{cfg.self};
  for (auto& p : cfg.partners)
    tc.partners.emplace_back(p);
  auto net = flexsync::spawn_tcp_transport(sys, tc);
  flexsync::wait_bound(sys, net, 30s);
  flexsync::node_config nc{cfg.self, cfg.partners};
  nc.persistence.data_dir = cfg.data_dir; // empty: memory
  kv_dict kv;
  flexsync::node n{sys, nc, net, {&kv}};
  auto host = cfg.self.substr(0, cfg.self.rfind(':'));
  int lfd = listen_on(host, cfg.client_port);
  if (lfd < 0) {
    std::perror("kv-service: cannot listen on the client port");
    return 1;
  }
  std::cout << "kv-service " << cfg.self << ": clients on " << host << ':'
            << cfg.client_port << std::endl;
  for (;;)
    if (int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC); fd >= 0)
      std::thread{serve, fd, std::ref(kv)}.detach();
}
