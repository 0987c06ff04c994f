#pragma once

// Code versions, for zero-downtime deploys (PySyncObj's @replicated(ver=N)
// and set_version), as pure rules.
//
// A binary declares handler sets per code version: the operations added or
// changed in version N (state_machines/state_machine.hpp). Each node
// supports the versions up to its max_code_version. The cluster's *enabled*
// version is replicated state: a `version` log entry switches it when the
// entry is applied, so every replica switches at the same index, running
// the old behaviours before it and the new ones after it. The leader
// appends one only when every voter told it recently that it supports the
// version. The enabled version never goes down: an entry naming a version
// at or below it changes nothing.
//
// Invariants: a replica never applies an entry under a version it does not
// support (apply_version_entry says `unsupported`, and it stops).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/types.hpp"

namespace flexsync {

/// Entry payload of a version entry (self-describing JSON).
std::string encode_code_version(uint32_t version);

/// Parses a payload of encode_code_version; nothing when malformed.
std::optional<uint32_t> decode_code_version(const std::string& data);

/// The handler sets that serve the enabled version `enabled`, newest first:
/// every declared version up to `enabled`. An operation's newest definition
/// therefore wins, and older sets supply the operations newer ones did not
/// redefine. Duplicates in `declared` count once.
std::vector<uint32_t> versions_in_effect(std::vector<uint32_t> declared,
                                         uint32_t enabled);

/// What applying a version entry does on a replica.
struct version_step {
  enum class kind : uint8_t {
    /// The entry names the enabled version or an older one: nothing.
    unchanged,
    /// Switch to `next` (the entry's version).
    change,
    /// The entry names a version this binary does not support: the
    /// replica must stop applying (it would run the wrong behaviours).
    unsupported,
  };
  kind what = kind::unchanged;
  uint32_t next = 0;
};

/// Applying a version entry for `version` while `enabled` is in effect, on
/// a binary that supports versions up to `supported`.
version_step apply_version_entry(uint32_t enabled, uint32_t version,
                                 uint32_t supported);

/// A voter (or learner) as the leader sees it when asked to enable a
/// version.
struct voter_version {
  node_id id;
  /// The highest version it supports, from a reply within the check-quorum
  /// window (the leader's own for itself); nothing when it did not answer.
  std::optional<uint32_t> supported;
  /// A learner (configured or read-only): one that answered and lacks the
  /// version blocks the switch too (it would stop applying at the version
  /// entry); a silent one does not (it cannot be asked).
  bool learner = false;
};

/// The leader's answer to "enable `requested`".
struct version_admission {
  enum class kind : uint8_t {
    /// `requested` is enabled already: success, nothing to append.
    already,
    /// Refused; `detail` says why (one line).
    denied,
    /// Append the version entry.
    accepted,
  };
  kind what = kind::denied;
  std::string detail;
};

/// Whether the leader may append a version entry for `requested` while
/// `enabled` is in effect and the voters (of every part of the
/// configuration, the leader included) and the learners that answered
/// report `voters`. A downgrade is refused; so is a version some voter
/// lacks or did not confirm, or some learner that answered lacks (naming
/// them), and one no voter supports.
version_admission admit_code_version(uint32_t requested, uint32_t enabled,
                                     const std::vector<voter_version>& voters);

/// Parses a version a person typed ("3"): digits only, at most UINT32_MAX.
std::optional<uint32_t> parse_code_version(const std::string& text);

} // namespace flexsync
