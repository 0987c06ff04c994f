// flexsync-admin: asks a running flexsync-node, through its admin port
// (flexsync-node --admin=HOST:PORT), for its status, health or metrics, to
// add or remove members, or to take a snapshot. PySyncObj's syncobj_admin
// spellings work too. `flexsync-admin --help` lists everything;
// admin/admin_cli.hpp parses the command line, admin/admin_format.hpp
// decides what is printed and the exit code, admin/admin_client.hpp talks
// to the node.
//
// The whole command is bounded by --timeout: CAF's heartbeats drop a port
// that never answers, every request carries the time left, and a watchdog
// ends the program with one line should anything still block (a connect
// to an address that drops packets blocks in the kernel).
//
// No CAF config file is read (no caf-application.ini from the working
// directory either): the actor system is configured in code only.

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node/system_config.hpp"
#include "admin/admin_cli.hpp"
#include "admin/admin_client.hpp"
#include "admin/admin_format.hpp"
#include "admin/admin_types.hpp"

namespace {

using namespace flexsync;
using namespace flexsync::admin;
using namespace std::chrono_literals;

struct client_config : flexsync::system_config {
  explicit client_config(std::chrono::milliseconds timeout)
    : system_config(2) {
    load<caf::io::middleman>();
    register_admin_types(*this);
    client_settings(*this, timeout);
  }
};

std::string seconds(double x) {
  std::ostringstream out;
  out << x << " s";
  return out.str();
}

/// Prints the result exactly once: either the program's, or the
/// watchdog's timeout line when the deadline passed (plus a grace period
/// for the program's own timeout answer) and the program still blocks.
class watchdog {
public:
  watchdog(const cli_options& o, clock::time_point deadline)
    : line_(fail_line(o, "timeout: no answer from " + o.conn + " within "
                           + seconds(o.timeout_seconds))) {
    thread_ = std::thread{[this, deadline] {
      std::unique_lock<std::mutex> guard{mtx_};
      if (cv_.wait_until(guard, deadline + 500ms, [this] { return done_; }))
        return;
      done_ = true;
      std::cerr << line_ << std::endl;
      ::_exit(static_cast<int>(exit_code::timeout));
    }};
  }

  /// Prints `x` unless the watchdog fired; returns its exit code.
  int finish(const output& x) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (done_)
        return static_cast<int>(exit_code::timeout);
      done_ = true;
      std::cout << x.out << std::flush;
      std::cerr << x.err << std::flush;
    }
    cv_.notify_all();
    thread_.join();
    return static_cast<int>(x.code);
  }

private:
  std::string line_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// Sends `req` and formats the reply with `fmt`, or the failure.
template <class Reply, class Request, class Format>
output ask(admin_client& c, const cli_options& o, const Request& req,
           Format fmt) {
  auto r = c.call<Reply>(req);
  if (auto* f = std::get_if<client_failure>(&r)) {
    if (c.last_refusal)
      return format_refusal(o, *c.last_refusal, c.last_refusal_detail);
    return failure(o, f->code, f->why);
  }
  return fmt(std::get<Reply>(r));
}

uint32_t millis(std::chrono::milliseconds x) {
  return static_cast<uint32_t>(std::min<int64_t>(x.count(), 600'000));
}

output dispatch(admin_client& c, const cli_options& o) {
  // Node-side bounds leave room for the answer to travel back in time.
  auto gather = millis(std::min<std::chrono::milliseconds>(2s, c.left() / 2));
  auto node_timeout = [&] {
    return std::max<std::chrono::milliseconds>(c.left() - 500ms, 100ms);
  };
  auto change = [&](change_op op) {
    return ask<change_result>(
      c, o, admin_change_request{op, o.arg, millis(node_timeout())},
      [&](const change_result& r) { return format_change(o, r); });
  };
  auto outcome = [&](const change_result& r) { return format_change(o, r); };
  switch (o.cmd) {
    case command::status:
      return ask<admin_status_reply>(
        c, o, admin_status_request{gather},
        [&](const admin_status_reply& r) { return format_status(o, r); });
    case command::health:
      return ask<admin_health_reply>(
        c, o, admin_health_request{o.max_lag, gather},
        [&](const admin_health_reply& r) { return format_health(o, r); });
    case command::metrics:
      return ask<admin_metrics_reply>(
        c, o, admin_metrics_request{gather},
        [](const admin_metrics_reply& r) { return format_metrics(r); });
    case command::add:
      return change(change_op::add_voter);
    case command::add_learner:
      return change(change_op::add_learner);
    case command::remove:
      return change(change_op::remove);
    case command::set_version:
      return ask<change_result>(
        c, o, admin_set_version_request{o.version, millis(node_timeout())},
        outcome);
    case command::transfer:
      return ask<change_result>(
        c, o, admin_transfer_request{o.arg, millis(node_timeout())}, outcome);
    default:
      return ask<change_result>(c, o, admin_compact_request{}, outcome);
  }
}

std::string since(clock::time_point t0) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f ms",
                std::chrono::duration<double, std::milli>(clock::now() - t0)
                  .count());
  return buf;
}

output run(const cli_options& o, const std::optional<std::string>& password,
           std::chrono::milliseconds timeout, clock::time_point deadline) {
  // Never destroyed: the program ends with _exit once the answer is printed,
  // so a connection stuck in the kernel cannot hold up its shutdown.
  auto* cfg = new client_config{timeout};
  auto* sys = new caf::actor_system{*cfg};
  admin_client c{*sys, deadline};
  auto t0 = clock::now();
  if (auto f = c.connect(o.host, o.port))
    return failure(o, f->code, f->why);
  auto connected = since(t0);
  auto t1 = clock::now();
  if (password)
    if (auto f = c.login(*password))
      return failure(o, f->code, f->why);
  auto logged_in = since(t1);
  auto t2 = clock::now();
  auto result = dispatch(c, o);
  if (o.timings)
    std::cerr << "timings: connect " << connected << ", login "
              << (password ? logged_in : std::string{"-"}) << ", request "
              << since(t2) << std::endl;
  return result;
}

} // namespace

int main(int argc, char** argv) {
  auto parsed = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (parsed.help) {
    std::cout << usage_text();
    return 0;
  }
  if (!parsed.options) {
    std::cerr << "flexsync-admin: " << parsed.error << " (see --help)\n";
    return static_cast<int>(exit_code::usage);
  }
  auto& o = *parsed.options;
  auto password = o.password;
  if (!o.password_file.empty()) {
    password = read_password_file(o.password_file);
    if (!password) {
      std::cerr << "flexsync-admin: cannot read a password from "
                << o.password_file << " (its first line is the password)\n";
      return static_cast<int>(exit_code::usage);
    }
  }
  auto timeout = std::chrono::milliseconds{
    static_cast<int64_t>(o.timeout_seconds * 1000)};
  auto deadline = clock::now() + timeout;
  watchdog dog{o, deadline};
  auto rc = dog.finish(run(o, password, timeout, deadline));
  ::_exit(rc);
}
