#pragma once

// The one place that names flexsync's CAF atoms and registers its message
// types. Type names are the wire identity: every node must register the same.

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "protocol/fail_reason.hpp"

namespace flexsync {

// -- node-internal requests and notifications --------------------------------

/// First message to every node actor: its wiring.
using init_atom = caf::atom_constant<caf::atom("init")>;
/// election -> log store: start a campaign in a new term.
using campaign_atom = caf::atom_constant<caf::atom("campaign")>;
/// log store timer: probe the voters while the node recovers a lost state.
using probe_atom = caf::atom_constant<caf::atom("probe")>;
/// user -> election: recover the cluster from this node (operator action
/// after a majority lost its state).
using recover_atom = caf::atom_constant<caf::atom("recover")>;
/// election -> log store: current term and last log position.
using log_state_atom = caf::atom_constant<caf::atom("logstate")>;
/// any -> log store: adopt a newer term seen in a reply.
using observe_atom = caf::atom_constant<caf::atom("observe")>;
/// election -> log store -> replicator: take leadership of a term.
using lead_atom = caf::atom_constant<caf::atom("lead")>;
/// replicator -> log store: leader append.
using append_atom = caf::atom_constant<caf::atom("append")>;
/// replicator -> log store: read entries for a follower.
using read_atom = caf::atom_constant<caf::atom("read")>;
/// replicator -> log store: the leader's commit index advanced.
using commit_atom = caf::atom_constant<caf::atom("commit")>;
/// log store -> state machine: committed entries, in order.
using apply_atom = caf::atom_constant<caf::atom("apply")>;
/// log store -> election: an append or heartbeat from the current leader.
using leader_seen_atom = caf::atom_constant<caf::atom("ldrseen")>;
/// election -> replicator, state machine: role, term or leader changed.
using role_atom = caf::atom_constant<caf::atom("role")>;
/// replicator -> election: stop leading (newer term or lost quorum).
using step_down_atom = caf::atom_constant<caf::atom("stepdown")>;
/// election timer.
using election_timeout_atom = caf::atom_constant<caf::atom("etimeout")>;
/// replicator heartbeat timer.
using heartbeat_atom = caf::atom_constant<caf::atom("hbtick")>;
/// state machine -> replicator: new client commands.
using propose_atom = caf::atom_constant<caf::atom("propose")>;
/// self-message that closes a batch (everything queued before it is in it).
using flush_atom = caf::atom_constant<caf::atom("flush")>;
/// user -> state machine: submit a call.
using submit_atom = caf::atom_constant<caf::atom("submit")>;
/// user -> state machine: take the calls queued in the node's call_gate.
using take_calls_atom = caf::atom_constant<caf::atom("takecalls")>;
/// state machine -> user: the result of a call.
using result_atom = caf::atom_constant<caf::atom("result")>;
/// state machine timer: fail calls past their deadline.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
/// any -> election: campaign now (tests, scenarios).
using campaign_now_atom = caf::atom_constant<caf::atom("campnow")>;
/// log store -> self: make pending writes durable, then release what
/// depends on them (group commit).
using sync_atom = caf::atom_constant<caf::atom("sync")>;
/// log store -> replicator: the leader's own entries up to an index are
/// durable (it counts itself toward commit only up to there).
using durable_atom = caf::atom_constant<caf::atom("durable")>;
/// snapshotter -> log store: a snapshot is durable, compact the log.
using compact_atom = caf::atom_constant<caf::atom("compact")>;
/// snapshotter -> log store / state machine: install a received snapshot.
using install_atom = caf::atom_constant<caf::atom("install")>;
/// snapshotter -> state machine: write a snapshot of the applied state.
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
/// snapshotter timers: check the triggers, reap a fork()ed writer.
using check_atom = caf::atom_constant<caf::atom("check")>;
using reap_atom = caf::atom_constant<caf::atom("reap")>;
/// replicator -> snapshotter: the latest snapshot, or one chunk of it.
using chunk_atom = caf::atom_constant<caf::atom("chunk")>;
/// any -> snapshotter: take a snapshot now.
using force_atom = caf::atom_constant<caf::atom("force")>;
/// node handle -> membership manager: carry out a change_request;
/// membership manager -> replicator (leader): start or join a change.
using change_atom = caf::atom_constant<caf::atom("change")>;
/// replicator timer: (transfer_atom, generation) a leadership transfer
/// reached its bound.
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
/// user -> state machine, as a call's only argument: a read barrier
/// (state_machine::barrier()), never a log entry.
using read_barrier_atom = caf::atom_constant<caf::atom("rbarrier")>;
/// state machine timer: (barrier_atom, id) a read barrier's deadline.
using barrier_atom = caf::atom_constant<caf::atom("barrier")>;
/// state machine -> replicator: (read_index_atom, timeout) -> index_t, a
/// confirmed read index (protocol/read_index.hpp).
using read_index_atom = caf::atom_constant<caf::atom("readindex")>;
/// replicator -> itself: (read_round_atom, term) send a confirmation round.
using read_round_atom = caf::atom_constant<caf::atom("readround")>;
/// any -> membership manager: the configuration this node holds.
using config_atom = caf::atom_constant<caf::atom("config")>;
/// user -> state machine: answer once the node is ready.
using ready_atom = caf::atom_constant<caf::atom("ready")>;
/// replicator -> state machine: the code version enabled at last_applied.
using code_version_atom = caf::atom_constant<caf::atom("codever")>;
/// any -> node actor: report status.
using status_atom = caf::atom_constant<caf::atom("status")>;
/// any -> node actor: report its metrics part (protocol/metrics.hpp);
/// (metrics_atom, node_id asking) -> transport_metrics for transports.
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;

// -- transport ----------------------------------------------------------------

/// node actor -> transport: (from, to, message) to a peer.
using peer_send_atom = caf::atom_constant<caf::atom("peersend")>;
/// node -> transport: deliver messages for a node to these endpoints.
using register_atom = caf::atom_constant<caf::atom("register")>;
/// membership manager -> transport: (members_atom, self, peers) the
/// members of the configuration in effect (the transport links with them
/// as well as with its static partners).
using members_atom = caf::atom_constant<caf::atom("members")>;
/// membership manager timer: a forwarded change got no answer in time.
using change_timeout_atom = caf::atom_constant<caf::atom("chgtmo")>;
/// node -> transport: stop delivering to a node.
using unregister_atom = caf::atom_constant<caf::atom("unregister")>;
/// transport timer: deliver a delayed message.
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
/// tcp transport: (re)try binding its listening socket.
using bind_atom = caf::atom_constant<caf::atom("tcpbind")>;
/// tcp transport: dial a peer now (timer of the redial backoff).
using dial_atom = caf::atom_constant<caf::atom("tcpdial")>;
/// dial helper -> tcp transport: a connect attempt finished.
using dialed_atom = caf::atom_constant<caf::atom("tcpdialed")>;
/// tcp transport timer: link timeouts and pings.
using link_tick_atom = caf::atom_constant<caf::atom("tcptick")>;
/// any -> tcp transport: answer once listening, or with an error once
/// binding failed for good.
using wait_bound_atom = caf::atom_constant<caf::atom("waitbound")>;
/// any -> tcp transport: close every open link (fault injection).
using drop_links_atom = caf::atom_constant<caf::atom("droplinks")>;
/// (links_atom, node_id asking) -> std::vector<std::string>: the peers the
/// transport currently links the asking node with.
using links_atom = caf::atom_constant<caf::atom("links")>;

// -- errors -------------------------------------------------------------------

/// Category of flexsync's errors in caf::error.
constexpr caf::atom_value error_category = caf::atom("flexsync");

/// A caf::error carrying `x`. (Deliberately not named make_error: CAF would
/// then treat fail_reason as an error-code enum and turn every fail_reason
/// inside a message into a caf::error.)
caf::error to_error(fail_reason x);

/// The reason carried by `err`: its own code for flexsync errors, `timeout`
/// for CAF's request timeouts, `stopped` for any other CAF error.
fail_reason to_fail_reason(const caf::error& err);

/// Registers every flexsync message type and the error category. Call once
/// per actor_system_config, on every node.
void register_types(caf::actor_system_config& cfg);

} // namespace flexsync
