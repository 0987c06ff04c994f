// The admin_requests target's seeds: each request type encoded as CAF's
// binary serializer writes it (what BASP carries), valid and refused ones
// (see make_corpus.cpp).

#include <caf/all.hpp>

#include "admin/admin_auth.hpp"
#include "admin/admin_types.hpp"
#include "protocol/admin.hpp"
#include "protocol/membership.hpp"
#include "tests/fuzz/make_corpus.hpp"

namespace flexsync::fuzz {

namespace {

/// The type byte of the target, then `x` serialized.
template <class T>
void seed(const std::string& name, uint8_t type, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = sink(x))
    throw std::runtime_error("cannot serialize seed " + name);
  put("admin_requests", name,
      std::string(1, static_cast<char>(type)) + std::string{buf.begin(),
                                                            buf.end()});
}

admin_change_request change(change_op op, std::string node) {
  admin_change_request x;
  x.op = op;
  x.node = std::move(node);
  return x;
}

} // namespace

void admin_requests() {
  seed("challenge_request", 0, admin_challenge_request{});
  // The target's login: key {1,2,3}, nonce 32 bytes of 0x42 issued.
  admin_login login;
  login.nonce.assign(admin_nonce_size, 0x42);
  login.client_nonce.assign(admin_nonce_size, 7);
  auto proof = admin::client_proof(crypto::key256{1, 2, 3}, login.nonce,
                                   login.client_nonce);
  login.proof.assign(proof.begin(), proof.end());
  seed("login", 1, login);
  auto wrong = login;
  wrong.proof[0] ^= 1;
  seed("login_wrong_proof", 1, wrong);
  auto unknown = login;
  unknown.nonce[0] = 0;
  seed("login_unknown_nonce", 1, unknown);
  auto short_nonce = login;
  short_nonce.client_nonce.resize(5);
  seed("login_short_client_nonce", 1, short_nonce);
  seed("status", 2, admin_status_request{});
  seed("add", 3, change(change_op::add_voter, "127.0.0.1:7005"));
  seed("add_learner", 3, change(change_op::add_learner, "[::1]:7005"));
  seed("remove", 3, change(change_op::remove, "127.0.0.1:7003"));
  seed("remove_learner", 3, change(change_op::remove, "127.0.0.1:7004"));
  seed("set_refused", 3, change(change_op::set, "127.0.0.1:7005"));
  seed("add_no_port", 3, change(change_op::add_voter, "n5"));
  seed("add_port_zero", 3, change(change_op::add_voter, "n5:0"));
  seed("set_version_2", 4, admin_set_version_request{2, 1000});
  seed("set_version_3", 4, admin_set_version_request{3, 1000});
  seed("downgrade", 4, admin_set_version_request{0, 1000});
  seed("transfer_best", 5, admin_transfer_request{"", 1000});
  seed("transfer_to", 5, admin_transfer_request{"127.0.0.1:7002", 1000});
  seed("transfer_bad", 5, admin_transfer_request{"somewhere", 1000});
  seed("compact", 6, admin_compact_request{});
  seed("health", 7, admin_health_request{});
  seed("metrics", 8, admin_metrics_request{});
  // Type 9: a change_request as a node forwards it to the leader.
  change_request set;
  set.op = change_op::set;
  set.target.voters = {node_id{"127.0.0.1:7001"}, node_id{"127.0.0.1:7002"}};
  set.target.learners = {node_id{"127.0.0.1:7003"}};
  set.target.quorum = quorum_spec::zones(
    1, 0, {{node_id{"127.0.0.1:7001"}, "us"}, {node_id{"127.0.0.1:7002"}, "eu"}});
  seed("peer_set_zones", 9, set);
  change_request add;
  add.op = change_op::add_voter;
  add.node = node_id{"127.0.0.1:7005"};
  seed("peer_add", 9, add);
}

} // namespace flexsync::fuzz
