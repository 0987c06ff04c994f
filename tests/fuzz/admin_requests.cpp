// Fuzz target "admin_requests": the admin protocol's requests
// (protocol/admin.hpp) as a client's bytes: CAF's binary deserializer (what
// BASP runs on a message's elements) into the request type the first byte
// picks, then the validation that needs no node: the admin actor's own
// checks (admin::check_request), and for what passes, the leader's
// (target_of and admit_change on a few fixed configurations, for
// membership changes; admit_code_version, for set-version), and the login
// steps (challenge_book, the proof's size and comparison). Needs CAF:
// built by the replay build only (see targets.cmake).
//
// Input: a type byte (mod 10: challenge request, login, status, change,
// set-version, transfer, compact, health, metrics, and a change request
// decoded as a peer's change_request), then the bytes to decode.
//
// Properties: decoding never throws and an accepted value survives a
// serialization round trip; every validation accepts or refuses with a
// non-empty, one-line reason (admin refusals carry bad_request); an
// accepted change has a target the leader can step toward; a login is
// accepted only with the issued nonce and the right proof.

#include <caf/all.hpp>

#include "admin/admin_actor.hpp"
#include "admin/admin_auth.hpp"
#include "protocol/admin.hpp"
#include "protocol/code_version.hpp"
#include "protocol/membership.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;
using namespace flexsync::admin;

