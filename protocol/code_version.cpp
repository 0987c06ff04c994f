#include "protocol/code_version.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

namespace flexsync {

namespace {

/// Payload format of version entries; bumped on incompatible changes.
constexpr int encoding_version = 1;

std::string version_list(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

} // namespace

std::string encode_code_version(uint32_t version) {
  nlohmann::json j;
  j["v"] = encoding_version;
  j["code_version"] = version;
  return j.dump();
}

std::optional<uint32_t> decode_code_version(const std::string& data) {
  auto j = nlohmann::json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("v")
      || j["v"] != encoding_version || !j.contains("code_version"))
    return std::nullopt;
  auto& x = j["code_version"];
  if (!x.is_number_unsigned()
      || x.get<uint64_t>() > std::numeric_limits<uint32_t>::max())
    return std::nullopt;
  return static_cast<uint32_t>(x.get<uint64_t>());
}

std::vector<uint32_t> versions_in_effect(std::vector<uint32_t> declared,
                                         uint32_t enabled) {
  std::erase_if(declared, [enabled](uint32_t v) { return v > enabled; });
  std::sort(declared.begin(), declared.end(), std::greater<>{});
  declared.erase(std::unique(declared.begin(), declared.end()),
                 declared.end());
  return declared;
}

version_step apply_version_entry(uint32_t enabled, uint32_t version,
                                 uint32_t supported) {
  using kind = version_step::kind;
  // Versions never go down: an older (or repeated) entry is a no-op on
  // every replica alike, whatever order retries put them in.
  if (version <= enabled)
    return {kind::unchanged, enabled};
  if (version > supported)
    return {kind::unsupported, enabled};
  return {kind::change, version};
}

version_admission admit_code_version(uint32_t requested, uint32_t enabled,
                                     const std::vector<voter_version>& voters) {
  using kind = version_admission::kind;
  auto n = std::to_string(requested);
  if (requested < enabled)
    return {kind::denied, "downgrades are not supported: code version "
                            + std::to_string(enabled) + " is enabled, " + n
                            + " is lower"};
  if (requested == enabled)
    return {kind::already, "code version " + n + " is already enabled"};
  std::vector<std::string> lacking;
  std::vector<std::string> silent;
  uint32_t highest = 0;
  size_t voter_count = 0, voters_lacking = 0, learners_lacking = 0;
  for (auto& v : voters) {
    voter_count += v.learner ? 0 : 1;
    if (!v.supported) {
      if (!v.learner)
        silent.push_back(v.id.name);
      continue;
    }
    if (!v.learner)
      highest = std::max(highest, *v.supported);
    if (*v.supported >= requested)
      continue;
    (v.learner ? learners_lacking : voters_lacking) += 1;
    lacking.push_back(v.id.name + (v.learner ? " (a learner)" : "")
                      + " supports up to " + std::to_string(*v.supported));
  }
  if (silent.empty() && voter_count > 0 && voters_lacking == voter_count)
    return {kind::denied, "no voter supports code version " + n
                            + " (the highest any voter supports is "
                            + std::to_string(highest) + ")"};
  if (lacking.empty() && silent.empty())
    return {kind::accepted, "enabling code version " + n};
  bool voters_short = voters_lacking > 0 || !silent.empty();
  std::string why = "code version " + n + " is not supported by every "
                    + (voters_short && learners_lacking > 0 ? "voter and learner"
                       : voters_short                      ? "voter"
                                                           : "learner");
  if (!lacking.empty())
    why += ": " + version_list(lacking);
  if (!silent.empty())
    why += (lacking.empty() ? ": " : "; ") + std::string{"no answer from "}
           + version_list(silent);
  return {kind::denied, why};
}

std::optional<uint32_t> parse_code_version(const std::string& text) {
  uint32_t out = 0;
  auto* end = text.data() + text.size();
  if (text.empty() || text.front() < '0' || text.front() > '9')
    return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc{} || ptr != end)
    return std::nullopt;
  return out;
}

} // namespace flexsync
