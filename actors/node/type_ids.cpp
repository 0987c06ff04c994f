#include "actors/node/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include "actors/node/wiring.hpp"
#include "protocol/appends.hpp"
#include "protocol/commands.hpp"
#include "protocol/incarnation.hpp"
#include "protocol/membership.hpp"
#include "protocol/read_index.hpp"
#include "protocol/snapshots.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

caf::error to_error(fail_reason x) {
  return caf::error{static_cast<uint8_t>(x), error_category};
}

fail_reason to_fail_reason(const caf::error& err) {
  if (err.category() == error_category)
    return static_cast<fail_reason>(err.code());
  if (err == caf::sec::request_timeout)
    return fail_reason::timeout;
  return fail_reason::stopped;
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<term_t>("flexsync::term_t");
  cfg.add_message_type<index_t>("flexsync::index_t");
  cfg.add_message_type<node_id>("flexsync::node_id");
  cfg.add_message_type<log_entry>("flexsync::log_entry");
  cfg.add_message_type<entry_list>("flexsync::entry_list");
  cfg.add_message_type<incarnation_t>("flexsync::incarnation_t");
  cfg.add_message_type<incarnation_entry>("flexsync::incarnation_entry");
  cfg.add_message_type<incarnation_map>("flexsync::incarnation_map");
  cfg.add_message_type<promise>("flexsync::promise");
  cfg.add_message_type<recovery_probe>("flexsync::recovery_probe");
  cfg.add_message_type<recovery_report>("flexsync::recovery_report");
  cfg.add_message_type<request_vote>("flexsync::request_vote");
  cfg.add_message_type<vote_reply>("flexsync::vote_reply");
  cfg.add_message_type<timeout_now>("flexsync::timeout_now");
  cfg.add_message_type<read_index_request>("flexsync::read_index_request");
  cfg.add_message_type<read_index_reply>("flexsync::read_index_reply");
  cfg.add_message_type<append_entries>("flexsync::append_entries");
  cfg.add_message_type<append_reply>("flexsync::append_reply");
  cfg.add_message_type<heartbeat>("flexsync::heartbeat");
  cfg.add_message_type<heartbeat_reply>("flexsync::heartbeat_reply");
  cfg.add_message_type<command>("flexsync::command");
  cfg.add_message_type<std::vector<command>>("flexsync::command_list");
  cfg.add_message_type<forward_command>("flexsync::forward_command");
  cfg.add_message_type<forward_reply>("flexsync::forward_reply");
  cfg.add_message_type<install_snapshot>("flexsync::install_snapshot");
  cfg.add_message_type<install_reply>("flexsync::install_reply");
  cfg.add_message_type<node_endpoints>("flexsync::node_endpoints");
  cfg.add_message_type<quorum_spec>("flexsync::quorum_spec");
  cfg.add_message_type<membership>("flexsync::membership");
  cfg.add_message_type<change_result>("flexsync::change_result");
  cfg.add_message_type<change_request>("flexsync::change_request");
  cfg.add_message_type<change_reply>("flexsync::change_reply");
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value,
                            const caf::message& context) {
                           std::string result = "flexsync::";
                           result += to_string(static_cast<fail_reason>(code));
                           if (!context.empty())
                             result += caf::to_string(context);
                           return result;
                         });
}

} // namespace flexsync
