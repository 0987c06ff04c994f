#include "protocol/metrics.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

TEST_CASE("histogram bounds grow by the factor from the start") {
  histogram h{0.5, 2, 4};
  REQUIRE(h.bucket_count() == 4);
  CHECK(h.upper_bound(0) == 0.5);
  CHECK(h.upper_bound(1) == 1);
  CHECK(h.upper_bound(2) == 2);
  CHECK(h.upper_bound(3) == 4);
}

TEST_CASE("histogram buckets are cumulative and le is inclusive") {
  histogram h{1, 2, 3}; // le 1, 2, 4, +Inf
  h.observe(0.25);      // <= 1
  h.observe(1);         // exactly on a bound: that bucket
  h.observe(1.5);       // <= 2
  h.observe(4);         // <= 4
  h.observe(100, 3);    // only +Inf, three times
  CHECK(h.cumulative_count(0) == 2);
  CHECK(h.cumulative_count(1) == 3);
  CHECK(h.cumulative_count(2) == 4);
  CHECK(h.count() == 7);
  CHECK(h.sum() == Approx(0.25 + 1 + 1.5 + 4 + 300));
}

TEST_CASE("the default histogram covers 10 microseconds to about 21 seconds") {
  histogram h;
  REQUIRE(h.bucket_count() == 22);
  CHECK(h.upper_bound(0) == Approx(1e-5));
  CHECK(h.upper_bound(21) == Approx(1e-5 * (1 << 21)));
  h.observe_ns(15'000); // 15 us: second bucket (le 2e-05)
  CHECK(h.cumulative_count(0) == 0);
  CHECK(h.cumulative_count(1) == 1);
  CHECK(h.sum() == Approx(15e-6));
}

TEST_CASE("exposition of a small example is exact") {
  node_metrics m;
  m.uptime_seconds = 7;
  transport_metrics t;
  peer_traffic p;
  p.peer = node_id{"b"};
  p.frames_sent.add(3);
  p.bytes_sent.add(120);
  p.frames_received.add(2);
  p.bytes_received.add(80);
  t.peers.push_back(p);
  t.connections_rejected.add(1);
  m.transport = t;
  auto text = to_prometheus(m, "a");
  CHECK(text
        == "# HELP flexsync_uptime_seconds Seconds since the node started.\n"
           "# TYPE flexsync_uptime_seconds gauge\n"
           "flexsync_uptime_seconds{node=\"a\"} 7\n"
           "# HELP flexsync_peer_sent_frames_total Frames sent to a peer.\n"
           "# TYPE flexsync_peer_sent_frames_total counter\n"
           "flexsync_peer_sent_frames_total{node=\"a\",peer=\"b\"} 3\n"
           "# HELP flexsync_peer_sent_bytes_total Bytes sent to a peer.\n"
           "# TYPE flexsync_peer_sent_bytes_total counter\n"
           "flexsync_peer_sent_bytes_total{node=\"a\",peer=\"b\"} 120\n"
           "# HELP flexsync_peer_received_frames_total Frames received from "
           "a peer.\n"
           "# TYPE flexsync_peer_received_frames_total counter\n"
           "flexsync_peer_received_frames_total{node=\"a\",peer=\"b\"} 2\n"
           "# HELP flexsync_peer_received_bytes_total Bytes received from a "
           "peer.\n"
           "# TYPE flexsync_peer_received_bytes_total counter\n"
           "flexsync_peer_received_bytes_total{node=\"a\",peer=\"b\"} 80\n"
           "# HELP flexsync_peer_rejected_frames_total Frames from a peer "
           "rejected as protocol violations (the link closes).\n"
           "# TYPE flexsync_peer_rejected_frames_total counter\n"
           "flexsync_peer_rejected_frames_total{node=\"a\",peer=\"b\"} 0\n"
           "# HELP flexsync_transport_rejected_connections_total Connections "
           "closed for a protocol violation or evicted from their handshake "
           "slot.\n"
           "# TYPE flexsync_transport_rejected_connections_total counter\n"
           "flexsync_transport_rejected_connections_total{node=\"a\"} 1\n");
  CHECK_FALSE(check_prometheus_text(text));
}

TEST_CASE("a histogram is written as cumulative le buckets, sum and count") {
  node_metrics m;
  log_store_metrics l;
  l.append_seconds = histogram{0.25, 2, 2}; // le 0.25, 0.5, +Inf
  l.append_seconds.observe(0.125);
  l.append_seconds.observe(0.5);
  l.append_seconds.observe(2);
  m.log_store = l;
  auto text = to_prometheus(m, "n1");
  auto expected =
    "# HELP flexsync_log_append_duration_seconds Duration of one storage "
    "append (write, no fsync).\n"
    "# TYPE flexsync_log_append_duration_seconds histogram\n"
    "flexsync_log_append_duration_seconds_bucket{node=\"n1\",le=\"0.25\"} 1\n"
    "flexsync_log_append_duration_seconds_bucket{node=\"n1\",le=\"0.5\"} 2\n"
    "flexsync_log_append_duration_seconds_bucket{node=\"n1\",le=\"+Inf\"} 3\n"
    "flexsync_log_append_duration_seconds_sum{node=\"n1\"} 2.625\n"
    "flexsync_log_append_duration_seconds_count{node=\"n1\"} 3\n";
  CHECK(text.find(expected) != std::string::npos);
  CHECK_FALSE(check_prometheus_text(text));
}

TEST_CASE("every part renders as valid exposition text") {
  node_metrics m;
  m.election = election_metrics{raft_role::leader, term_t{4}, true};
  m.election->leader_changes.add(2);
  m.log_store = log_store_metrics{};
  m.log_store->commit_index = index_t{10};
  m.log_store->fsync_seconds.observe(0.002);
  m.replicator = replicator_metrics{};
  m.replicator->commit_seconds.observe(0.003, 5);
  m.state_machine = state_machine_metrics{};
  m.state_machine->last_applied = index_t{7};
  m.state_machine->proposals_failed[static_cast<size_t>(fail_reason::timeout)]
    .add();
  m.snapshotter = snapshot_metrics{};
  m.transport = transport_metrics{};
  auto text = to_prometheus(m, "a\"b");
  INFO(text);
  CHECK_FALSE(check_prometheus_text(text));
  CHECK(text.find("flexsync_term{node=\"a\\\"b\"} 4\n") != std::string::npos);
  CHECK(text.find("flexsync_role{node=\"a\\\"b\"} 2\n") != std::string::npos);
  CHECK(text.find("flexsync_apply_lag_entries{node=\"a\\\"b\"} 3\n")
        != std::string::npos);
  CHECK(text.find("flexsync_proposals_failed_total{node=\"a\\\"b\",reason="
                  "\"timeout\"} 1\n")
        != std::string::npos);
  CHECK(text.find("flexsync_commit_duration_seconds_count{node=\"a\\\"b\"} 5\n")
        != std::string::npos);
}

TEST_CASE("missing parts leave their families out") {
  node_metrics m;
  auto text = to_prometheus(m, "a");
  CHECK(text.find("flexsync_term") == std::string::npos);
  CHECK(text.find("flexsync_uptime_seconds") != std::string::npos);
}

TEST_CASE("the checker finds what a scraper would reject") {
  auto ok = "# HELP flexsync_x x.\n# TYPE flexsync_x gauge\nflexsync_x{node=\"a\"} 1\n";
  CHECK_FALSE(check_prometheus_text(ok));
  CHECK(check_prometheus_text("flexsync_x{node=\"a\"} 1\n"));
  CHECK(check_prometheus_text("# TYPE flexsync_x gauge\nflexsync_x{node=\"a\"} one\n"));
  CHECK(check_prometheus_text("# TYPE flexsync_x gauge\nflexsync_x{node=a} 1\n"));
  CHECK(check_prometheus_text("# TYPE flexsync_x gauge\nflexsync_x{node=\"a\"} 1"));
  CHECK(check_prometheus_text("# TYPE flexsync_x counter\nflexsync_x{node=\"a\"} -1\n"));
  CHECK(check_prometheus_text("# TYPE flexsync_x wrong\n"));
  auto not_cumulative = "# TYPE h histogram\n"
                        "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                        "h_sum{} 1\nh_count{} 1\n";
  CHECK(check_prometheus_text(not_cumulative));
  auto no_inf = "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum{} 1\n";
  CHECK(check_prometheus_text(no_inf));
}

TEST_CASE("commit latency is observed per command once the commit passes a batch") {
  commit_latency_tracker t;
  histogram h{1e-3, 10, 3}; // le 1 ms, 10 ms, 100 ms
  CHECK(t.push(index_t{3}, 0, 2));
  CHECK(t.push(index_t{5}, 1'000'000, 1));
  t.on_commit(index_t{2}, 500'000, h); // below the first batch
  CHECK(h.count() == 0);
  t.on_commit(index_t{4}, 5'000'000, h); // the first batch: 5 ms, twice
  CHECK(h.count() == 2);
  CHECK(h.cumulative_count(0) == 0);
  CHECK(h.cumulative_count(1) == 2);
  t.on_commit(index_t{9}, 1'500'000, h); // the second: 0.5 ms
  CHECK(h.count() == 3);
  CHECK(h.cumulative_count(0) == 1);
  CHECK(t.size() == 0);
}

TEST_CASE("a full commit latency tracker drops samples instead of allocating") {
  commit_latency_tracker t;
  for (uint64_t i = 1; i <= commit_latency_tracker::capacity; ++i)
    REQUIRE(t.push(index_t{i}, 0, 1));
  CHECK_FALSE(t.push(index_t{1000}, 0, 1));
  histogram h;
  t.on_commit(index_t{1000}, 10, h);
  CHECK(h.count() == commit_latency_tracker::capacity);
  t.push(index_t{1001}, 0, 1);
  t.clear();
  CHECK(t.size() == 0);
}
