// Fuzz target "config": a node's configuration (protocol/config.hpp) as a
// user's config file or command line may give it: any names, sizes and
// durations, then normalize_and_validate().
//
// Input: flags (bit 0: read-only, bit 1: counting quorum, bit 2: periodic
// fsync), the quorum sizes, six durations and four sizes (a byte each, so
// that zero and the edges come up often), then names separated by '\n':
// self, partners up to an empty line, then learners.
//
// Properties: validation either throws config_error or leaves a config
// whose invariants hold (self named and never among the partners; partners
// and learners sorted, unique, non-empty and disjoint; read_only exactly
// when self is a learner; at least one voter; a valid quorum system); and
// validating that config again changes nothing.

#include <algorithm>

#include "protocol/config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;
using namespace std::chrono;

namespace {

nanoseconds duration_of(uint8_t x) {
  return milliseconds{x * 5};
}

std::string line(fuzz::input& in) {
  std::string result;
  for (char c; !in.empty() && (c = static_cast<char>(in.u8())) != '\n';)
    result += c;
  return result;
}

/// Lines up to an empty one (`stop_at_empty`) or to the end.
std::vector<node_id> names(fuzz::input& in, bool stop_at_empty) {
  std::vector<node_id> result;
  while (!in.empty()) {
    auto name = line(in);
    if (stop_at_empty && name.empty())
      break;
    result.emplace_back(std::move(name));
  }
  return result;
}

node_config make_config(fuzz::input& in) {
  node_config cfg;
  auto flags = in.u8();
  cfg.read_only = flags & 1;
  auto q1 = in.u8();
  auto q2 = in.u8();
  if (flags & 2)
    cfg.quorum = quorum_spec{q1, q2};
  cfg.persistence.fsync = flags & 4 ? fsync_policy::periodic
                                    : fsync_policy::always;
  cfg.heartbeat_interval = duration_of(in.u8());
  cfg.election_timeout_min = duration_of(in.u8());
  cfg.election_timeout_max = duration_of(in.u8());
  cfg.leader_fallback_timeout = duration_of(in.u8());
  cfg.default_call_timeout = duration_of(in.u8());
  cfg.persistence.fsync_period = duration_of(in.u8());
  cfg.max_batch_entries = in.u8();
  cfg.max_inflight = in.u8();
  cfg.persistence.segment_bytes = uint64_t{in.u8()} << 8;
  cfg.persistence.snapshot_chunk_bytes = in.u8();
  cfg.self = node_id{line(in)};
  cfg.partners = names(in, true);
  cfg.learners = names(in, false);
  return cfg;
}

bool sorted_unique(const std::vector<node_id>& xs) {
  return std::adjacent_find(xs.begin(), xs.end(), std::greater_equal<>{})
         == xs.end();
}

void check_invariants(const node_config& cfg) {
  FUZZ_CHECK(!cfg.self.empty(), "self is empty");
  FUZZ_CHECK(sorted_unique(cfg.partners) && sorted_unique(cfg.learners),
             "partners or learners not sorted and unique");
  for (auto& p : cfg.partners)
    FUZZ_CHECK(!p.empty() && p != cfg.self && !cfg.is_learner(p),
               "bad partner '" + p.name + "'");
  for (auto& l : cfg.learners)
    FUZZ_CHECK(!l.empty(), "empty learner");
  FUZZ_CHECK(cfg.read_only == cfg.is_learner(cfg.self), "read_only");
  auto voters = cfg.voters();
  FUZZ_CHECK(!voters.empty() && sorted_unique(voters), "voters");
  cfg.make_quorum_system(); // throws when unsafe: a crash here
}

/// The fields validation may change.
bool same_identity(const node_config& a, const node_config& b) {
  return a.self == b.self && a.partners == b.partners
         && a.learners == b.learners && a.read_only == b.read_only
         && a.voters() == b.voters();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto cfg = make_config(in);
  try {
    cfg.normalize_and_validate();
  } catch (const config_error&) {
    return 0;
  }
  check_invariants(cfg);
  auto again = cfg;
  again.normalize_and_validate(); // throws: a crash, validation is not stable
  FUZZ_CHECK(same_identity(again, cfg), "validating twice changes the config");
  return 0;
}
