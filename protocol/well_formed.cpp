#include "protocol/well_formed.hpp"

#include "protocol/code_version.hpp"

namespace flexsync {

namespace {

std::string number(auto x) {
  return std::to_string(static_cast<int>(x));
}

} // namespace

std::optional<std::string> malformed(const request_vote& x) {
  if (!is_known(x.kind))
    return "request_vote of unknown campaign kind " + number(x.kind);
  return std::nullopt;
}

std::optional<std::string> malformed(const append_entries& x) {
  for (auto& e : x.entries) {
    if (!is_known(e.kind))
      return "append_entries with entry " + to_string(e.index)
             + " of unknown kind " + number(e.kind);
    // A configuration takes effect once appended: it must be one.
    if (e.kind == entry_kind::config && !decode_configuration(e.data))
      return "append_entries with config entry " + to_string(e.index)
             + " that is no valid configuration";
    // Every replica must read the same version from it, or refuse it here.
    if (e.kind == entry_kind::version && !decode_code_version(e.data))
      return "append_entries with version entry " + to_string(e.index)
             + " that names no code version";
  }
  return std::nullopt;
}

std::optional<std::string> malformed(const forward_reply& x) {
  if (!proves_not_applied(x.reason))
    return "forward_reply with reason " + number(x.reason)
           + ", which does not prove the commands were never applied";
  return std::nullopt;
}

std::optional<std::string> malformed(const change_request& x) {
  if (!is_known(x.op))
    return "change_request of unknown operation " + number(x.op);
  if (x.from.empty())
    return "change_request without its sender";
  if (auto& q = x.target.quorum;
      q && (!is_known(q->kind) || !is_known(q->elect)))
    return "change_request with a quorum system of unknown kind "
           + number(q->kind);
  if (!is_known(x.target.terms))
    return "change_request with unknown term mode " + number(x.target.terms);
  return std::nullopt;
}

std::optional<std::string> malformed(const change_reply& x) {
  if (x.result.reason > last_fail_reason)
    return "change_reply with unknown reason " + number(x.result.reason);
  return std::nullopt;
}

} // namespace flexsync
