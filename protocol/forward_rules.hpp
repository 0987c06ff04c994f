#pragma once

// What a leader does with commands another node forwarded to it: whether to
// take them at all, and which of them it has not appended before.
//
// A forward is bound to the term its sender believed the receiver leads.
// The receiver appends it only while it leads exactly that term. Otherwise
// it refuses it as not_leader only when it provably never led that term
// (a later term than the one this incarnation started in, and not one it
// led): the sender may then retry elsewhere. A forward bound to a term this
// node may have led is dropped silently, because an earlier copy may have
// been appended; the caller learns the outcome from the log.
//
// Duplicates: the network may duplicate or delay a forward. Per client the
// leader keeps the client's watermark (request ids below it are resolved at
// the client) and the ids at or above it that it appended in this
// leadership; a command is fresh only if it is at or above the watermark
// and not seen.

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "protocol/commands.hpp"
#include "protocol/types.hpp"

namespace flexsync {

enum class forward_admission : uint8_t { append, drop, refuse };

/// `leading`/`lead_term`: whether and which term this node leads;
/// `start_term`: the term this incarnation started in; `led_terms`: the
/// terms it has led.
forward_admission admit_forward(bool leading, term_t lead_term,
                                term_t forward_term, term_t start_term,
                                const std::set<term_t>& led_terms);

/// The leader's de-duplication of forwarded commands, for one leadership.
class forward_dedupe {
public:
  /// Moves the commands not appended before out of `commands` (in order),
  /// advancing each client's watermark to `watermark`.
  std::vector<command> take_fresh(uint64_t watermark,
                                  std::vector<command>& commands);

  /// The fresh commands could not be appended after all (refused): a later
  /// copy may be taken again.
  void forget(const std::vector<command>& commands);

  /// A new leadership starts from nothing.
  void clear() { clients_.clear(); }

private:
  struct window {
    /// Request ids below it are resolved at the client; drop them.
    uint64_t floor = 0;
    std::set<uint64_t> seen;
  };

  std::map<uint64_t, window> clients_;
};

} // namespace flexsync
