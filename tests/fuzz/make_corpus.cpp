// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/) with the
// real encoders, so the seeds are valid inputs and stay reproducible: the
// test fuzz.corpus_in_sync regenerates them and compares with the committed
// ones. Nonces and keys are fixed; nothing here is random.
//
//   fuzz_make_corpus OUT_DIR      (then: cp -r OUT_DIR/* tests/fuzz/corpus/)

#include <filesystem>
#include <fstream>
#include <iostream>

#include "actors/transport/wire/frame.hpp"
#include "protocol/membership.hpp"
#include "tests/fuzz/make_corpus.hpp"
#include "snapshot/disk/memory_disk.hpp"
#include "snapshot/files/recovery_marker.hpp"
#include "snapshot/files/snapshot_store.hpp"
#include "snapshot/log/journal.hpp"

namespace fs = std::filesystem;
namespace wire = flexsync::wire;
using namespace flexsync;

namespace {

fs::path out_dir;

} // namespace

void flexsync::fuzz::put(const std::string& target, const std::string& name,
                         const std::string& bytes) {
  auto dir = out_dir / target;
  fs::create_directories(dir);
  std::ofstream{dir / name, std::ios::binary} << bytes;
}

namespace {

using fuzz::put;

std::string str(const wire::frame& f) {
  return {f.begin(), f.end()};
}

/// A frame's body (without the length prefix).
std::string body(const wire::frame& f) {
  return str(f).substr(wire::length_prefix_size);
}

std::string be16(size_t n) {
  return {static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
}

wire::hello hello_from(std::string from, std::string to, bool password) {
  wire::hello h;
  h.password = password;
  h.salt.fill(0x5a);
  h.from = node_id{std::move(from)};
  h.to = node_id{std::move(to)};
  return h;
}

// -- frames and handshake ---------------------------------------------------

void frames() {
  auto hello = hello_from("n2", "n1", false);
  put("frames", "hello", body(wire::encode_hello(hello)));
  hello.version = 2;
  put("frames", "hello_version_2", body(wire::encode_hello(hello)));
  auto longest = hello_from(std::string(255, 'a'), std::string(255, 'b'), true);
  put("frames", "hello_longest_ids", body(wire::encode_hello(longest)));
  put("frames", "auth", body(wire::encode_auth(crypto::key256{1, 2, 3})));
  put("frames", "refuse",
      body(wire::encode_refuse({wire::refuse_reason::not_member, "why"})));
  put("frames", "message",
      body(wire::encode_plain(wire::frame_kind::message,
                              crypto::as_bytes("payload"))));
  put("frames", "ping", body(wire::encode_plain(wire::frame_kind::ping, {})));
  put("frames", "empty", "");
  wire::frame_sealer sealer{crypto::key256{7}};
  put("frames", "sealed",
      body(sealer.seal(wire::frame_kind::message,
                       crypto::as_bytes("secret"))));
}

void handshake() {
  auto hello = str(wire::encode_hello(hello_from("n2", "n1", false)));
  auto message = str(wire::encode_plain(wire::frame_kind::message,
                                        crypto::as_bytes("payload")));
  auto ping = str(wire::encode_plain(wire::frame_kind::ping, {}));
  put("handshake", "dialer_opens", "\x00" + hello + message + ping);
  put("handshake", "acceptor_opens", "\x01" + hello + message + ping);
  put("handshake", "acceptor_refuses", "\x05" + hello + message);
  auto refuse = str(wire::encode_refuse({wire::refuse_reason::busy, "later"}));
  put("handshake", "refused", std::string(1, '\0') + refuse);
  auto other = str(wire::encode_hello(hello_from("n3", "n1", false)));
  put("handshake", "acceptor_opens_for_n3", "\x01" + other);
  put("handshake", "dialer_reaches_n3", std::string(1, '\0') + other);
  auto wrong = str(wire::encode_hello(hello_from("n2", "n9", false)));
  put("handshake", "acceptor_is_not_n9", "\x01" + wrong);
  auto pw_hello = str(wire::encode_hello(hello_from("n2", "n1", true)));
  auto auth = str(wire::encode_auth(crypto::key256{}));
  put("handshake", "password_dialer", "\x02" + pw_hello + auth);
  put("handshake", "password_acceptor", "\x03" + pw_hello + auth);
  put("handshake", "oversized", std::string("\x01\x00\x00\x10\x00", 5) + hello);
}

// -- durable formats --------------------------------------------------------

log_entry entry(uint64_t i, uint64_t term, std::string data) {
  log_entry e;
  e.index = index_t{i};
  e.term = term_t{term};
  e.kind = data.empty() ? entry_kind::noop : entry_kind::command;
  e.client_id = data.empty() ? 0 : 42;
  e.request_id = data.empty() ? 0 : i;
  e.time = static_cast<int64_t>(1000 * i);
  e.data = std::move(data);
  return e;
}

/// The journal target's input for the files of `d`.
std::string journal_input(memory_disk& d, uint8_t snap_index,
                          uint8_t snap_term) {
  std::vector<std::string> segments;
  for (auto& name : d.list())
    if (name.starts_with("journal-"))
      segments.push_back(d.read_all(name));
  bool meta = d.exists("meta");
  std::string out;
  out += static_cast<char>(segments.size() | (meta ? 4 : 0));
  out += static_cast<char>(snap_index);
  out += static_cast<char>(snap_term);
  if (meta)
    out += be16(d.read_all("meta").size()) + d.read_all("meta");
  for (size_t i = 0; i < segments.size(); ++i)
    out += (i + 1 < segments.size() ? be16(segments[i].size()) : "")
           + segments[i];
  return out;
}

std::shared_ptr<memory_disk> journal_with(size_t entries,
                                          uint64_t segment_bytes) {
  auto d = std::make_shared<memory_disk>();
  journal_options opts;
  opts.segment_bytes = segment_bytes;
  opts.clock = [] { return int64_t{0}; };
  journal j{d, opts};
  j.recover(index_t{0}, term_t{0}, 0);
  if (entries > 0)
    j.save_term_and_vote(term_t{2}, node_id{"n2"});
  entry_list log;
  for (size_t i = 1; i <= entries; ++i)
    log.push_back(entry(i, i < 3 ? 1 : 2, i == 1 ? "" : "cmd" + std::to_string(i)));
  j.append(log);
  j.sync();
  return d;
}

void journals() {
  put("journal", "empty", journal_input(*journal_with(0, 1 << 20), 0, 0));
  auto d = journal_with(5, 1 << 20);
  put("journal", "five_entries", journal_input(*d, 0, 0));
  put("journal", "after_snapshot", journal_input(*d, 2, 1));
  put("journal", "diverges_from_snapshot", journal_input(*d, 2, 9));
  auto in = journal_input(*d, 0, 0);
  put("journal", "torn_tail", in.substr(0, in.size() - 3));
  put("journal", "three_segments",
      journal_input(*journal_with(6, 100), 0, 0));
}

snapshot_meta meta_of(uint64_t index, std::vector<std::string> voters) {
  snapshot_meta m;
  m.last_index = index_t{index};
  m.last_term = term_t{2};
  m.last_time = 123456789;
  for (auto& v : voters)
    m.voters.emplace_back(v);
  m.objects = {"counter", "kv"};
  return m;
}

std::string snapshot_file(const snapshot_meta& m, const std::string& payload) {
  auto d = std::make_shared<memory_disk>();
  snapshot_store store{d, nullptr};
  auto w = store.begin(m);
  w->append(payload.data(), payload.size());
  w->finish();
  return d->read_all(snapshot_store::file_name(m.last_index));
}

void snapshots() {
  auto file = snapshot_file(meta_of(5, {"n1", "n2", "n3"}), "state bytes");
  put("snapshot", "valid", std::string(1, '\0') + file);
  put("snapshot", "valid_chunks_of_8", std::string(1, '\x02') + file);
  put("snapshot", "unhashed", "\x01" + file.substr(0, file.size() - 32));
  put("snapshot", "empty_meta",
      std::string(1, '\0') + snapshot_file(meta_of(1, {}), ""));
}

void recovery_markers() {
  auto marker = [](std::optional<promise> p) {
    auto d = std::make_shared<memory_disk>();
    recovery_marker{d}.save(p);
    return d->read_all("recovering");
  };
  auto bound = marker(promise{node_id{"n2"}, incarnation_t{3}, term_t{7}});
  put("recovery_marker", "bound", std::string(1, '\0') + bound);
  put("recovery_marker", "unchecked",
      "\x01" + bound.substr(0, bound.size() - 4));
  put("recovery_marker", "unbound",
      std::string(1, '\0') + marker(std::nullopt));
}

// -- configuration ------------------------------------------------------------

void configs() {
  // flags, q1, q2, heartbeat, election min/max, fallback, call timeout,
  // fsync period (5 ms units), batch entries, in flight, segment bytes
  // (256 B units), chunk bytes; then self, partners, "", learners.
  std::string sane("\x00\x00\x00\x0a\x28\x50\x50\xc8\x02\x10\x04\x10\x40", 13);
  put("config", "three_voters", sane + "n1\nn2\nn3\n");
  put("config", "learner", sane + "n1\nn2\nn3\n\nn4\nn2");
  auto read_only = sane;
  read_only[0] = 1;
  put("config", "read_only", read_only + "n4\nn1\nn2\n");
  auto counting = sane;
  counting[0] = 2;
  counting[1] = 3;
  counting[2] = 2;
  put("config", "counting_quorum", counting + "n1\nn2\nn3\nn4\n");
  auto unsafe = counting;
  unsafe[1] = 1;
  put("config", "unsafe_quorum", unsafe + "n1\nn2\nn3\nn4\n");
  auto zero = sane;
  zero[3] = 0;
  put("config", "zero_heartbeat", zero + "n1\nn2\n");
}

// -- quorum specs -------------------------------------------------------------

void quorum_specs() {
  // Mode 0: spec, zone labels, weight labels, voters, then match indexes.
  auto text = [](const std::string& lines) {
    return std::string(1, '\0') + lines + "\n\x05\x03\x09\x01\x07\x02";
  };
  put("quorum_spec", "counting", text("counting(3,2)\n\n\na\nb\nc\nd\n"));
  put("quorum_spec", "grid_owned_only", text("grid(2x2)\n\n\na\nb\nc\nd\n"));
  put("quorum_spec", "grid_row",
      text("grid(1x3,order=c/a/b)\n\n\na\nb\nc\n"));
  put("quorum_spec", "weighted",
      text("weighted(election=3,replication=3)\n\na=2,b=1,c=1,d=1\n"
           "a\nb\nc\nd\n"));
  put("quorum_spec", "zones",
      text("zones(fz=1,fn=0)\na=us,b=us,c=eu,d=eu,e=ap,f=ap\n\n"
           "a\nb\nc\nd\ne\nf\n"));
  put("quorum_spec", "unknown_kind", text("paxos(3)\n\n\na\n"));
  // Mode 1: a config entry's payload.
  configuration c;
  c.current.voters = {node_id{"a"}, node_id{"b"}, node_id{"c"}};
  c.current.quorum = quorum_spec::zones(
    1, 0, {{node_id{"a"}, "us"}, {node_id{"b"}, "eu"}, {node_id{"c"}, "ap"}});
  c.old = membership{{node_id{"a"}, node_id{"b"}, node_id{"c"}}, {}, {}};
  put("quorum_spec", "entry_zones", "\x01" + encode_configuration(c));
  put("quorum_spec", "entry_counting",
      "\x01{\"current\":{\"learners\":[],\"quorum\":[3,2],"
      "\"voters\":[\"a\",\"b\",\"c\",\"d\"]},\"v\":1}");
}

// -- the node program: console and command line ------------------------------

void console_lines() {
  // Mode byte (bit 0: calls fail, bit 1: changes refused, bit 2:
  // recovering), then lines: every command with good and bad arguments.
  auto lines = [](char mode, const std::string& text) {
    return std::string(1, mode) + text;
  };
  std::string reads = "status\nmetrics\nget\nget --linearizable\n"
                      "get --lease\nget --stale\nkv k\nkv --lease k\n"
                      "kv k --linearizable\nkv a b\nread k\ntally\n"
                      "members\nrecovery\nhelp\n\n   \n";
  std::string writes = "inc\nadd 5\nadd -3\nset k v\nkv k\ndel k\n"
                       "del k\ntick\ntick-n 4\ndrop-links\n"
                       "force-recover\nquit\n";
  std::string bad = "add\nadd x\nadd 99999999999999999999\nadd 1 2\n"
                    "tick-n\ntick-n 1e3\nset k\nset k v w\nkv\nfoo\n"
                    "status now\nset-version\nset-version x\n"
                    "set-version -1\nset-version 4294967296\nprobe\n"
                    "probe x\nbench\nbench lease\nbench sync\n";
  std::string cluster = "add-node 127.0.0.1:7004\nadd-learner "
                        "127.0.0.1:7005\nremove-node 127.0.0.1:7002\n"
                        "transfer\ntransfer 127.0.0.1:7002\n"
                        "set-version 2\nadd-node\ntransfer a b\n";
  std::string bench = "bench sync 0.001 10\nbench pipelined 0.001 10 4\n"
                      "bench open-loop 0.001 10 1000\n"
                      "bench barrier-pipelined 0.001 4\n"
                      "bench barrier-pipelined 0.001 4 lease\n"
                      "bench barrier-sync 0.001\n"
                      "bench barrier-sync 0.001 lease\n"
                      "bench sync 0.001 x\nbench open-loop 0 10 0\n"
                      "bench pipelined 0.001 10 0\nprobe 10\nprobe -1\n";
  put("console", "reads", lines(0, reads));
  put("console", "writes", lines(0, writes));
  put("console", "bad_arguments", lines(0, bad));
  put("console", "cluster", lines(0, cluster));
  put("console", "cluster_refused", lines(2, cluster));
  put("console", "bench", lines(0, bench));
  put("console", "calls_fail", lines(1, writes + bench));
  put("console", "recovering", lines(4, "recovery\nstatus\n"));
}

void node_options() {
  // Arguments separated by '\n'; after "\0\0", a config file.
  auto args = [](const std::string& text) { return text; };
  std::string self = "--self=127.0.0.1:7001\n"
                     "--partners=[\"127.0.0.1:7002\",\"127.0.0.1:7003\"]\n";
  put("node_options", "three_voters", args(self));
  put("node_options", "disk",
      args(self + "--storage=disk\n--data-dir=d1\n--fsync=periodic\n"));
  put("node_options", "disk_without_dir", args(self + "--storage=disk\n"));
  put("node_options", "zones",
      args(self + "--quorum=zones(fz=1,fn=0)\n--zones=127.0.0.1:7001=us,"
                  "127.0.0.1:7002=eu,127.0.0.1:7003=ap\n"
                  "--preferred-zone=us\n--priorities=127.0.0.1:7002=2\n"));
  put("node_options", "weighted",
      args(self + "--quorum=weighted(election=3,replication=2)\n"
                  "--weights=127.0.0.1:7001=2,127.0.0.1:7002=1,"
                  "127.0.0.1:7003=1\n"));
  put("node_options", "owned_terms",
      args(self + "--quorum=counting(2,2)\n--terms=owned\n"));
  put("node_options", "password",
      args(self + "--password-file=secret\n--cluster-salt=s\n"));
  put("node_options", "password_blank", args(self + "--password-file=blank\n"));
  put("node_options", "join_password",
      args(self + "--join\n--password-file=secret\n"));
  put("node_options", "admin",
      args(self + "--admin=7201\n--max-code-version=1\n"));
  put("node_options", "admin_bad", args(self + "--admin=host:\n"));
  put("node_options", "timeouts",
      args(self + "--call-timeout=2s\n--election-timeout-min=100ms\n"
                  "--election-timeout-max=50ms\n--heartbeat-interval=0s\n"
                  "--lease-reads\n--clock-drift-bound=200ms\n"));
  put("node_options", "metrics",
      args(self + "--metrics-file=m.prom\n--metrics-interval=0\n"));
  put("node_options", "read_only",
      args("--self=127.0.0.1:7004\n--read-only\n--partners=[\"127.0.0.1:"
           "7001\"]\n--log-level=debug\n--max-frame-size=1024\n"));
  put("node_options", "bad_values",
      args(self + "--log-level=loud\n--max-code-version=x\n"));
  put("node_options", "unknown_option", args("--bogus\n"));
  put("node_options", "help", args("--help\n"));
  put("node_options", "no_self", args(""));
  put("node_options", "config_file",
      args(std::string("--no-console", 12) + std::string("\0\0", 2)
           + "[global]\nself=\"127.0.0.1:7001\"\npartners=[\"127.0.0.1:"
             "7002\"]\nquorum=\"grid(1x2)\"\n"));
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus OUT_DIR\n";
    return 2;
  }
  out_dir = argv[1];
  fs::remove_all(out_dir);
  frames();
  handshake();
  journals();
  snapshots();
  recovery_markers();
  configs();
  quorum_specs();
  console_lines();
  node_options();
  fuzz::peer_messages();
  fuzz::admin_requests();
  return 0;
}
