// flexsync-node: one flexsync node as a program. It serves a replicated
// counter and a replicated key-value store to a cluster of such programs
// over TCP, and reads commands from stdin (see node_console.hpp).
//
//   flexsync-node --self=127.0.0.1:7001
//                 --partners='["127.0.0.1:7002","127.0.0.1:7003"]'
//                 [--password-file=secret.txt] [--storage=disk --data-dir=d1]
//   flexsync-node ... --quorum='zones(fz=1,fn=0)'
//                 --zones=127.0.0.1:7001=us,127.0.0.1:7002=eu,...
//   flexsync-node ... --zones=127.0.0.1:7001=us,... --preferred-zone=us
//                 [--priorities=127.0.0.1:7001=2,...]  # leader placement
//   flexsync-node --config-file=node1.ini      # the same as a CAF ini file
//   flexsync-node ... --metrics-file=/var/lib/node_exporter/flexsync.prom
//                     [--metrics-interval=10]   # Prometheus text, rewritten
//   flexsync-node --self=127.0.0.1:7001 --bind=127.0.0.1:7101 ...
//                 # listen on 7101, known to peers as 7001 (behind a proxy)
//   flexsync-node ... --admin=7201   # admin actor on 127.0.0.1:7201, for
//                                    # flexsync-admin (admin/)
//   flexsync-node ... --max-code-version=1   # run as a binary that knows
//                                    # code versions up to 1 (the demo
//                                    # tally declares 2; README,
//                                    # Zero-downtime deploys)
//
// Only a config file named on the command line is read; a caf-application.ini
// lying in the working directory is ignored. Logs go to stderr, one line per
// role change, leader change, and peer connect/disconnect. SIGINT, SIGTERM or
// `quit` stop the node cleanly; at the end of stdin the node keeps serving.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <memory>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node/node.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "admin/admin_actor.hpp"
#include "admin/admin_cli.hpp"
#include "protocol/code_version.hpp"
#include "protocol/metrics.hpp"
#include "scenarios/examples/metrics_file.hpp"
#include "scenarios/examples/node_console.hpp"
#include "scenarios/examples/node_program_config.hpp"

namespace {

using namespace std::chrono_literals;
using namespace flexsync;
using examples::make_node_config;
using examples::make_transport_config;
using examples::parse;
using examples::parse_level;
using examples::program_config;

// -- logging --------------------------------------------------------------------

std::mutex log_mtx;

/// Writes one stderr line with a wall-clock time stamp.
void log_line(std::string_view line) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
  std::lock_guard<std::mutex> guard{log_mtx};
  std::cerr << stamp << '.' << std::setw(3) << std::setfill('0') << ms << ' '
            << line << std::endl;
}

logger::sink_fn stderr_sink() {
  return [](log_level, std::string_view line) { log_line(line); };
}

/// One line per role change and per leader change, from the election actor.
class role_logger : public node_observer {
public:
  void on_role_change(const node_id& self, raft_role role, term_t term,
                      const node_id& leader) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto t = to_string(term);
    if (role != role_)
      log_line("INFO " + self.name + ": role " + to_string(role_) + " -> "
               + to_string(role) + " (term " + t + ")");
    if (leader != leader_)
      log_line("INFO " + self.name + ": leader "
               + (leader.empty() ? std::string{"unknown"} : leader.name)
               + " (term " + t + ")");
    role_ = role;
    leader_ = leader;
  }

private:
  std::mutex mtx_;
  raft_role role_ = raft_role::follower;
  node_id leader_;
};

// -- admin -------------------------------------------------------------------

/// Publishes the admin actor of `n` on --admin (checked by parse()).
void start_admin(caf::actor_system& sys, node& n, const std::string& where,
                 const tcp_transport_config& tc) {
  auto addr = flexsync::admin::parse_admin_option(where);
  auto full = addr->host + ":" + std::to_string(addr->port);
  auto self = tc.self.name;
  flexsync::admin::admin_options opts;
  opts.password = tc.password;
  opts.cluster_salt = tc.cluster_salt;
  opts.warn = [self](const std::string& line) {
    log_line("WARN " + self + ": " + line);
  };
  auto a = flexsync::admin::spawn_admin(sys, n, std::move(opts));
  auto port = flexsync::admin::publish_admin(sys, a, addr->host, addr->port);
  if (!port) {
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    throw bind_error("cannot publish the admin actor on " + full + ": "
                     + sys.render(port.error()));
  }
  log_line("INFO " + self + ": admin actor on " + addr->host + ":"
           + std::to_string(*port)
           + (tc.password.empty() ? " (no password)" : " (password)"));
  if (!flexsync::admin::is_loopback_host(addr->host))
    // CAF 0.17's protocol (BASP) trusts the payload length a client
    // announces, before any password check (README, "Admin tool").
    log_line("WARN " + self + ": the admin port is reachable from other "
             "hosts; any client that connects can make this node allocate "
             "up to 4 GiB per connection: keep it behind a firewall");
}

