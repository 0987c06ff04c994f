#pragma once

// Whether a message from a peer holds only values this node understands.
// The peer codec decodes enums as plain bytes, so a peer (a buggy or newer
// one) can send an entry kind, a campaign kind or a refusal reason that no
// switch here handles; such a message is refused at the transport with the
// reason, never taken in. An entry of unknown kind in particular would be
// journaled and then refused by the journal at the next restart; a forward
// reply claims its commands were never appended, so its reason must prove
// that (an unknown reason, or `timeout`, would fail a call whose command may
// still be applied).

#include <optional>
#include <string>

#include "protocol/appends.hpp"
#include "protocol/commands.hpp"
#include "protocol/log_entry.hpp"
#include "protocol/membership.hpp"
#include "protocol/votes.hpp"

namespace flexsync {

constexpr bool is_known(entry_kind x) {
  return x <= entry_kind::version;
}

constexpr bool is_known(vote_kind x) {
  return x <= vote_kind::recover;
}

/// Why the message cannot be taken in; nothing when it can.
std::optional<std::string> malformed(const request_vote& x);
std::optional<std::string> malformed(const append_entries& x);
std::optional<std::string> malformed(const forward_reply& x);
std::optional<std::string> malformed(const change_request& x);
std::optional<std::string> malformed(const change_reply& x);

} // namespace flexsync
