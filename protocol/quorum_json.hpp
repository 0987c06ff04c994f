#pragma once

// A quorum spec in a configuration entry's JSON (membership.cpp), in the
// form the log has always held it where it can: nothing for majority and
// [election, replication] for counting, so that journals and snapshots
// written before other kinds existed read the same. The other kinds are
// objects naming their kind, parameters and labels:
//
//   {"kind":"grid","rows":2,"columns":2,"elect":"rows","order":["a",...]}
//   {"kind":"weighted","election":3,"replication":3,"weights":{"a":2,...}}
//   {"kind":"zones","fz":1,"fn":0,"zones":{"a":"us",...}}

#include <optional>

#include <nlohmann/json.hpp>

#include "protocol/quorum_spec.hpp"

namespace flexsync {

/// The JSON of a spec that is not majority.
nlohmann::json quorum_to_json(const quorum_spec& x);

/// Reads quorum_to_json's output (or an old [election, replication] pair);
/// nothing when malformed. Validity is checked by whoever builds the system.
std::optional<quorum_spec> quorum_from_json(const nlohmann::json& j);

} // namespace flexsync
