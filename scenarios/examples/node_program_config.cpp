#include "scenarios/examples/node_program_config.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include <caf/all.hpp>

#include "admin/admin_actor.hpp"
#include "admin/admin_cli.hpp"
#include "protocol/code_version.hpp"

namespace flexsync::examples {

program_config::program_config() : system_config(2) {
  set("scheduler.policy", caf::atom("sharing"));
  load<caf::io::middleman>();
  flexsync::admin::register_admin_types(*this);
  // In this order in --help.
  add_membership_options();
  add_quorum_options();
  add_security_options();
  add_storage_options();
  add_operation_options();
  add_tuning_options();
}

/// This node, its partners, and how it joins: as a member or read-only.
void program_config::add_membership_options() {
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
    .add(read_only, "read-only",
         "run as a read-only node that no configuration lists (--partners: "
         "the voters, started with --admit-non-member): it dials every "
         "voter, replicates and serves local reads, never votes or counts "
         "toward a quorum; commands are forwarded to the leader")
    .add(admit_non_member, "admit-non-member",
         "voters: admit read-only nodes that are not in the configuration "
         "(started with --read-only); off: they are refused");
}

/// The quorum system, the term mode and leader placement.
void program_config::add_quorum_options() {
  opt_group{custom_options_, "global"}
    .add(quorum, "quorum",
         "the quorum system, the same on every node: majority | "
         "counting(Q1,Q2) | grid(RxC[,elect=rows|columns][,order=a/b/..]) | "
         "weighted(election=W1,replication=W2) | zones(fz=F,fn=G) (see "
         "README, Quorum systems; counting with 2*Q1 <= n, or a grid of two "
         "or more election lines, needs --terms=owned)")
    .add(terms, "terms",
         "shared | owned, the same on every node: with owned terms each "
         "term names its only candidate, so election quorums need only meet "
         "replication quorums; membership is then static (README, Owned "
         "terms)")
    .add(zones, "zones",
         "each node's zone, HOST:PORT=ZONE,...: for --quorum=zones(...) "
         "(then every voter, self included) and for --preferred-zone")
    .add(priorities, "priorities",
         "leader placement: each node's priority, HOST:PORT=P,... (0 to "
         "1000000, default 0); the leader hands over on its own to a live, "
         "caught-up voter of higher priority")
    .add(preferred_zone, "preferred-zone",
         "leader placement: the leader belongs in this zone (label the "
         "nodes with --zones); before priorities")
    .add(follow_workload, "follow-workload",
         "leader placement: the leader moves to the zone that issues most "
         "commands (60% of 3 windows of 1 s in a row; label the nodes with "
         "--zones)")
    .add(weights, "weights",
         "each voter's weight for --quorum=weighted(...): "
         "HOST:PORT=W,HOST:PORT=W,... (positive integers, every voter)");
}

/// The cluster password.
void program_config::add_security_options() {
  opt_group{custom_options_, "global"}
    .add(password_file, "password-file",
         "file whose first line is the cluster password (none: plain TCP)")
    .add(cluster_salt, "cluster-salt",
         "per-cluster PBKDF2 salt (default: derived from the member list)");
}

/// Where and how the node keeps its state.
void program_config::add_storage_options() {
  opt_group{custom_options_, "global"}
    .add(storage, "storage", "memory | disk")
    .add(data_dir, "data-dir", "journal and snapshot folder (disk storage)")
    .add(fsync, "fsync", "always | periodic | never (disk storage)")
    .add(snapshot_entries, "snapshot-entries",
         "take a snapshot and compact the log after this many applied "
         "entries; 0 for never (100000)")
    .add(snapshot_bytes, "snapshot-bytes",
         "... or once the log holds this many bytes; 0 for never (256 MiB)")
    .add(snapshot_interval, "snapshot-interval",
         "... or this long after the last snapshot; 0 for never (the "
         "default)");
}

/// Logs, console, metrics, admin and code versions.
void program_config::add_operation_options() {
  opt_group{custom_options_, "global"}
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
         "only when every voter supports it");
}

/// Deadlines, timeouts, reads from the lease, frame size.
void program_config::add_tuning_options() {
  opt_group{custom_options_, "global"}
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

namespace {

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

} // namespace

node_config make_node_config(const program_config& pc) {
  node_config nc{pc.self, pc.partners};
  nc.join = pc.join;
  nc.read_only = pc.read_only;
  nc.admit_non_member = pc.admit_non_member;
  nc.quorum = parse_quorum_spec(pc.quorum);
  nc.terms = parse_term_mode(pc.terms);
  // Zones label nodes for a zones quorum system and for leader placement;
  // any other system takes no zone labels, so they go to placement only.
  if (nc.quorum->kind == quorum_kind::zones) {
    parse_zone_labels(pc.zones, nc.labels);
  } else {
    label_map zones;
    parse_zone_labels(pc.zones, zones);
    for (auto& [x, l] : zones)
      nc.placement.zone.emplace(x, *l.zone);
  }
  parse_priorities(pc.priorities, nc.placement.priority);
  nc.placement.preferred_zone = pc.preferred_zone;
  nc.placement.follow_workload = pc.follow_workload;
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
  nc.persistence.snapshot_threshold_entries = pc.snapshot_entries;
  nc.persistence.snapshot_threshold_bytes = pc.snapshot_bytes;
  if (pc.snapshot_interval < caf::timespan{0})
    throw config_error("--snapshot-interval must not be negative");
  nc.persistence.snapshot_interval = pc.snapshot_interval;
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
                                           const node_config& nc,
                                           logger::sink_fn sink) {
  tcp_transport_config tc;
  tc.self = nc.self;
  tc.partners = nc.partners;
  tc.bind_address = pc.bind;
  // A read-only node of this program is never listed by the voters: it
  // dials them all, flagged as a learner.
  tc.read_only = nc.read_only;
  tc.admit_learners = nc.admit_non_member;
  tc.max_frame_size = pc.max_frame_size;
  tc.level = parse_level(pc.log_level);
  tc.log_sink = std::move(sink);
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

} // namespace flexsync::examples
