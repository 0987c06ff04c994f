// flexsync-node: one flexsync node as a program. It serves a replicated
// counter and a replicated key-value store to a cluster of such programs
// over TCP, and reads commands from stdin (see node_console.hpp).
//
//   flexsync-node --self=127.0.0.1:7001
//                 --partners='["127.0.0.1:7002","127.0.0.1:7003"]'
//                 [--password-file=secret.txt] [--storage=disk --data-dir=d1]
//   flexsync-node ... --quorum='zones(fz=1,fn=0)'
//                 --zones=127.0.0.1:7001=us,127.0.0.1:7002=eu,...
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

namespace {

using namespace std::chrono_literals;
using namespace flexsync;

/// The program's options, from the command line and an optional CAF ini file
/// (section [global]). The scheduler is set explicitly: two threads unless
/// --scheduler.max-threads says otherwise, max-throughput 100 (system_config),
/// and the sharing policy: measured with process-bench on 2 cores, it halves
/// the blocking-call latency of work stealing (whose idle workers back off
/// into sleeps) at equal or better throughput.
struct program_config : flexsync::system_config {
  std::string self;
  std::string bind;
  std::vector<std::string> partners;
  bool join = false;
  std::string quorum = "majority";
  std::string zones;
  std::string weights;
  std::string password_file;
  std::string cluster_salt;
  std::string storage = "memory";
  std::string data_dir;
  std::string fsync = "always";
  std::string log_level = "info";
  bool no_console = false;
  std::string metrics_file;
  double metrics_interval = 10;
  std::string admin;
  std::string max_code_version;
  caf::timespan call_timeout = caf::timespan{5s};
  caf::timespan election_timeout_min = caf::timespan{160ms};
  bool lease_reads = false;
  caf::timespan clock_drift_bound = caf::timespan{20ms};
  caf::timespan election_timeout_max = caf::timespan{320ms};
  caf::timespan heartbeat_interval = caf::timespan{50ms};
  size_t max_frame_size = 64 * 1024 * 1024;

