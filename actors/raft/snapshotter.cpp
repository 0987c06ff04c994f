// The snapshotter: decides when to compact (entries or log bytes since the
// last snapshot, elapsed time, or on demand), asks the state machine actor
// for a snapshot (written by a fork()ed child, or handed over to be written
// here), reaps the child without blocking, and once a snapshot is durable
// tells the log store to drop the log before it. It is the only user of the
// snapshot files in this process: it also serves chunks of the latest
// snapshot to the replicator and writes the chunks a leader sends here.
//
// Invariants: at most one snapshot is being written; the log is compacted
// only after the snapshot covering it is durable (renamed, directory synced).

#include <cerrno>
#include <csignal>
#include <chrono>
#include <optional>

#include <sys/wait.h>

#include <caf/all.hpp>

#include "protocol/membership.hpp"

#include "actors/node/local_messages.hpp"

#include "actors/node/spawn.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/work_progress.hpp"

namespace flexsync {

namespace {

using namespace std::chrono_literals;

/// How often a fork()ed writer is polled.
constexpr caf::timespan reap_interval = 5ms;

struct receive_state {
  index_t index;
  uint64_t received = 0;
  /// For the log and status (protocol/work_progress.hpp).
  work_progress progress;
};


/// The latest durable snapshot, as served to followers.
struct latest_snapshot {
  index_t index;
  term_t term;
  uint64_t size = 0;
};

struct snapshotter_state {
  wiring_ptr w;
  index_t last_index; // of the latest durable snapshot
  std::optional<latest_snapshot> latest;
  caf::actor_clock::time_point last_at;
  bool busy = false;
  bool forced = false;
  std::optional<snapshot_meta> writing; // by a child
  pid_t child = 0;
  std::optional<receive_state> receiving;
  /// When the snapshot being taken started (metrics_now()).
  int64_t started_ns = 0;
  snapshot_metrics metrics;

  snapshotter_state() = default;
  snapshotter_state(const snapshotter_state&) = delete;
  snapshotter_state& operator=(const snapshotter_state&) = delete;

  /// A writer still running when the node stops is killed and reaped: left
  /// alone it would write into a directory a new process may already use
  /// (or hang forever, holding the parent's stdout open). Its temporary
  /// file is removed at the next start; the log it would have let go of was
  /// kept, so nothing is lost.
  ~snapshotter_state() {
    if (child <= 0)
      return;
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  }

