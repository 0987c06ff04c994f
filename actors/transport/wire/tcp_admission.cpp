#include "actors/transport/wire/tcp_admission.hpp"

#include "protocol/assert.hpp"
#include <cstdio>
#include <map>

namespace flexsync::tcp {

size_t pick_victim(std::span<const pending_view> xs) {
  FLEXSYNC_ASSERT(!xs.empty(), std::string{"tcp_admission invariant"});
  // Rule 1: only the least advanced group is a candidate.
  bool any_fresh = false;
  for (auto& x : xs)
    any_fresh = any_fresh || !x.hello_accepted;
  auto candidate = [&](const pending_view& x) {
    return x.hello_accepted != any_fresh;
  };
  // Rule 2: the host with the most candidates; a tie goes to the host of
  // the oldest candidate, like rule 3.
  struct per_host {
    size_t count = 0;
    uint64_t oldest = UINT64_MAX;
  };
  std::map<std::string_view, per_host> hosts;
  for (auto& x : xs) {
    if (!candidate(x))
      continue;
    auto& h = hosts[x.host];
    ++h.count;
    h.oldest = std::min(h.oldest, x.seq);
  }
  auto best = hosts.begin();
  for (auto i = hosts.begin(); i != hosts.end(); ++i)
    if (i->second.count > best->second.count ||
        (i->second.count == best->second.count &&
         i->second.oldest < best->second.oldest))
      best = i;
  // Rule 3: that host's oldest candidate.
  for (size_t i = 0; i < xs.size(); ++i)
    if (candidate(xs[i]) && xs[i].host == best->first &&
        xs[i].seq == best->second.oldest)
      return i;
  FLEXSYNC_ASSERT(false, std::string{"tcp_admission invariant"});
  return 0;
}

handshake_log::handshake_log(size_t lines_per_interval,
                             clock::duration interval)
    : lines_per_interval_(lines_per_interval), interval_(interval) {
  // nop
}

bool handshake_log::record(event e, clock::time_point now, bool wants_line) {
  if (!started_) {
    start_ = now;
    started_ = true;
    // A quiet interval in between ends a flood.
    if (now - ended_ >= interval_)
      flooding_ = false;
  }
  ++counts_[static_cast<size_t>(e)];
  if (!wants_line)
    return false;
  if (flooding_ || lines_ >= lines_per_interval_) {
    ++held_back_;
    return false;
  }
  ++lines_;
  return true;
}

std::optional<std::string> handshake_log::roll(clock::time_point now) {
  if (!started_ || now - start_ < interval_)
    return std::nullopt;
  std::optional<std::string> result;
  if (held_back_ > 0) {
    static constexpr const char* what[kinds] = {
        "evicted (all handshake slots taken)",
        "closed at the handshake deadline",
        "rejected for a protocol violation",
        "closed by the remote end",
    };
    char secs[32];
    std::snprintf(secs, sizeof(secs), "%.1f",
                  std::chrono::duration<double>(now - start_).count());
    std::string line =
        "unauthenticated connections in the last " + std::string{secs} + " s: ";
    bool first = true;
    for (size_t i = 0; i < kinds; ++i) {
      if (counts_[i] == 0)
        continue;
      line += (first ? "" : ", ") + std::to_string(counts_[i]) + " " + what[i];
      first = false;
    }
    if (lines_ > 0)
      line += "; " + std::to_string(lines_) + " of them logged above";
    result = std::move(line);
  }
  flooding_ = held_back_ > 0;
  ended_ = now;
  // The next interval starts with its first event, so a quiet node writes
  // nothing and an isolated event after a quiet spell gets its own line.
  started_ = false;
  counts_[0] = counts_[1] = counts_[2] = counts_[3] = 0;
  lines_ = held_back_ = 0;
  return result;
}

} // namespace flexsync::tcp
