#include "admin/admin_actor.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <nlohmann/json.hpp>

#include "actors/node/node.hpp"
#include "actors/transport/wire/tcp_socket.hpp"
#include "admin/admin_auth.hpp"
#include "protocol/node_name.hpp"

namespace flexsync::admin {

namespace {

using namespace std::chrono_literals;

caf::timespan millis(uint32_t ms) {
  return std::chrono::milliseconds{std::clamp<uint32_t>(ms, 1, 600'000)};
}

// -- workers: one node call each, on a thread of their own --------------------

admin_status_reply status_of(node& n, uint32_t timeout_ms) {
  auto st = n.status(millis(timeout_ms));
  admin_status_reply r;
  r.json = nlohmann::json(st).dump();
  for (auto& [k, v] : st.to_key_values())
    r.keys.push_back({k, v});
  return r;
}

admin_health_reply health_of(node& n, const admin_health_request& req) {
  auto st = n.status(millis(req.timeout_ms));
  admin_health_reply h;
  h.running = n.running();
  h.role = to_string(st.role);
  h.leader = st.leader.name;
  h.has_quorum = st.has_quorum;
  h.ready = st.ready;
  h.member = to_string(st.member);
  auto commit = st.commit_index.value;
  if (st.leader_commit_index) {
    auto theirs = st.leader_commit_index->value;
    h.commit_lag_known = true;
    h.commit_lag = theirs > commit ? theirs - commit : 0;
  }
  auto applied = st.last_applied.value;
  h.apply_lag = commit > applied ? commit - applied : 0;
  h.max_lag = req.max_lag;
  judge_health(h);
  return h;
}

change_result change_of(node& n, const admin_change_request& req) {
  node_id x{req.node};
  auto timeout = millis(req.timeout_ms);
  switch (req.op) {
    case change_op::add_voter:
      return n.add_node(x, timeout);
    case change_op::add_learner:
      return n.add_learner(x, timeout);
    default:
      return n.remove_node(x, timeout);
  }
}

/// Serves one request and ends: the blocking node call runs on this
/// detached actor's own thread, never on a scheduler thread.
admin_worker_actor::behavior_type worker_impl(admin_worker_actor::pointer self,
                                              node* n) {
  return {
    [=](const admin_status_request& req) {
      self->quit();
      return status_of(*n, req.timeout_ms);
    },
    [=](const admin_change_request& req) {
      self->quit();
      return change_of(*n, req);
    },
    [=](const admin_transfer_request& req) {
      self->quit();
      std::optional<node_id> target;
      if (!req.target.empty())
        target = node_id{req.target};
      return n->transfer_leadership(target, millis(req.timeout_ms));
    },
    [=](const admin_set_version_request& req) {
      self->quit();
      return n->set_code_version(req.version, millis(req.timeout_ms));
    },
    [=](const admin_health_request& req) {
      self->quit();
      return health_of(*n, req);
    },
    [=](const admin_metrics_request& req) {
      self->quit();
      return admin_metrics_reply{
        to_prometheus(n->metrics(millis(req.timeout_ms)), n->id().name)};
    },
  };
}

// -- the admin actor ----------------------------------------------------------

struct admin_state {
  node* n = nullptr;
  admin_options opts;
  /// The admin key; none without a password.
  std::optional<crypto::key256> key;
  challenge_book challenges;
  log_limiter wrong_password_log{5, std::chrono::minutes(1)};
  /// Senders that proved the password.
  std::set<caf::actor_addr> authenticated;
  /// Workers still serving a request.
  std::set<caf::actor_addr> workers;
  static inline const char* name = "flexsync.admin";
};

using admin_pointer = admin_actor::stateful_pointer<admin_state>;

/// Nothing when the current sender may be served; the refusal otherwise.
std::optional<caf::error> refuse_unauthenticated(admin_pointer self) {
  auto& st = self->state;
  if (!st.key)
    return std::nullopt;
  auto& sender = self->current_sender();
  if (sender && st.authenticated.count(sender->address()) > 0)
    return std::nullopt;
  return to_error(admin_refusal::authentication_required,
                  "this node has a cluster password; log in first "
                  "(flexsync-admin --password-file FILE)");
}

/// Hands `req` to a fresh worker, which answers the client directly.
template <class Reply, class Request>
caf::result<Reply> serve_by_worker(admin_pointer self, const Request& req) {
  if (auto refusal = refuse_unauthenticated(self))
    return std::move(*refusal);
  auto& st = self->state;
  if (st.workers.size() >= st.opts.max_workers)
    return to_error(admin_refusal::busy,
                    std::to_string(st.workers.size())
                      + " admin requests are being served; try again");
  auto w = self->spawn<caf::detached + caf::monitored>(worker_impl, st.n);
  st.workers.insert(w.address());
  return self->delegate(w, req);
}

admin_challenge on_challenge(admin_pointer self) {
  auto& st = self->state;
  admin_challenge c;
  if (!st.key)
    return c;
  c.password_required = true;
  c.salt = st.opts.cluster_salt;
  c.nonce = fresh_nonce();
  st.challenges.issue(caf::to_string(self->current_sender()), c.nonce,
                      clock::now());
  return c;
}

caf::result<admin_login_reply> on_login(admin_pointer self,
                                        const admin_login& x) {
  auto& st = self->state;
  auto& sender = self->current_sender();
  if (!st.key)
    return to_error(admin_refusal::bad_request,
                    "this node has no cluster password: there is nothing to "
                    "log in to");
  if (!sender)
    return to_error(admin_refusal::bad_request, "anonymous login");
  if (!st.challenges.redeem(caf::to_string(sender), x.nonce, clock::now()))
    return to_error(admin_refusal::bad_request,
                    "the challenge is unknown, expired or used already");
  if (x.client_nonce.size() != admin_nonce_size
      || !proof_matches(client_proof(*st.key, x.nonce, x.client_nonce),
                        x.proof)) {
    if (st.wrong_password_log.allow(clock::now()) && st.opts.warn) {
      auto more = st.wrong_password_log.take_suppressed();
      st.opts.warn("admin: wrong password from CAF node "
                   + caf::to_string(sender->node())
                   + (more > 0 ? " (and " + std::to_string(more)
                                   + " more not logged)"
                               : std::string{}));
    }
    return to_error(admin_refusal::wrong_password,
                    "the proof does not match this node's password");
  }
  st.authenticated.insert(sender->address());
  self->monitor(sender);
  auto proof = server_proof(*st.key, x.client_nonce, x.nonce);
  return admin_login_reply{bytes(proof.begin(), proof.end())};
}

void on_down(admin_pointer self, const caf::down_msg& dm) {
  auto& st = self->state;
  // A worker that ended, or a client whose actor or connection is gone.
  if (st.workers.erase(dm.source) == 0)
    st.authenticated.erase(dm.source);
}

admin_actor::behavior_type admin_impl(admin_pointer self, node* n,
                                      admin_options opts,
                                      std::optional<crypto::key256> key) {
  self->state.n = n;
  self->state.opts = std::move(opts);
  self->state.key = key;
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
    [=](const admin_challenge_request&) { return on_challenge(self); },
    [=](const admin_login& x) { return on_login(self, x); },
    [=](const admin_status_request& x) {
      return serve_by_worker<admin_status_reply>(self, x);
    },
    [=](const admin_health_request& x) {
      return serve_by_worker<admin_health_reply>(self, x);
    },
    [=](const admin_metrics_request& x) {
      return serve_by_worker<admin_metrics_reply>(self, x);
    },
    [=](const admin_change_request& x) -> caf::result<change_result> {
      if (auto refusal = refuse_unauthenticated(self))
        return std::move(*refusal);
      if (auto bad = check_request(x))
        return std::move(*bad);
      return serve_by_worker<change_result>(self, x);
    },
    [=](const admin_set_version_request& x) -> caf::result<change_result> {
      if (auto refusal = refuse_unauthenticated(self))
        return std::move(*refusal);
      return serve_by_worker<change_result>(self, x);
    },
    [=](const admin_transfer_request& x) -> caf::result<change_result> {
      if (auto refusal = refuse_unauthenticated(self))
        return std::move(*refusal);
      if (auto bad = check_request(x))
        return std::move(*bad);
      return serve_by_worker<change_result>(self, x);
    },
    [=](const admin_compact_request&) -> caf::result<change_result> {
      if (auto refusal = refuse_unauthenticated(self))
        return std::move(*refusal);
      self->state.n->force_compaction(); // returns at once
      return change_result::success("snapshot requested");
    },
  };
}

} // namespace

std::optional<caf::error> check_request(const admin_change_request& req) {
  if (req.op != change_op::add_voter && req.op != change_op::add_learner
      && req.op != change_op::remove)
    return to_error(admin_refusal::bad_request,
                    "only add, add-learner and remove are served");
  // Before the address is quoted in a refusal: one line, whatever it holds.
  if (auto why = check_node_name(node_id{req.node}))
    return to_error(admin_refusal::bad_request, *why);
  if (!net::parse_address(req.node))
    return to_error(admin_refusal::bad_request,
                    "not a host:port address: " + req.node);
  return std::nullopt;
}

std::optional<caf::error> check_request(const admin_transfer_request& req) {
  if (req.target.empty())
    return std::nullopt;
  if (auto why = check_node_name(node_id{req.target}))
    return to_error(admin_refusal::bad_request, *why);
  if (!net::parse_address(req.target))
    return to_error(admin_refusal::bad_request,
                    "not a host:port address: " + req.target);
  return std::nullopt;
}

admin_actor spawn_admin(caf::actor_system& sys, node& n, admin_options opts) {
  std::optional<crypto::key256> key;
  if (!opts.password.empty())
    key = cached_admin_key(opts.password, opts.cluster_salt);
  return sys.spawn(admin_impl, &n, std::move(opts), key);
}

caf::expected<uint16_t> publish_admin(caf::actor_system& sys,
                                      const admin_actor& a,
                                      const std::string& host, uint16_t port) {
  // reuse_addr: a restarted node gets its admin port back at once.
  return sys.middleman().publish(a, port, host.c_str(), true);
}

} // namespace flexsync::admin
