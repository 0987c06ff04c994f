#pragma once

// Helpers of the recovery tests (recovery_test.cpp,
// recovery_promise_test.cpp): voters "1".."n", reports and vote requests.

#include <utility>
#include <vector>

#include "protocol/recovery.hpp"
#include "protocol/vote_rules.hpp"

namespace flexsync::recovery_testing {

inline node_id n(const char* x) {
  return node_id{x};
}

inline std::vector<node_id> voters(size_t count) {
  std::vector<node_id> xs;
  for (size_t i = 1; i <= count; ++i)
    xs.emplace_back(std::to_string(i));
  return xs;
}

inline incarnation_t inc(uint64_t x) {
  return incarnation_t{x};
}

/// A report of `from` (incarnation 1) with `term`, intact or not.
inline recovery_report report(const char* from, uint64_t term, bool intact,
                       uint64_t last = 0, bool durable = false,
                       bool holds_data = false) {
  recovery_report r;
  r.from = n(from);
  r.incarnation = inc(1);
  r.seq = 1;
  r.current_term = term_t{term};
  r.intact = intact;
  r.holds_state = intact;
  r.last_log_index = index_t{last};
  r.last_log_term = term_t{last > 0 ? term : 0};
  r.durable = durable;
  r.holds_data = holds_data;
  return r;
}

inline recovery fresh(const char* self, size_t count, uint64_t incarnation = 2) {
  return recovery{n(self), inc(incarnation),
                  quorum_system::majority(voters(count)), true, false};
}

inline recovery::log_facts empty_log(uint64_t term = 0) {
  return {term_t{term}, index_t{0}, term_t{0}, index_t{0}, false};
}

inline request_vote request(const char* candidate, uint64_t term, vote_kind kind,
                     uint64_t incarnation = 1) {
  request_vote r;
  r.term = term_t{term};
  r.candidate = n(candidate);
  r.kind = kind;
  r.incarnation = inc(incarnation);
  return r;
}

/// Node 2 lost its state and promised 1 in term 1, in a system where every
/// commit needs all three; 3 holds its state. Returns it and 1's report
/// that it holds its state and follows 3 in term 4 (not yet taken in).
inline std::pair<recovery, recovery_report> promised_to_one() {
  recovery r{n("2"), inc(2),
             quorum_system::counting(voters(3), 2, 3), true, false};
  r.on_promise(promise{n("1"), inc(7), term_t{1}});
  r.on_report(report("3", 4, true));
  auto rep = report("1", 4, true);
  rep.leader = n("3");
  return {std::move(r), std::move(rep)};
}


} // namespace flexsync::recovery_testing
