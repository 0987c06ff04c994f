// Process benchmark: a 3-node cluster of flexsync-node processes on loopback
// (in-memory storage), driven through their consoles, measured the way
// PySyncObj is usually benchmarked: the client runs inside the leader's
// process.
//
//   process-bench [--seconds S] [--window W] [--trials N] [--modes plain,password]
//                 [--node PATH] [--node-arg OPTION]...
//
// For each mode (no password / password) it prints RESULT lines:
//   pipelined committed calls/s with W in flight, 16 B and 1 KB payloads;
//   one-client blocking call latency p50/p99 (16 B);
//   linearizable reads (read barriers) on the leader and on a follower:
//   one at a time (p50/p99) and W in flight (reads/s);
//   failover after SIGKILL of the leader, N trials: kill -> a survivor
//   names a new leader ("elected") and kill -> the first call submitted
//   after the kill is applied ("resumed"), median/min/max. The killed node
//   is restarted and caught up between trials.
// Not run by ctest.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using fields = std::map<std::string, std::string>;

/// One flexsync-node child, driven through stdin/stdout; killed by PID when
/// the handle dies (and by PR_SET_PDEATHSIG if this program dies).
class child {
public:
  child(std::string bin, std::vector<std::string> args, std::string log)
    : bin_(std::move(bin)), args_(std::move(args)), log_(std::move(log)) {
    start();
  }

  ~child() { kill(); }

  void start() {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    int log_fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                      0644);
    std::vector<std::string> strs{bin_};
    strs.insert(strs.end(), args_.begin(), args_.end());
    std::vector<char*> argv;
    for (auto& s : strs)
      argv.push_back(s.data());
    argv.push_back(nullptr);
    auto parent = getpid();
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(126);
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(log_fd, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(log_fd);
    in_ = in[1];
    out_ = out[0];
    buf_.clear();
  }

  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (in_ >= 0)
      close(in_);
    if (out_ >= 0)
      close(out_);
    in_ = out_ = -1;
  }

  bool running() const { return pid_ > 0; }

  /// Sends a command; its answer line or "" after `bound`.
  std::string command(const std::string& line,
                      std::chrono::milliseconds bound = 120s) {
    if (pid_ < 0)
      return {};
    auto text = line + "\n";
    if (write(in_, text.data(), text.size()) < 0)
      return {};
    auto deadline = clock_type::now() + bound;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        auto answer = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return answer;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
      if (left.count() <= 0)
        return {};
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char tmp[4096];
      auto n = read(out_, tmp, sizeof(tmp));
      if (n <= 0)
        return {};
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  fields status() {
    fields f;
    auto answer = command("status", 5s);
    if (answer.rfind("ok ", 0) != 0)
      return f;
    std::istringstream in{answer.substr(3)};
    for (std::string kv; in >> kv;)
      if (auto eq = kv.find('='); eq != std::string::npos)
        f[kv.substr(0, eq)] = kv.substr(eq + 1);
    return f;
  }

private:
  std::string bin_;
  std::vector<std::string> args_;
  std::string log_;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buf_;
};