/// start_admin, or, when publishing fails, stops the node and the transport
/// (the actor system waits for every actor before main can return) and
/// throws.
void start_admin_or_stop(caf::actor_system& sys, std::unique_ptr<node>& owner,
                         const caf::actor& transport, const std::string& where,
                         const tcp_transport_config& tc) {
  try {
    start_admin(sys, *owner, where, tc);
  } catch (...) {
    owner.reset();
    caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
    throw;
  }
}

// -- main ------------------------------------------------------------------------

/// Reads commands until quit or end of input, then asks main to stop.
void console_loop(examples::console_target target, bool exit_on_eof) {
  std::string line;
  bool quit = false;
  while (!quit && std::getline(std::cin, line)) {
    if (line.empty())
      continue;
    auto answer = examples::run_command(target, line);
    quit = line == "quit";
    std::cout << answer << std::endl;
  }
  if (quit || exit_on_eof)
    kill(getpid(), SIGTERM);
}

/// Set when the node stopped itself (node_options::on_failure).
std::atomic<bool> node_failed{false};

/// The node's options in this program: its log level and sink, role lines
/// from `roles`, and leaving with status 70 when the node stops itself.
node_options program_node_options(log_level level, role_logger& roles) {
  node_options opts;
  opts.observer = &roles;
  // The node's own info lines repeat what role_logger says.
  opts.level = level == log_level::debug ? level
                                         : std::min(level, log_level::warning);
  opts.log_sink = stderr_sink();
  // A node that stopped itself serves nothing: leave (status 70), so that a
  // supervisor restarts the process from its durable state. The node has
  // already logged why, in one ERROR line ("stopping the node (...): ...");
  // repeating it here would say it twice.
  opts.on_failure = [](const std::string&) {
    log_line("ERROR the node stopped itself; exiting with status 70");
    node_failed = true;
    kill(getpid(), SIGTERM);
  };
  return opts;
}

int run(program_config& cfg) {
  if (!cfg.metrics_file.empty() && !(cfg.metrics_interval > 0))
    throw config_error("--metrics-interval must be a positive number of "
                       "seconds");
  auto nc = make_node_config(cfg);
  auto tc = make_transport_config(cfg, nc, stderr_sink());
  auto level = parse_level(cfg.log_level);
  caf::actor_system sys{cfg};
  auto transport = spawn_tcp_transport(sys, tc);
  if (!wait_bound(sys, transport, 30s))
    throw bind_error("cannot listen on "
                     + (tc.bind_address.empty() ? nc.self.name : tc.bind_address)
                     + " within 30s");
  repl_counter counter;
  examples::kv_store kv;
  examples::payload_sink sink;
  examples::versioned_tally tally;
  role_logger roles;
  auto opts = program_node_options(level, roles);
  std::unique_ptr<node> owner;
  try {
    owner = std::make_unique<node>(
      sys, nc, transport,
      std::vector<replicated_object*>{&counter, &kv, &sink, &tally}, opts);
  } catch (...) {
    caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
    throw;
  }
  auto& n = *owner;
  log_line("INFO " + nc.self.name + ": serving a counter and a key-value store ("
           + cfg.storage + (tc.password.empty() ? ", no password" : ", password")
           + ", code versions up to " + std::to_string(n.code_version()) + ")");
  examples::console_target target{&sys,  &n,     transport,      &counter,
                                  &kv,   &sink, &tally,         cfg.call_timeout};
  if (!cfg.admin.empty())
    start_admin_or_stop(sys, owner, transport, cfg.admin, tc);
  if (!cfg.no_console)
    std::thread{console_loop, target, false}.detach();
  std::unique_ptr<examples::metrics_file_writer> metrics_writer;
  if (!cfg.metrics_file.empty())
    metrics_writer = std::make_unique<examples::metrics_file_writer>(
      n, cfg.metrics_file, cfg.metrics_interval,
      [](const std::string& line) { log_line("WARNING " + line); });
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_line("INFO " + nc.self.name + ": stopping");
  metrics_writer.reset();
  n.stop();
  caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
  // The console thread may sit in a blocking read; leave without joining.
  std::cout.flush();
  std::cerr.flush();
  _exit(node_failed ? 70 : 0);
}

} // namespace

int main(int argc, char** argv) {
  // Every thread (CAF's included) inherits this mask; main takes the signals
  // with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  program_config cfg;
  if (auto rc = parse(cfg, argc, argv); rc >= 0)
    return rc;
  try {
    return run(cfg);
  } catch (const std::exception& e) {
    std::cerr << "flexsync-node: " << e.what() << '\n';
    return 1;
  }
}
