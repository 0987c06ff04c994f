#pragma once

// The command console of flexsync-node: one command per input line, one
// answer per command on stdout ("ok ..." or "error ..."), so that people in a
// terminal and programs (tests, the process benchmark) drive a node the same
// way. Log lines go to stderr and never mix with answers.
//
//   status                  role, term, leader, indexes, links, values
//   metrics                 "ok lines=N", then N lines of Prometheus text
//                           (the only answer longer than one line)
//   inc | add N | get       the replicated counter (get reads locally)
//   set K V | kv K | del K  the replicated key-value store (kv reads locally)
//   read K                  reads K through the log: an `add 0` on the
//                           counter, then the local value (everything
//                           committed before that entry is applied by then,
//                           so the read is linearizable)
//   tick | tick-n N | tally the versioned tally (tick-n exists from code
//                           version 2 on; tally reads locally)
//   set-version N           enables code version N on the cluster, answered
//                           once committed (or refused: "error REASON: why")
//   members                 the configuration in effect and its index
//   add-node ADDR | remove-node ADDR | add-learner ADDR
//                           a membership change, answered once committed
//                           (or refused: "error REASON: why")
//   transfer [ADDR]         hands leadership to ADDR or the best voter;
//                           "ok handed over to ADDR" once this node knows
//                           the new leader
//   drop-links              closes every peer link once (a network fault)
//   bench pipelined SECONDS BYTES WINDOW
//                           calls with BYTES of payload, WINDOW in flight
//   bench sync SECONDS BYTES
//                           one blocking call at a time; p50/p99 latency
//   bench open-loop SECONDS BYTES RATE
//                           calls arriving at RATE per second whatever
//                           their completions; p50/p99/p999 latency
//   probe TIMEOUT_MS        an asynchronous inc every 5 ms until one is
//                           applied; answers how long that took
//   help | quit

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "actors/node/node.hpp"
#include "state_machines/repl_counter.hpp"
#include "state_machines/repl_dict.hpp"
#include "state_machines/state_machine.hpp"

namespace flexsync::examples {

/// The benchmark's payload sink (PySyncObj's benchmark has one too): counts
/// the commands and bytes it applied, nothing else.
class payload_sink : public state_machine {
public:
  using put_atom = caf::atom_constant<caf::atom("put")>;

  replicated_call<int64_t> put(const std::string& payload) {
    return call<int64_t>(put_atom::value, payload);
  }

  int64_t count() const {
    return read([this] { return count_; });
  }

  caf::behavior make_behavior() override;
  caf::error save(caf::serializer& sink) override;
  caf::error load(caf::deserializer& source) override;

private:
  int64_t count_ = 0;
  int64_t bytes_ = 0;
};

using kv_store = repl_dict<std::string, std::string>;

/// flexsync-node's demo of versioned operations (zero-downtime deploys).
/// `tick` changed in code version 2: before, it counts in `before`; from
/// version 2 on, in `after`. `tick-n N` is new in version 2 (before it,
/// every replica refuses it alike). The hook records the index at which
/// version 2 took effect. Equal tallies on every replica show that all
/// switched at the same entry.
class versioned_tally : public state_machine {
public:
  using tick_atom = caf::atom_constant<caf::atom("tick")>;
  using tick_n_atom = caf::atom_constant<caf::atom("tickn")>;

  struct counts {
    int64_t before = 0;
    int64_t after = 0;
    /// Index of the entry that enabled version 2 or later (0: not yet).
    uint64_t switched_at = 0;
  };

  replicated_call<int64_t> tick() { return call<int64_t>(tick_atom::value); }
  replicated_call<int64_t> tick_n(int64_t n) {
    return call<int64_t>(tick_n_atom::value, n);
  }

  counts get() const {
    return read([this] { return counts_; });
  }

  versioned_behavior make_versioned_behavior() override;
  void on_code_version_changed(uint32_t old_version,
                               uint32_t new_version) override;
  caf::error save(caf::serializer& sink) override;
  caf::error load(caf::deserializer& source) override;

private:
  counts counts_;
};

/// What the console drives; everything outlives the console.
struct console_target {
  caf::actor_system* sys = nullptr;
  node* self = nullptr;
  caf::actor transport;
  repl_counter* counter = nullptr;
  kv_store* kv = nullptr;
  payload_sink* sink = nullptr;
  versioned_tally* tally = nullptr;
  /// Deadline of the console's blocking calls.
  caf::timespan call_timeout{};
};

/// Runs one command line and returns its answer (one line, no newline).
/// `quit` answers "ok bye"; the caller decides what quitting means.
std::string run_command(console_target& t, const std::string& line);

} // namespace flexsync::examples