std::vector<uint16_t> free_ports(size_t n) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0
        || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("no free port");
    ports.push_back(ntohs(a.sin_port));
    fds.push_back(fd);
  }
  for (auto fd : fds)
    close(fd);
  return ports;
}

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds bound = 30s,
                std::chrono::milliseconds step = 10ms) {
  auto deadline = clock_type::now() + bound;
  while (clock_type::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

/// "key=value" from an answer line, or "".
std::string field(const std::string& answer, const std::string& key) {
  std::istringstream in{answer};
  for (std::string kv; in >> kv;)
    if (kv.rfind(key + "=", 0) == 0)
      return kv.substr(key.size() + 1);
  return {};
}

struct options {
  double seconds = 5;
  /// Swept 2 000 / 5 000 / 10 000 / 20 000 / 50 000 here: 5 000 is the
  /// best (as for PySyncObj); bigger windows only queue (malloc, memory).
  size_t window = 5000;
  size_t trials = 5;
  std::vector<std::string> modes{"plain", "password"};
  std::string node_bin;
  /// Extra flexsync-node options (e.g. --scheduler.policy=sharing).
  std::vector<std::string> node_args;
};

class cluster {
public:
  cluster(const options& opt, bool password, const std::string& dir) {
    auto ports = free_ports(3);
    for (auto p : ports)
      ids_.push_back("127.0.0.1:" + std::to_string(p));
    std::string pw_file = dir + "/password";
    if (password)
      std::ofstream{pw_file} << "benchmark password\n";
    for (size_t i = 0; i < 3; ++i) {
      std::string partners = "[";
      for (size_t j = 0; j < 3; ++j)
        if (j != i)
          partners += (partners.size() > 1 ? ",\"" : "\"") + ids_[j] + "\"";
      std::vector<std::string> args{"--self=" + ids_[i],
                                    "--partners=" + partners + "]",
                                    "--storage=memory", "--log-level=info",
                                    "--call-timeout=10s"};
      if (password)
        args.push_back("--password-file=" + pw_file);
      args.insert(args.end(), opt.node_args.begin(), opt.node_args.end());
      nodes_.push_back(std::make_unique<child>(
        opt.node_bin, args, dir + "/node" + std::to_string(i) + ".log"));
    }
  }

  child& at(size_t i) { return *nodes_[i]; }
  const std::string& id(size_t i) const { return ids_[i]; }

  /// Index of the leader all running nodes agree on, fully linked.
  std::optional<size_t> leader() {
    std::optional<std::string> l;
    for (auto& n : nodes_) {
      if (!n->running())
        continue;
      auto st = n->status();
      if (st["leader"] == "-" || st["leader"].empty() || (l && *l != st["leader"]))
        return std::nullopt;
      l = st["leader"];
    }
    for (size_t i = 0; i < ids_.size(); ++i)
      if (l && ids_[i] == *l)
        return i;
    return std::nullopt;
  }

  bool settled() {
    if (!leader())
      return false;
    std::string applied;
    for (auto& n : nodes_) {
      auto st = n->status();
      // A node restarted in memory mode counts again only once it rejoined
      // (member=intact); killing the leader before that stalls the cluster.
      if (st["links"] != "2" || st["member"] != "intact"
          || (!applied.empty() && st["applied"] != applied))
        return false;
      applied = st["applied"];
    }
    return true;
  }

private:
  std::vector<std::string> ids_;
  std::vector<std::unique_ptr<child>> nodes_;
};

std::string median_min_max(std::vector<double> xs, const std::string& name) {
  std::sort(xs.begin(), xs.end());
  std::ostringstream out;
  out << name << "_median=" << xs[xs.size() / 2] << ' ' << name
      << "_min=" << xs.front() << ' ' << name << "_max=" << xs.back();
  return out.str();
}

void failover(cluster& c, const options& opt, const std::string& tag) {
  std::vector<double> elected, resumed;
  for (size_t t = 0; t < opt.trials; ++t) {
    if (!wait_until([&] { return c.settled(); }, 30s)) {
      std::cerr << "failover: cluster did not settle\n";
      return;
    }
    auto old = *c.leader();
    size_t prober = (old + 1) % 3;
    size_t watcher = (old + 2) % 3;
    auto t0 = clock_type::now();
    c.at(old).kill();
    auto probe = std::async(std::launch::async, [&] {
      auto answer = c.at(prober).command("probe 20000", 30s);
      return std::make_pair(answer, ms_since(t0));
    });
    // "elected": the watcher names a leader other than the killed one.
    std::optional<double> e;
    wait_until(
      [&] {
        auto l = c.at(watcher).status()["leader"];
        if (l != "-" && !l.empty() && l != c.id(old))
          e = ms_since(t0);
        return e.has_value();
      },
      30s, 2ms);
    auto [answer, r] = probe.get();
    if (!e || answer.rfind("ok", 0) != 0) {
      std::cerr << "failover trial " << t << " failed: " << answer << '\n';
      c.at(old).start();
      continue;
    }
    elected.push_back(*e);
    resumed.push_back(r);
    std::cerr << "failover trial " << t << ": elected " << *e << " ms, resumed "
              << r << " ms\n";
    c.at(old).start();
  }
  if (elected.empty())
    return;
  std::cout << "RESULT bench=process nodes=3 " << tag
            << " mode=failover trials=" << elected.size() << ' '
            << median_min_max(elected, "elected_ms") << ' '
            << median_min_max(resumed, "resumed_ms") << " unit=ms"
            << std::endl;
}

/// Linearizable reads (read barriers) by a client on the leader and on a
/// follower: one at a time (latency) and `window` in flight (throughput);
/// with `--node-arg --lease-reads`, lease barriers.
void reads(cluster& c, const options& opt, const std::string& tag) {
  auto secs = std::to_string(opt.seconds);
  auto l = *c.leader();
  auto lease = std::find(opt.node_args.begin(), opt.node_args.end(),
                         "--lease-reads")
               != opt.node_args.end();
  auto kind = std::string{lease ? "lease" : "barrier"};
  auto suffix = std::string{lease ? " lease" : ""};
  for (auto at : {l, (l + 1) % 3}) {
    auto where = at == l ? "leader" : "follower";
    auto answer = c.at(at).command("bench barrier-sync " + secs + suffix);
    std::cout << "RESULT bench=process nodes=3 " << tag
              << " mode=" << kind << "-blocking at=" << where
              << " calls=" << field(answer, "calls")
              << " p50_us=" << field(answer, "p50_us")
              << " p99_us=" << field(answer, "p99_us") << " unit=us"
              << std::endl;
    answer = c.at(at).command("bench barrier-pipelined " + secs + " "
                              + std::to_string(opt.window) + suffix);
    std::cout << "RESULT bench=process nodes=3 " << tag
              << " mode=" << kind << "-pipelined at=" << where
              << " window=" << opt.window
              << " ops_per_s=" << field(answer, "ops_per_s")
              << " failed=" << field(answer, "failed") << " unit=ops/s"
              << std::endl;
  }
}

void run_mode(const options& opt, bool password) {
  auto dir = std::filesystem::temp_directory_path()
             / ("flexsync-bench-" + std::to_string(getpid())
                + (password ? "-pw" : "-plain"));
  std::filesystem::create_directories(dir);
  std::string tag = std::string{"storage=memory password="}
                    + (password ? "yes" : "no");
  {
    cluster c{opt, password, dir.string()};
    if (!wait_until([&] { return c.settled(); }, 30s)) {
      std::cerr << "cluster did not settle; logs in " << dir << '\n';
      return;
    }
    auto secs = std::to_string(opt.seconds);
    for (size_t bytes : {16, 1024}) {
      // Elections during a run (a starved leader stepping down) show as
      // term_changes and failed calls.
      auto l = *c.leader();
      auto term = std::stoll(c.at(l).status()["term"]);
      auto answer = c.at(l).command("bench pipelined " + secs + " "
                                    + std::to_string(bytes) + " "
                                    + std::to_string(opt.window));
      wait_until([&] { return c.settled(); }, 60s);
      auto after = c.at(l).status()["term"];
      std::cout << "RESULT bench=process nodes=3 " << tag
                << " mode=pipelined payload=" << bytes
                << " window=" << opt.window
                << " ops_per_s=" << field(answer, "ops_per_s")
                << " failed=" << field(answer, "failed") << " term_changes="
                << (after.empty() ? -1 : std::stoll(after) - term)
                << " unit=ops/s" << std::endl;
    }
    auto l = *c.leader();
    auto answer = c.at(l).command("bench sync " + secs + " 16");
    std::cout << "RESULT bench=process nodes=3 " << tag
              << " mode=blocking payload=16 calls=" << field(answer, "calls")
              << " p50_us=" << field(answer, "p50_us")
              << " p99_us=" << field(answer, "p99_us") << " unit=us"
              << std::endl;
    reads(c, opt, tag);
    failover(c, opt, tag);
  }
  if (std::getenv("FLEXSYNC_KEEP_LOGS")) {
    std::cerr << "logs kept in " << dir << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

const char* const usage =
  "usage: process-bench [--seconds S] [--window W] [--trials N]\n"
  "                     [--modes plain,password] [--node PATH]\n"
  "                     [--node-arg OPTION]...\n"
  "  --seconds S      length of each throughput and latency run (5)\n"
  "  --window W       calls in flight in the pipelined runs (5000)\n"
  "  --trials N       failover trials (5)\n"
  "  --modes LIST     plain (no password) and/or password\n"
  "  --node PATH      the flexsync-node binary (next to this one)\n"
  "  --node-arg OPT   an extra option for every node, e.g. --lease-reads\n"
  "Starts 3 flexsync-node processes on loopback (memory storage) and prints\n"
  "RESULT lines: pipelined and blocking calls, read barriers on the leader\n"
  "and on a follower, failover after SIGKILL of the leader.\n";

} // namespace

int main(int argc, char** argv) {
  options opt;
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  opt.node_bin = (self.parent_path() / "flexsync-node").string();
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::cout << usage;
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << "option " << k << " needs a value\n" << usage;
      return 2;
    }
    std::string v = argv[i + 1];
    if (k == "--seconds")
      opt.seconds = std::stod(v);
    else if (k == "--window")
      opt.window = std::stoul(v);
    else if (k == "--trials")
      opt.trials = std::stoul(v);
    else if (k == "--node")
      opt.node_bin = v;
    else if (k == "--node-arg")
      opt.node_args.push_back(v);
    else if (k == "--modes") {
      opt.modes.clear();
      std::istringstream in{v};
      for (std::string m; std::getline(in, m, ',');)
        opt.modes.push_back(m);
    } else {
      std::cerr << "unknown option " << k << '\n' << usage;
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  for (auto& m : opt.modes)
    run_mode(opt, m == "password");
  return 0;
}
