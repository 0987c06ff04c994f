#pragma once

// Who keeps a handshake slot when connections flood in, and how such a
// flood is logged. Pure and CAF-free; the TCP transport (tcp_links.cpp)
// asks and carries out the answer.
//
// Design (issue 18: half-open connections on a majority stopped the
// cluster). Anyone who can reach a node's port can open connections that
// never finish a handshake. The transport used to refuse new connections
// while `max_pending_connections` handshakes were in progress, each slot
// held up to `connection_timeout`; a flood kept every slot taken, so a real
// peer's redial was refused again and again and its link never came back.
// Now a new connection is never refused: when the slots are full, it takes
// the slot of an unfinished handshake chosen by `pick_victim`:
//
// 1. Progress first. A real peer sends its hello the moment it has
//    connected and its proof one round trip after our hello, so a real
//    handshake is past its hello within one event-loop turn of the accept
//    and done within one round trip. A connection still without a complete
//    hello is evicted before one whose hello was accepted (it claims a
//    member's identity and owes the proof). Trickling bytes, stalling, or
//    sending nothing never leaves the first group, so such a flood only
//    ever evicts itself.
// 2. Then the remote host with the most connections in that group, so one
//    attacking host cannot evict connections from other hosts. On loopback
//    every peer shares 127.0.0.1 and this rule decides nothing; rule 1 and
//    rule 3 still protect real peers there.
// 3. Then the oldest: a real handshake is young while it is unfinished. To
//    evict it, as many newer connections as there are slots would have to
//    be accepted within its round trip.
//
// The password handshake is unchanged: no frame is trusted earlier, and an
// evicted connection is merely closed (with a `busy` refusal). Deliberate
// omissions: the handshake deadline stays `connection_timeout`, because with
// eviction a shorter one would not help a real peer and would only make a
// flood recycle its connections faster (the cost of a flood is CPU per
// accepted connection; an idle half-open connection costs a descriptor and
// a few hundred bytes); and the dial rule (the greater address dials) stays,
// because the dialed side now always gets its handshake through.
//
// Logging: a flood of thousands of connections per second must not write a
// line each. `handshake_log` gives the first few events of an interval
// their own line (so rare cases keep their one clear line) and counts the
// rest into one summary line per interval; while a flood goes on (the
// previous interval already held lines back), only the summary is written.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace flexsync::tcp {

/// What the slot policy knows of one accepted connection in its handshake.
struct pending_view {
  /// The remote host, without the port.
  std::string_view host;
  /// Its hello was accepted; it now owes the proof (password mode).
  bool hello_accepted = false;
  /// Order of acceptance: smaller is older.
  uint64_t seq = 0;
};

/// The index in `xs` of the connection to evict so that a new one gets a
/// slot (rules 1-3 above). @pre !xs.empty()
size_t pick_victim(std::span<const pending_view> xs);

/// Bounded logging of events on connections that are not authenticated:
/// at most `lines_per_interval` own lines per interval, none while a flood
/// goes on, the rest counted into one summary line per interval. Not
/// thread-safe (one broker owns it).
class handshake_log {
 public:
  using clock = std::chrono::steady_clock;

  enum class event : uint8_t {
    /// Closed to give its slot to a newer connection.
    evicted,
    /// Its handshake did not finish before the deadline.
    timed_out,
    /// It broke the protocol (bad frame, refusal, failed proof).
    rejected,
    /// The remote end closed it during the handshake.
    closed_by_remote,
  };

  handshake_log() = default;
  handshake_log(size_t lines_per_interval, clock::duration interval);

  /// Counts `e`; true when it may have its own log line. `wants_line`:
  /// whether its line would be written at all (its level is enabled).
  bool record(event e, clock::time_point now, bool wants_line = true);

  /// Once per interval: the summary line of the interval that ended, when
  /// some of its lines were held back; then starts the next interval.
  std::optional<std::string> roll(clock::time_point now);

 private:
  static constexpr size_t kinds = 4;

  size_t lines_per_interval_ = 5;
  clock::duration interval_ = std::chrono::seconds(5);
  clock::time_point start_{};
  bool started_ = false;
  size_t counts_[kinds] = {};
  /// Lines written and lines held back in this interval.
  size_t lines_ = 0;
  size_t held_back_ = 0;
  /// The last interval held lines back and ended at `ended_`.
  bool flooding_ = false;
  clock::time_point ended_{};
};

} // namespace flexsync::tcp
