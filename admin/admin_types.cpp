#include "admin/admin_types.hpp"

#include <caf/message.hpp>

namespace flexsync::admin {

caf::error to_error(admin_refusal x, std::string detail) {
  return caf::error{static_cast<uint8_t>(x), refusal_category,
                    caf::make_message(std::move(detail))};
}

std::optional<admin_refusal> refusal_of(const caf::error& err) {
  if (err.category() != refusal_category)
    return std::nullopt;
  return static_cast<admin_refusal>(err.code());
}

std::string detail_of(const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

void register_admin_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<admin_challenge_request>(
    "flexsync::admin_challenge_request");
  cfg.add_message_type<admin_challenge>("flexsync::admin_challenge");
  cfg.add_message_type<admin_login>("flexsync::admin_login");
  cfg.add_message_type<admin_login_reply>("flexsync::admin_login_reply");
  cfg.add_message_type<admin_status_request>("flexsync::admin_status_request");
  cfg.add_message_type<admin_status_reply>("flexsync::admin_status_reply");
  cfg.add_message_type<admin_change_request>("flexsync::admin_change_request");
  cfg.add_message_type<admin_set_version_request>(
    "flexsync::admin_set_version_request");
  cfg.add_message_type<admin_transfer_request>(
    "flexsync::admin_transfer_request");
  cfg.add_message_type<admin_compact_request>(
    "flexsync::admin_compact_request");
  cfg.add_message_type<admin_health_request>("flexsync::admin_health_request");
  cfg.add_message_type<admin_health_reply>("flexsync::admin_health_reply");
  cfg.add_message_type<admin_metrics_request>(
    "flexsync::admin_metrics_request");
  cfg.add_message_type<admin_metrics_reply>("flexsync::admin_metrics_reply");
  cfg.add_message_type<admin_actor>("flexsync::admin_actor");
  cfg.add_error_category(refusal_category,
                         [](uint8_t code, caf::atom_value,
                            const caf::message& context) {
                           std::string result = to_string(
                             static_cast<admin_refusal>(code));
                           if (context.size() == 1
                               && context.match_element<std::string>(0))
                             result += ": " + context.get_as<std::string>(0);
                           return result;
                         });
}

} // namespace flexsync::admin
