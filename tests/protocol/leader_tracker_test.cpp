// The leader's follower bookkeeping (protocol/leader_tracker).

#include <catch2/catch.hpp>

#include <chrono>

#include "protocol/leader_tracker.hpp"

using namespace flexsync;
using namespace std::chrono_literals;

namespace {

const node_id a{"a"}, b{"b"}, c{"c"};

std::map<node_id, tracked_follower> followers(index_t mb, index_t mc) {
  std::map<node_id, tracked_follower> out;
  for (auto& [id, m] : {std::pair{b, mb}, std::pair{c, mc}}) {
    tracked_follower f{progress{index_t{0}, 4}};
    f.prog.on_success(m);
    out.emplace(id, std::move(f));
  }
  return out;
}

} // namespace

TEST_CASE("a reply of an older incarnation is stale, a newer one resets the "
          "follower's progress") {
  tracked_follower f{progress{index_t{0}, 4}};
  CHECK_FALSE(f.heard);
  CHECK(accept_reply(f, incarnation_t{5}, true, 1s, index_t{9}, 4)
        == reply_effect::accepted); // the first incarnation it hears of
  CHECK(f.heard);
  f.prog.on_success(index_t{7});
  CHECK(accept_reply(f, incarnation_t{4}, false, 2s, index_t{9}, 4)
        == reply_effect::stale);
  CHECK(f.counts);
  CHECK(f.last_reply == 1s);
  CHECK(accept_reply(f, incarnation_t{6}, false, 3s, index_t{9}, 4)
        == reply_effect::restarted);
  CHECK(f.prog.match_index() == index_t{0});
  CHECK(f.prog.next_index() == index_t{10});
  CHECK_FALSE(f.counts);
  CHECK(f.last_reply == 3s);
  CHECK(accept_reply(f, incarnation_t{6}, std::nullopt, 4s, index_t{9}, 4)
        == reply_effect::accepted);
  CHECK_FALSE(f.counts); // a reply without the flag keeps it
}

TEST_CASE("the commit index counts only followers that count") {
  auto q = quorum_system::majority({a, b, c});
  auto fs = followers(index_t{6}, index_t{8});
  CHECK(leader_commit(q, a, index_t{8}, fs, index_t{1}, index_t{0})
        == index_t{8});
  fs.at(c).counts = false;
  CHECK(leader_commit(q, a, index_t{8}, fs, index_t{1}, index_t{0})
        == index_t{6});
  // Figure 8: nothing below the leader's own term by counting.
  CHECK(leader_commit(q, a, index_t{8}, fs, index_t{7}, index_t{0})
        == index_t{0});
  CHECK(lowest_match(index_t{8}, fs) == index_t{6});
}

TEST_CASE("check-quorum and has_quorum count recent replies of followers "
          "that count") {
  auto q = quorum_system::majority({a, b, c});
  auto fs = followers(index_t{1}, index_t{1});
  fs.at(b).last_reply = 10s;
  fs.at(c).last_reply = 2s;
  CHECK(replying_quorum(q, a, fs, 11s, 1s));
  fs.at(b).counts = false;
  CHECK_FALSE(replying_quorum(q, a, fs, 11s, 1s));
  CHECK(replying_quorum(q, a, fs, 11s, 9s));
}

TEST_CASE("a leader tells a follower only the commit it verified, and news "
          "when its match passed what it was told") {
  CHECK(commit_to_send(index_t{9}, index_t{5}) == index_t{5});
  CHECK(commit_to_send(index_t{3}, index_t{5}) == index_t{3});
  tracked_follower f{progress{index_t{0}, 4}};
  f.prog.on_success(index_t{6});
  f.commit_sent = index_t{4};
  CHECK(needs_commit_news(f, index_t{9}, term_t{2}));
  CHECK_FALSE(needs_commit_news(f, index_t{4}, term_t{2}));
  // Not sent past 6: the news is what it verified, 6.
  auto n = news_for(f, index_t{9}, term_t{2});
  CHECK(n.verified == index_t{6});
  CHECK(n.hint == index_t{0});
  CHECK(n.told() == index_t{6});
  // Sent up to 12 (not yet acknowledged): the commit index with its term.
  f.prog.on_sent(index_t{12});
  n = news_for(f, index_t{9}, term_t{2});
  CHECK(n.verified == index_t{6});
  CHECK(n.hint == index_t{9});
  CHECK(n.hint_term == term_t{2});
  CHECK(n.told() == index_t{9});
  // The leader no longer holds the entry's term: no hint.
  CHECK(news_for(f, index_t{9}, term_t{0}).hint == index_t{0});
  f.commit_sent = index_t{9};
  CHECK_FALSE(needs_commit_news(f, index_t{9}, term_t{2}));
  CHECK(needs_commit_news(f, index_t{10}, term_t{2}));
  CHECK(reply_deposes(term_t{5}, term_t{4}, term_t{4}));
  CHECK_FALSE(reply_deposes(term_t{5}, term_t{5}, term_t{4}));
}

TEST_CASE("an asynchronous answer applies only to the leadership that asked") {
  CHECK(still_leading(true, term_t{4}, term_t{4}));
  CHECK_FALSE(still_leading(true, term_t{5}, term_t{4}));
  CHECK_FALSE(still_leading(false, term_t{4}, term_t{4}));
}