namespace {

bool one_line(const std::string& x) {
  return !x.empty() && x.find('\n') == std::string::npos;
}

template <class T>
std::string to_bytes(T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  FUZZ_CHECK(!sink(x), "cannot serialize a decoded value");
  return {buf.begin(), buf.end()};
}

/// The value `bytes` decode to, or nothing when they are refused.
template <class T>
std::optional<T> decode(const std::string& bytes) {
  T x;
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  if (source(x))
    return std::nullopt;
  // What was accepted re-encodes to something that decodes to the same.
  auto again = to_bytes(x);
  T y;
  caf::binary_deserializer second{nullptr, again.data(), again.size()};
  FUZZ_CHECK(!second(y) && to_bytes(y) == again,
             "a decoded request does not survive a round trip");
  return x;
}

void check_refusal(const std::optional<caf::error>& err) {
  if (!err)
    return;
  FUZZ_CHECK(refusal_of(*err) == admin_refusal::bad_request,
             "refused as something else than bad_request");
  FUZZ_CHECK(one_line(detail_of(*err)),
             "the refusal's reason is not one line: '" + detail_of(*err)
               + "'");
}

void check_result(const change_result& r) {
  FUZZ_CHECK(r.ok() || one_line(r.detail),
             "a change is refused without a one-line reason: '" + r.detail
               + "'");
}

node_id n(int port) {
  return node_id{"127.0.0.1:" + std::to_string(port)};
}

/// Where a leader's log may stand when the request reaches it.
std::vector<change_context> contexts() {
  std::vector<change_context> out;
  auto add = [&](membership m, bool joint) {
    change_context ctx;
    ctx.config.current = m.normalize();
    if (joint) {
      auto old = m;
      old.voters.pop_back();
      ctx.config.old = old;
    }
    ctx.config_index = index_t{4};
    ctx.commit_index = index_t{joint ? 4u : 9u};
    ctx.term_start = index_t{5};
    ctx.last_index = index_t{9};
    for (auto& v : m.voters)
      ctx.match[v] = index_t{9};
    out.push_back(ctx);
  };
  add(membership{{n(7001), n(7002), n(7003)}, {n(7004)}, {}}, false);
  add(membership{{n(7001), n(7002), n(7003)}, {}, {}}, true);
  membership zones{{n(7001), n(7002), n(7003)}, {}, {}};
  zones.quorum = quorum_spec::zones(
    1, 0, {{n(7001), "us"}, {n(7002), "eu"}, {n(7003), "ap"}});
  add(zones, false);
  membership owned{{n(7001), n(7002), n(7003), n(7004)}, {}, {}};
  owned.quorum = quorum_spec::counting(2, 3);
  owned.terms = term_mode::owned;
  add(owned, false);
  return out;
}

/// The leader's side of a membership change that passed the admin actor.
void leader_admits(const change_request& req) {
  static const auto ctxs = contexts();
  for (auto& ctx : ctxs) {
    auto target = target_of(req, eventual(ctx.config));
    auto r = admit_change(ctx, std::nullopt, target);
    check_result(r);
    if (r.ok())
      next_change_step(ctx, target); // throws: a crash
  }
}

void on_change(const admin_change_request& x) {
  auto err = check_request(x);
  check_refusal(err);
  if (!err)
    leader_admits(change_request{x.op, node_id{x.node}, {}});
}

void on_set_version(const admin_set_version_request& x) {
  std::vector<voter_version> voters{{n(7001), 2}, {n(7002), 3}, {n(7003), {}}};
  for (uint32_t enabled : {0u, 1u, 2u}) {
    auto a = admit_code_version(x.version, enabled, voters);
    FUZZ_CHECK(a.what == version_admission::kind::accepted
                 || one_line(a.detail),
               "set-version refused without a one-line reason");
  }
}

void on_transfer(const admin_transfer_request& x) {
  auto err = check_request(x);
  check_refusal(err);
  if (!err && !x.target.empty())
    leader_admits(change_request{change_op::transfer_leader,
                                 node_id{x.target}, {}});
}

/// The admin actor's login steps (on_login), with a fixed key and one
/// challenge issued to the sender.
void on_login(const admin_login& x) {
  static const crypto::key256 key{1, 2, 3};
  static const bytes issued(admin_nonce_size, 0x42);
  auto now = clock::now();
  challenge_book book;
  book.issue("client", issued, now);
  if (!book.redeem("client", x.nonce, now)) {
    FUZZ_CHECK(x.nonce != issued, "the issued nonce was not redeemed");
    return;
  }
  auto ok = x.client_nonce.size() == admin_nonce_size
            && proof_matches(client_proof(key, x.nonce, x.client_nonce),
                             x.proof);
  auto right = client_proof(key, issued, x.client_nonce);
  FUZZ_CHECK(ok == (x.client_nonce.size() == admin_nonce_size
                    && bytes(right.begin(), right.end()) == x.proof),
             "a login's proof is judged wrongly");
  FUZZ_CHECK(!book.redeem("client", x.nonce, now),
             "a nonce was redeemed twice");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto kind = in.u8() % 10;
  auto rest = in.rest();
  switch (kind) {
    case 0:
      decode<admin_challenge_request>(rest);
      break;
    case 1:
      if (auto x = decode<admin_login>(rest))
        on_login(*x);
      break;
    case 2:
      decode<admin_status_request>(rest);
      break;
    case 3:
      if (auto x = decode<admin_change_request>(rest))
        on_change(*x);
      break;
    case 4:
      if (auto x = decode<admin_set_version_request>(rest))
        on_set_version(*x);
      break;
    case 5:
      if (auto x = decode<admin_transfer_request>(rest))
        on_transfer(*x);
      break;
    case 6:
      decode<admin_compact_request>(rest);
      break;
    case 7:
      if (auto x = decode<admin_health_request>(rest)) {
        // What a worker does with it: judge a reply against max_lag.
        admin_health_reply h;
        h.running = true;
        h.max_lag = x->max_lag;
        h.commit_lag = x->max_lag;
        judge_health(h);
        FUZZ_CHECK(h.healthy == h.problems.empty(),
                   "a verdict disagrees with its problems");
      }
      break;
    case 8:
      decode<admin_metrics_request>(rest);
      break;
    default:
      // A change_request as a node forwards it to the leader (peer link).
      if (auto x = decode<change_request>(rest); x && is_known(x->op))
        leader_admits(*x);
      break;
  }
  return 0;
}
