// Fuzz target "quorum_spec": quorum systems as users and peers give them,
// as text (node_config, flexsync-node --quorum, scenario files) and as the
// JSON of a config entry (the log, snapshots, appends from a leader).
//
// Input: a mode byte. Even: lines separated by '\n': a spec's text, zone
// labels, weight labels, then the voters; the rest of the bytes are match
// indexes. Odd: the rest is a config entry's payload.
//
// Properties: parsing and validation refuse with config_error (or nothing)
// and never crash, whatever the numbers (a peer's spec must not overflow a
// grid's shape or a zone's size); an accepted spec builds a system whose
// text reads back to the same spec and whose configuration survives its
// entry encoding; its committed index is one of the match indexes (or 0);
// and a decoded entry encodes and decodes to itself.

#include <algorithm>
#include <cctype>
#include <string_view>

#include "protocol/membership.hpp"
#include "protocol/quorum_spec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;

namespace {

std::string line(fuzz::input& in) {
  std::string result;
  for (char c; !in.empty() && (c = static_cast<char>(in.u8())) != '\n';)
    result += c;
  return result;
}

/// Names the text form can carry in a grid's order (a '/', ',' or ')'
/// inside a name cannot be written there) and JSON can hold (UTF-8).
bool plain(const std::vector<node_id>& xs) {
  return std::all_of(xs.begin(), xs.end(), [](const node_id& x) {
    return std::all_of(x.name.begin(), x.name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c))
             || std::string_view{".:[]-_"}.find(c) != std::string_view::npos;
    });
  });
}

/// The spec `spec`'s text form reads back to (labels aside, which the text
/// does not carry), or nothing when it does not parse.
std::optional<quorum_spec> read_back(const quorum_spec& spec) {
  try {
    auto back = parse_quorum_spec(to_string(spec));
    back.order = spec.order;
    back.weight_of = spec.weight_of;
    back.zone_of = spec.zone_of;
    return back;
  } catch (const config_error&) {
    return std::nullopt;
  }
}

void check_system(const std::vector<node_id>& voters, const quorum_spec& spec,
                  fuzz::input& in) {
  if (quorum_system::check(voters, spec))
    return;
  auto q = quorum_system::make(voters, spec); // throws: a crash
  std::map<node_id, index_t> match;
  std::vector<uint64_t> values{0};
  for (auto& v : q.voters()) {
    values.push_back(in.u8());
    match[v] = index_t{values.back()};
  }
  auto c = q.committed_index(match).value;
  FUZZ_CHECK(std::find(values.begin(), values.end(), c) != values.end(),
             "committed index " + std::to_string(c) + " is no match index");
  // Names outside the text form (and bytes that are no UTF-8, which the
  // JSON of an entry cannot hold) are not what this target is about.
  if (!plain(voters))
    return;
  FUZZ_CHECK(read_back(spec) == spec,
             "the text " + to_string(spec) + " reads back differently");
  configuration conf;
  conf.current.voters = voters;
  conf.current.quorum = spec;
  conf.current.normalize();
  auto decoded = decode_configuration(encode_configuration(conf));
  FUZZ_CHECK(decoded && *decoded == conf,
             "a valid configuration does not survive its encoding: "
               + conf.to_string());
}

void from_text(fuzz::input& in) {
  auto text = line(in);
  auto zones = line(in);
  auto weights = line(in);
  std::vector<node_id> voters;
  for (auto name = line(in); !name.empty() && voters.size() < 12;
       name = line(in))
    voters.emplace_back(name);
  quorum_spec spec;
  try {
    spec = parse_quorum_spec(text);
    label_map labels;
    parse_zone_labels(zones, labels);
    parse_weight_labels(weights, labels);
    spec = with_labels(spec, voters, labels);
  } catch (const config_error&) {
    return; // refused: fine
  }
  check_system(voters, spec, in);
}

void from_json(fuzz::input& in) {
  auto c = decode_configuration(in.rest());
  if (!c)
    return;
  auto q = c->quorum(); // a decoded configuration is valid: no throw
  auto again = decode_configuration(encode_configuration(*c));
  FUZZ_CHECK(again && *again == *c,
             "a decoded configuration changes when encoded again: "
               + c->to_string());
  FUZZ_CHECK(!q.voters().empty(), "a decoded configuration has no voter");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  if (in.u8() % 2 == 0)
    from_text(in);
  else
    from_json(in);
  return 0;
}