  static inline const char* name = "flexsync.snapshotter";
};

using snapshotter_ptr = caf::stateful_actor<snapshotter_state>*;

int64_t now_ns(snapshotter_ptr self) {
  return self->clock().now().time_since_epoch().count();
}

/// Snapshots kept. On disk two, so that a corrupt newest one falls back to
/// the older (and the log is kept from the older one on). In memory nothing
/// corrupts the newest, and a second copy would only double the RAM.
size_t snapshots_kept(const node_wiring& w) {
  return w.log_journal ? 2 : 1;
}

void remember(snapshotter_ptr self, const snapshot_meta& meta) {
  auto& st = self->state;
  st.last_index = meta.last_index;
  st.latest = latest_snapshot{meta.last_index, meta.last_term,
                              st.w->snapshots->file_size(meta.last_index)};
  st.metrics.last_size_bytes = st.latest->size;
}

void durable(snapshotter_ptr self, const snapshot_meta& meta) {
  auto& st = self->state;
  st.busy = false;
  st.forced = false;
  remember(self, meta);
  st.metrics.taken.add();
  st.metrics.duration_seconds.observe_ns(metrics_now() - st.started_ns);
  st.last_at = self->clock().now();
  auto keep_from = st.w->snapshots->retain(snapshots_kept(*st.w));
  st.w->log.info("snapshot at index " + to_string(meta.last_index)
                 + " is durable");
  self->send(st.w->self.log_store, compact_atom::value, meta.last_index,
             meta.last_term, meta.last_time, keep_from);
}

void reap(snapshotter_ptr self) {
  auto& st = self->state;
  int status = 0;
  auto r = ::waitpid(st.child, &status, WNOHANG);
  if (r == 0) {
    self->delayed_send(self, reap_interval, reap_atom::value);
    return;
  }
  auto meta = *st.writing;
  auto child = st.child;
  st.writing.reset();
  st.child = 0;
  if (r == child && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    durable(self, meta);
    return;
  }
  st.busy = false;
  st.metrics.failed.add();
  st.w->log.warning("snapshot writer for index " + to_string(meta.last_index)
                    + " failed (status " + std::to_string(status)
                    + "); the log is kept and the next check retries");
}

void write_inline(snapshotter_ptr self, const snapshot_meta& meta,
                  const std::string& payload) {
  auto& st = self->state;
  try {
    auto writer = st.w->snapshots->begin(meta);
    writer->append(payload.data(), payload.size());
    writer->finish();
  } catch (const storage_error& e) {
    st.busy = false;
    st.metrics.failed.add();
    st.w->log.error(std::string{"cannot write snapshot: "} + e.what());
    throw;
  }
  durable(self, meta);
}

void take_snapshot(snapshotter_ptr self) {
  auto& st = self->state;
  st.busy = true;
  st.started_ns = metrics_now();
  auto& p = st.w->config.persistence;
  // A child writes only to a real directory; memory-mode snapshots live in
  // this process.
  bool fork = p.use_fork && st.w->log_journal && !p.data_dir.empty();
  self
    ->request(st.w->self.state_machine, caf::infinite, snapshot_atom::value,
              fork, st.last_index)
    .then(
      [=](int32_t pid, index_t index, term_t term, int64_t time,
          std::string& payload, std::string& config, uint32_t code_version) {
        auto& st = self->state;
        snapshot_meta meta;
        meta.last_index = index;
        meta.last_term = term;
        meta.last_time = time;
        meta.code_version = code_version;
        if (auto c = decode_configuration(config))
          meta.voters = c->quorum().voters();
        meta.configuration = std::move(config);
        if (index <= st.last_index) {
          st.busy = false; // nothing new to snapshot
          return;
        }
        if (pid > 0) {
          st.child = pid;
          st.writing = meta;
          self->delayed_send(self, reap_interval, reap_atom::value);
        } else {
          write_inline(self, meta, payload);
        }
      },
      [=](caf::error& err) {
        self->state.busy = false;
        self->state.metrics.failed.add();
        self->state.w->log.warning("snapshot failed: "
                                   + self->system().render(err));
      });
}

void check(snapshotter_ptr self) {
  auto& st = self->state;
  auto& p = st.w->config.persistence;
  self->delayed_send(self, p.snapshot_check_interval, check_atom::value);
  if (st.busy)
    return;
  self->request(st.w->self.log_store, caf::infinite, status_atom::value)
    .then([=](const log_store_status& ls) {
      auto commit = ls.commit_index;
      auto bytes = ls.bytes;
      auto snapshot_index = ls.snapshot_index;
      auto& st = self->state;
      auto& p = st.w->config.persistence;
      auto base = std::max(st.last_index, snapshot_index);
      auto fresh = commit > base ? commit - base : 0;
      auto elapsed = self->clock().now() - st.last_at;
      bool due = st.forced
                 || (p.snapshot_threshold_entries > 0
                     && fresh >= p.snapshot_threshold_entries)
                 || (p.snapshot_threshold_bytes > 0 && fresh >= 2
                     && bytes >= p.snapshot_threshold_bytes)
                 || (p.snapshot_interval > 0ns && fresh >= 2
                     && elapsed >= p.snapshot_interval);
      if (due && !st.busy)
        take_snapshot(self);
    });
}

/// A chunk from a leader, after the log store checked its term.
void receive(snapshotter_ptr self, install_snapshot& chunk) {
  auto& st = self->state;
  auto& w = *st.w;
  auto reply = [&](uint64_t received, bool installed) {
    send_peer(self, w, chunk.leader,
              install_reply{chunk.term, w.config.self, chunk.last_index,
                            received, installed, w.incarnation});
  };
  if (chunk.last_index <= st.last_index) {
    reply(chunk.total_size, true); // already have it (a duplicate)
    return;
  }
  if (!st.receiving || st.receiving->index != chunk.last_index)
    st.receiving = receive_state{
      chunk.last_index, 0,
      work_progress{"receiving snapshot " + to_string(chunk.last_index)
                      + " from " + chunk.leader.name,
                    chunk.total_size, now_ns(self)}};
  auto& rs = *st.receiving;
  rs.received = w.snapshots->receive_chunk(chunk.last_index, chunk.offset,
                                           chunk.data);
  if (auto line = rs.progress.update(rs.received, now_ns(self)))
    w.log.info(*line);
  st.metrics.install_active = true;
  st.metrics.install_received_bytes = rs.received;
  st.metrics.install_total_bytes = chunk.total_size;
  if (rs.received < chunk.total_size) {
    reply(rs.received, false);
    return;
  }
  auto loaded = w.snapshots->finish_receive(chunk.last_index);
  w.log.info(rs.progress.finish(now_ns(self)));
  st.receiving.reset();
  st.metrics.install_active = false;
  if (!loaded) {
    w.log.warning("received snapshot " + to_string(chunk.last_index)
                  + " is corrupt; asking for it again");
    reply(0, false);
    return;
  }
  auto meta = loaded->meta;
  auto shared = std::make_shared<const loaded_snapshot>(std::move(*loaded));
  // The state machine replaces its state first, then the log store moves its
  // boundary; only then is the install acknowledged.
  self->request(w.self.state_machine, caf::infinite, install_atom::value, shared)
    .then([=](bool) {
      auto& st = self->state;
      remember(self, meta);
      auto keep_from = st.w->snapshots->retain(snapshots_kept(*st.w));
      self
        ->request(st.w->self.log_store, caf::infinite, install_atom::value,
                  meta.last_index, meta.last_term, meta.last_time, keep_from,
                  meta.configuration)
        .then([=](bool) {
          auto& w = *self->state.w;
          self->state.metrics.installed.add();
          w.log.info("installed snapshot " + to_string(meta.last_index)
                     + " from " + chunk.leader.name);
          send_peer(self, w, chunk.leader,
                    install_reply{chunk.term, w.config.self, meta.last_index,
                                  chunk.total_size, true, w.incarnation});
        });
    });
}

caf::behavior running(snapshotter_ptr self) {
  return {
    [=](check_atom) { check(self); },
    [=](reap_atom) { reap(self); },
    [=](force_atom) {
      self->state.forced = true;
      if (!self->state.busy)
        take_snapshot(self);
    },
    [=](install_snapshot& chunk) { receive(self, chunk); },
    [=](metrics_atom) { return self->state.metrics; },
    // A snapshot being received, for status (empty when none).
    [=](status_atom) {
      auto& st = self->state;
      return st.receiving ? st.receiving->progress.summary() : std::string{};
    },
    [=](chunk_atom, uint64_t offset,
        uint64_t size) -> caf::result<index_t, term_t, uint64_t, std::string> {
      auto& st = self->state;
      if (!st.latest)
        return to_error(fail_reason::bad_command);
      auto& l = *st.latest;
      return {l.index, l.term, l.size,
              st.w->snapshots->read_chunk(l.index, offset, size)};
    },
  };
}

} // namespace

caf::actor spawn_snapshotter(caf::actor_system& sys) {
  return sys.spawn([](snapshotter_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        auto& st = self->state;
        st.w = w;
        join_node(self, w);
        if (w->restored)
          remember(self, w->restored->meta);
        st.last_at = self->clock().now();
        self->delayed_send(self, w->config.persistence.snapshot_check_interval,
                           check_atom::value);
        self->become(running(self));
      },
    };
  });
}

} // namespace flexsync
