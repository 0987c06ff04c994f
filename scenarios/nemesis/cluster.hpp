#pragma once

// The nemesis runner's cluster: N flexsync-node processes on loopback with
// disk storage (fsync always), each known to its peers by a front address of
// the fault proxy and listening on a back port of its own (--bind), so every
// peer link runs through the proxy. Who leads and how many elections there
// were is read from the nodes' logs (one line per role change), which keeps
// the consoles free for the clients.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/nemesis/child.hpp"
#include "scenarios/nemesis/proxy.hpp"

namespace flexsync::nemesis {

struct cluster_options {
  size_t nodes = 3;
  std::string node_bin;
  /// Each node's data dir and log go below this folder.
  std::string dir;
  /// Deadline of each node's console calls.
  int call_timeout_ms = 2000;
  /// Password mode: every link authenticated and sealed.
  bool password = false;
  /// Full-disk faults: the nodes ignore SIGXFSZ, so a file size limit makes
  /// their writes fail instead of killing them.
  bool disk_full = false;
};

class cluster {
public:
  explicit cluster(const cluster_options& opts);

  size_t size() const { return nodes_.size(); }
  node_child& at(size_t i) { return *nodes_[i]; }
  /// Node i's data dir.
  std::string data_dir(size_t i) const;
  fault_proxy& proxy() { return *proxy_; }

  void start_all();
  void kill_all();

  /// Cuts every link between `side` and the other nodes.
  void cut_sides(const std::vector<size_t>& side);

  /// Every link fault lifted, every paused node resumed, every killed node
  /// restarted. A node whose process ended by itself stays down: outside a
  /// full disk's episode that is a bug the checks must see.
  void heal();

  /// The running, unpaused node whose last role line says leader, with the
  /// highest term among such nodes.
  std::optional<size_t> leader() const;

  /// How many terms had a leader, over every node's whole log.
  size_t elections() const;

private:
  std::string dir_;
  std::unique_ptr<fault_proxy> proxy_;
  std::vector<std::unique_ptr<node_child>> nodes_;
};

} // namespace flexsync::nemesis