  program_config() : system_config(2) {
    set("scheduler.policy", caf::atom("sharing"));
    load<caf::io::middleman>();
    flexsync::admin::register_admin_types(*this);
    opt_group{custom_options_, "global"}
      .add(self, "self", "this node's address host:port (IPv4, [IPv6], name)")
      .add(bind, "bind",
           "listen on this host:port instead of --self (peers still dial "
           "--self, e.g. a proxy in front of the node)")
      .add(partners, "partners", "the other members' addresses (a list)")
      .add(join, "join",
           "join a running cluster: take its configuration from the leader "
           "(--partners says whom to reach); a voter once a member adds it "
           "(console add-node, flexsync-admin add)")
      .add(quorum, "quorum",
           "the quorum system, the same on every node: majority | "
           "counting(Q1,Q2) | grid(RxC[,elect=rows|columns][,order=a/b/..]) | "
           "weighted(election=W1,replication=W2) | zones(fz=F,fn=G) (see "
           "README, Quorum systems; a grid of two or more election lines needs "
           "owned terms, which are not supported yet)")
      .add(zones, "zones",
           "each voter's zone for --quorum=zones(...): "
           "HOST:PORT=ZONE,HOST:PORT=ZONE,... (every voter, self included)")
      .add(weights, "weights",
           "each voter's weight for --quorum=weighted(...): "
           "HOST:PORT=W,HOST:PORT=W,... (positive integers, every voter)")
      .add(password_file, "password-file",
           "file whose first line is the cluster password (none: plain TCP)")
      .add(cluster_salt, "cluster-salt",
           "per-cluster PBKDF2 salt (default: derived from the member list)")
      .add(storage, "storage", "memory | disk")
      .add(data_dir, "data-dir", "journal and snapshot folder (disk storage)")
      .add(fsync, "fsync", "always | periodic | never (disk storage)")
      .add(log_level, "log-level", "error | warning | info | debug")
      .add(no_console, "no-console", "do not read commands from stdin")
      .add(metrics_file, "metrics-file",
           "rewrite this file with Prometheus text (node_exporter's textfile "
           "collector; name it *.prom)")
      .add(metrics_interval, "metrics-interval",
           "seconds between two rewrites of --metrics-file")
      .add(admin, "admin",
           "publish the admin actor (flexsync-admin) on HOST:PORT, or on "
           "127.0.0.1:PORT when only a port is given; off by default")
      .add(max_code_version, "max-code-version",
           "the highest code version this node supports (default: the "
           "highest its objects declare, 2); set-version enables a version "
           "only when every voter supports it")
      .add(call_timeout, "call-timeout", "deadline of console calls")
      .add(election_timeout_min, "election-timeout-min",
           "shortest election timeout (Raft §5.2)")
      .add(election_timeout_max, "election-timeout-max",
           "longest election timeout")
      .add(heartbeat_interval, "heartbeat-interval",
           "how often the leader sends appends to idle followers")
      .add(lease_reads, "lease-reads",
           "answer 'get --lease' / 'kv --lease K' from the leader's lease "
           "(README, Linearizable reads)")
      .add(clock_drift_bound, "clock-drift-bound",
           "how much clocks may disagree over an election timeout; a lease "
           "lasts election-timeout-min minus this")
      .add(max_frame_size, "max-frame-size", "largest peer frame accepted");
  }
};

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

// -- configuration -------------------------------------------------------------

log_level parse_level(const std::string& x) {
  if (x == "error")
    return log_level::error;
  if (x == "warning")
    return log_level::warning;
  if (x == "info")
    return log_level::info;
  if (x == "debug")
    return log_level::debug;
  throw config_error("--log-level must be error, warning, info or debug");
}

fsync_policy parse_fsync(const std::string& x) {
  if (x == "always")
    return fsync_policy::always;
  if (x == "periodic")
    return fsync_policy::periodic;
  if (x == "never")
    return fsync_policy::never;
  throw config_error("--fsync must be always, periodic or never");
}

std::string read_password(const std::string& path) {
  std::ifstream in{path};
  std::string line;
  if (!in || !std::getline(in, line))
    throw config_error("cannot read the password file " + path);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  if (line.empty())
    throw config_error("the password file " + path + " starts with an empty line");
  return line;
}

node_config make_node_config(const program_config& pc) {
  node_config nc{pc.self, pc.partners};
  nc.join = pc.join;
  nc.quorum = parse_quorum_spec(pc.quorum);
  parse_zone_labels(pc.zones, nc.labels);
  parse_weight_labels(pc.weights, nc.labels);
  nc.default_call_timeout = pc.call_timeout;
  nc.election_timeout_min = pc.election_timeout_min;
  nc.lease_reads = pc.lease_reads;
  nc.clock_drift_bound = pc.clock_drift_bound;
  nc.election_timeout_max = pc.election_timeout_max;
  nc.heartbeat_interval = pc.heartbeat_interval;
  if (pc.storage == "disk") {
    if (pc.data_dir.empty())
      throw config_error("--storage=disk needs --data-dir");
    nc.persistence.data_dir = pc.data_dir;
  } else if (pc.storage != "memory") {
    throw config_error("--storage must be memory or disk");
  }
  nc.persistence.fsync = parse_fsync(pc.fsync);
  if (!pc.max_code_version.empty()) {
    nc.max_code_version = parse_code_version(pc.max_code_version);
    if (!nc.max_code_version)
      throw config_error("--max-code-version must be a number from 0 to "
                         "4294967295, got '" + pc.max_code_version + "'");
  }
  nc.normalize_and_validate();
  return nc;
}

tcp_transport_config make_transport_config(const program_config& pc,
                                           const node_config& nc) {
  tcp_transport_config tc;
  tc.self = nc.self;
  tc.partners = nc.partners;
  tc.bind_address = pc.bind;
  tc.max_frame_size = pc.max_frame_size;
  tc.level = parse_level(pc.log_level);
  tc.log_sink = stderr_sink();
  if (!pc.password_file.empty()) {
    tc.password = read_password(pc.password_file);
    tc.cluster_salt = pc.cluster_salt;
    if (tc.cluster_salt.empty() && pc.join)
      throw config_error("--join with a password needs --cluster-salt: the "
                         "salt of the cluster it joins");
    if (tc.cluster_salt.empty()) {
      // Every member derives the same salt from the same member list; two
      // clusters with different members never share a key. (A cluster whose
      // membership changes needs --cluster-salt: the list changes.)
      tc.cluster_salt = "flexsync-cluster";
      for (auto& v : nc.voters())
        tc.cluster_salt += " " + v.name;
    }
  }
  return tc;
}

/// Parses argv plus the file of --config-file=PATH only (never the implicit
/// caf-application.ini). Returns an exit code, or -1 to go on.
int parse(program_config& cfg, int argc, char** argv) {
  std::vector<char*> args;
  std::string ini_path;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i > 0 && a.rfind("--config-file=", 0) == 0)
      ini_path = std::string{a.substr(14)};
    else
      args.push_back(argv[i]);
  }
  std::stringstream ini;
  if (!ini_path.empty()) {
    std::ifstream f{ini_path};
    if (!f) {
      std::cerr << "cannot open config file " << ini_path << '\n';
      return 2;
    }
    ini << f.rdbuf();
  }
  if (auto err = cfg.parse(static_cast<int>(args.size()), args.data(), ini)) {
    std::cerr << "invalid options: " << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (!cfg.admin.empty() && !flexsync::admin::parse_admin_option(cfg.admin)) {
    std::cerr << "invalid options: --admin must be HOST:PORT or PORT, got '"
              << cfg.admin << "'\n";
    return 2;
  }
  if (!cfg.admin.empty()) {
    // The middleman carries only admin connections: heartbeats keep a
    // client's connection alive through a long request (clients drop one
    // that is silent for a few seconds), and a vanished client is dropped.
    cfg.set("middleman.heartbeat-interval", caf::timespan{1s});
    cfg.set("middleman.connection-timeout", caf::timespan{30s});
  }
  return -1;
}

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

int run(program_config& cfg) {
  if (!cfg.metrics_file.empty() && !(cfg.metrics_interval > 0))
    throw config_error("--metrics-interval must be a positive number of "
                       "seconds");
  auto nc = make_node_config(cfg);
  auto tc = make_transport_config(cfg, nc);
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
  node_options opts;
  opts.observer = &roles;
  // The node's own info lines repeat what role_logger says.
  opts.level = level == log_level::debug ? level : std::min(level, log_level::warning);
  opts.log_sink = stderr_sink();
  // A node that stopped itself serves nothing: leave (status 70), so that a
  // supervisor restarts the process from its durable state.
  static std::atomic<bool> failed{false};
  opts.on_failure = [](const std::string& why) {
    log_line("ERROR the node stopped itself (" + why + "); exiting");
    failed = true;
    kill(getpid(), SIGTERM);
  };
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
  _exit(failed ? 70 : 0);
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
