// The peer_codec target's seeds: one encoded message of each family, plus
// edge cases (see make_corpus.cpp).

#include <caf/all.hpp>

#include "actors/node/system_config.hpp"
#include "actors/transport/peer_codec.hpp"
#include "protocol/appends.hpp"
#include "protocol/code_version.hpp"
#include "protocol/commands.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/membership.hpp"
#include "protocol/votes.hpp"
#include "protocol/read_index.hpp"
#include "tests/fuzz/make_corpus.hpp"

namespace flexsync::fuzz {

namespace {

append_entries two_entries() {
  append_entries ae;
  ae.term = term_t{3};
  ae.leader = node_id{"n1"};
  ae.prev_log_index = index_t{4};
  ae.prev_log_term = term_t{2};
  ae.entries.resize(2);
  ae.entries[0].index = index_t{5};
  ae.entries[0].term = term_t{3};
  ae.entries[1].index = index_t{6};
  ae.entries[1].term = term_t{3};
  ae.entries[1].kind = entry_kind::command;
  ae.entries[1].data = "payload";
  ae.leader_commit = index_t{4};
  return ae;
}

} // namespace

void peer_messages() {
  system_config cfg{1};
  caf::actor_system sys{cfg};
  auto probe = sys.spawn([] { return caf::behavior{[](int32_t) {}}; });
  {
    peer_codec codec{sys, probe};
    auto seed = [&](const std::string& name, const caf::message& msg) {
      std::vector<char> out;
      std::string error;
      if (!codec.encode(msg, out, error))
        throw std::runtime_error(error);
      put("peer_codec", name, {out.begin(), out.end()});
    };
    request_vote rv;
    rv.term = term_t{2};
    rv.candidate = node_id{"n2"};
    rv.pre_vote = true;
    seed("request_vote", caf::make_message(rv));
    seed("append_entries", caf::make_message(two_entries()));
    heartbeat hb;
    hb.leader = node_id{"n1"};
    hb.read_round = 3;
    seed("heartbeat", caf::make_message(hb));
    seed("read_index_request",
         caf::make_message(read_index_request{term_t{2}, node_id{"n2"}, 9}));
    seed("read_index_reply",
         caf::make_message(read_index_reply{9, node_id{"n1"}, index_t{12},
                                            true}));
    forward_command fc;
    fc.origin = node_id{"n3"};
    fc.commands.push_back(command{7, 1, "call"});
    seed("forward_command", caf::make_message(fc));
    install_snapshot is;
    is.leader = node_id{"n1"};
    is.total_size = 5;
    is.data = "chunk";
    seed("install_snapshot", caf::make_message(is));
    change_request cr;
    cr.op = change_op::add_voter;
    cr.node = node_id{"n4"};
    cr.id = 1;
    cr.from = node_id{"n2"};
    cr.budget_ns = 1000000000;
    seed("change_request", caf::make_message(cr));
    cr.op = change_op::set_version;
    cr.node = node_id{};
    cr.version = 2;
    seed("set_version", caf::make_message(cr));
    auto ve = two_entries();
    ve.entries[1].kind = entry_kind::version;
    ve.entries[1].data = encode_code_version(2);
    seed("version_entry", caf::make_message(ve));
    change_reply crep;
    crep.id = 1;
    crep.result = change_result::denied("why");
    seed("change_reply", caf::make_message(crep));
    seed("timeout_now", caf::make_message(timeout_now{term_t{3},
                                                      node_id{"n1"}}));
  }
  caf::anon_send_exit(probe, caf::exit_reason::user_shutdown);
}

} // namespace flexsync::fuzz
