#pragma once

// flexsync-node's options (command line and an optional CAF ini file) and
// how they become the node's and the transport's configurations.

#include <chrono>
#include <string>
#include <vector>

#include <caf/io/middleman.hpp>

#include "actors/node/logger.hpp"
#include "actors/node/system_config.hpp"
#include "actors/transport/tcp_transport.hpp"
#include "protocol/config.hpp"

namespace flexsync::examples {

using namespace std::chrono_literals;

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
  bool read_only = false;
  bool admit_non_member = false;
  std::string quorum = "majority";
  /// shared | owned (node_config::terms).
  std::string terms = "shared";
  std::string zones;
  std::string weights;
  std::string password_file;
  std::string cluster_salt;
  std::string storage = "memory";
  std::string data_dir;
  std::string fsync = "always";
  /// Log compaction triggers (persistence_options::snapshot_threshold_*).
  size_t snapshot_entries = 100000;
  size_t snapshot_bytes = 256ull << 20;
  caf::timespan snapshot_interval = caf::timespan{0};
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

  /// Leader placement (node_config::placement).
  std::string priorities;
  std::string preferred_zone;
  bool follow_workload = false;

  program_config();

private:
  // The option groups, registered in this order (--help lists them so).
  void add_membership_options();
  void add_quorum_options();
  void add_security_options();
  void add_storage_options();
  void add_operation_options();
  void add_tuning_options();
};

log_level parse_level(const std::string& x);

/// @throws config_error with one line saying what is wrong.
node_config make_node_config(const program_config& pc);

/// @throws config_error with one line saying what is wrong.
tcp_transport_config make_transport_config(const program_config& pc,
                                           const node_config& nc,
                                           logger::sink_fn sink);

/// Parses argv plus the file of --config-file=PATH only (never the implicit
/// caf-application.ini). Returns an exit code, or -1 to go on.
int parse(program_config& cfg, int argc, char** argv);

} // namespace flexsync::examples
