#include "tests/process/node_process.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "scenarios/nemesis/child_io.hpp"

#ifndef FLEXSYNC_NODE_BIN
#  error "FLEXSYNC_NODE_BIN must name the flexsync-node program"
#endif

namespace flexsync::process_testing {

using clock_type = std::chrono::steady_clock;

bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds bound) {
  auto deadline = clock_type::now() + bound;
  for (;;) {
    if (pred())
      return true;
    if (clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::vector<uint16_t> free_ports(size_t n, const std::string& host) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  bool v6 = host.find(':') != std::string::npos;
  for (size_t i = 0; i < n; ++i) {
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      REQUIRE(inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) == 1);
      len = sizeof(sockaddr_in6);
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      REQUIRE(inet_pton(AF_INET, host.c_str(), &a->sin_addr) == 1);
      len = sizeof(sockaddr_in);
    }
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
    auto port = v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&ss)->sin_port;
    ports.push_back(ntohs(port));
    fds.push_back(fd);
  }
  for (auto fd : fds)
    ::close(fd);
  return ports;
}

int64_t number(const fields& f, const std::string& key) {
  auto i = f.find(key);
  if (i == f.end())
    return -1;
  try {
    return std::stoll(i->second);
  } catch (const std::exception&) {
    return -1;
  }
}

// -- node_process -------------------------------------------------------------

node_process::node_process(std::string name, std::vector<std::string> args,
                           std::string log_path)
  : name_(std::move(name)), args_(std::move(args)),
    log_path_(std::move(log_path)) {
  // nop
}

node_process::~node_process() {
  kill();
}

pid_t spawn_child(const std::string& program,
                  const std::vector<std::string>& args, int in_fd, int out_fd,
                  int err_fd) {
  return child_io::spawn(program, args, in_fd, out_fd, err_fd);
}

void kill_child(pid_t& pid) {
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = -1;
  }
}

void node_process::start() {
  REQUIRE(pid_ < 0);
  int in[2];
  int out[2];
  REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  int log_fd = ::open(log_path_.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(log_fd >= 0);
  // FLEXSYNC_NODE runs another build of the program (e.g. an older one,
  // to show that a test catches what it was written for).
  auto* other = std::getenv("FLEXSYNC_NODE");
  auto pid = spawn_child(other ? other : FLEXSYNC_NODE_BIN, args_, in[0],
                         out[1], log_fd);
  ::close(in[0]);
  ::close(out[1]);
  ::close(log_fd);
  pid_ = pid;
  in_fd_ = in[1];
  out_fd_ = out[0];
  pending_.clear();
}

void node_process::kill() {
  kill_child(pid_);
  if (in_fd_ >= 0)
    ::close(in_fd_);
  if (out_fd_ >= 0)
    ::close(out_fd_);
  in_fd_ = out_fd_ = -1;
}

void node_process::signal(int sig) {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

std::optional<std::string>
node_process::read_line(std::chrono::milliseconds bound) {
  return child_io::read_line(out_fd_, pending_, clock_type::now() + bound);
}

std::string node_process::command(const std::string& line,
                                  std::chrono::milliseconds bound) {
  if (pid_ < 0)
    return {};
  auto text = line + "\n";
  if (::write(in_fd_, text.data(), text.size())
      != static_cast<ssize_t>(text.size()))
    return {};
  auto answer = read_line(bound);
  if (!answer) {
    // A late answer would pair with the next command: this process is no
    // longer usable through its console.
    kill();
    return {};
  }
  return *answer;
}

fields node_process::status(std::chrono::milliseconds bound) {
  fields result;
  auto answer = command("status", bound);
  if (answer.rfind("ok ", 0) != 0)
    return result;
  std::istringstream in{answer.substr(3)};
  for (std::string kv; in >> kv;)
    if (auto eq = kv.find('='); eq != std::string::npos)
      result[kv.substr(0, eq)] = kv.substr(eq + 1);
  return result;
}

std::string node_process::metrics(std::chrono::milliseconds bound) {
  auto answer = command("metrics", bound);
  if (answer.rfind("ok lines=", 0) != 0)
    return {};
  auto n = std::stoul(answer.substr(9));
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    auto line = read_line(bound);
    if (!line) {
      kill(); // the rest would pair with the next command
      return {};
    }
    text += *line + '\n';
  }
  return text;
}

std::string node_process::log() const {
  std::ifstream in{log_path_};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// -- process_cluster ----------------------------------------------------------

namespace {

std::string make_temp_dir() {
  std::string pattern = "/tmp/flexsync-process-XXXXXX";
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

std::string list_of(const std::vector<std::string>& xs) {
  std::string result = "[";
  for (auto& x : xs)
    result += (result.size() > 1 ? ",\"" : "\"") + x + "\"";
  return result + "]";
}

} // namespace

process_cluster::process_cluster(cluster_options opts) : dir_(make_temp_dir()) {
  // One call for all ports, so that no two of them coincide.
  ports_ = free_ports(opts.size * (opts.admin ? 2 : 1), opts.bind_host);
  if (opts.admin) {
    admin_ports_.assign(ports_.begin() + opts.size, ports_.end());
    ports_.resize(opts.size);
  }
  for (auto p : ports_)
    ids_.push_back(opts.id_host + ":" + std::to_string(p));
  for (size_t i = 0; i < opts.size; ++i) {
    auto members = std::min(opts.members, opts.size);
    std::vector<std::string> partners;
    for (size_t j = 0; j < members; ++j)
      if (j != i)
        partners.push_back(ids_[j]);
    std::vector<std::string> args{"--self=" + ids_[i],
                                  "--partners=" + list_of(partners),
                                  "--call-timeout=3s", "--log-level=info"};
    if (i >= members)
      args.push_back(opts.extras_read_only ? "--read-only" : "--join");
    else if (opts.admit_non_member)
      args.push_back("--admit-non-member");
    if (i < opts.passwords.size() && !opts.passwords[i].empty()) {
      auto file = password_file(i);
      std::ofstream{file} << opts.passwords[i] << '\n';
      args.push_back("--password-file=" + file);
    }
    if (opts.disk) {
      auto data = dir_ + "/data" + std::to_string(i);
      std::filesystem::create_directories(data);
      args.insert(args.end(), {"--storage=disk", "--data-dir=" + data,
                               "--fsync=always"});
    }
    if (opts.admin) {
      auto v6 = opts.bind_host.find(':') != std::string::npos;
      auto host = v6 ? "[" + opts.bind_host + "]" : opts.bind_host;
      args.push_back("--admin=" + host + ":" + std::to_string(admin_ports_[i]));
    }
    if (opts.metrics_interval > 0)
      args.insert(args.end(),
                  {"--metrics-file=" + metrics_file(i),
                   "--metrics-interval=" + std::to_string(opts.metrics_interval)});
    args.insert(args.end(), opts.extra_args.begin(), opts.extra_args.end());
    nodes_.push_back(std::make_unique<node_process>(
      ids_[i], std::move(args), dir_ + "/node" + std::to_string(i) + ".log"));
  }
  for (size_t i = 0; i < opts.size && i < opts.start_now; ++i)
    nodes_[i]->start();
}

std::string process_cluster::metrics_file(size_t i) const {
  return dir_ + "/node" + std::to_string(i) + ".prom";
}

process_cluster::~process_cluster() {
  for (auto& n : nodes_)
    n->kill();
  if (std::uncaught_exceptions() > 0 || std::getenv("FLEXSYNC_KEEP_LOGS")) {
    std::cerr << "process_cluster: logs kept in " << dir_ << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string process_cluster::password_file(size_t i) const {
  return dir_ + "/password" + std::to_string(i);
}

std::vector<size_t> process_cluster::all() const {
  std::vector<size_t> result;
  for (size_t i = 0; i < nodes_.size(); ++i)
    result.push_back(i);
  return result;
}

std::optional<size_t>
process_cluster::agreed_leader(const std::vector<size_t>& among) {
  std::optional<std::string> leader;
  for (auto i : among) {
    auto st = nodes_[i]->status();
    auto l = st["leader"];
    if (l.empty() || l == "-" || (leader && *leader != l))
      return std::nullopt;
    leader = l;
  }
  if (!leader)
    return std::nullopt;
  for (auto i : among)
    if (ids_[i] == *leader && nodes_[i]->status()["role"] == "leader")
      return i;
  return std::nullopt;
}

size_t process_cluster::wait_leader(const std::vector<size_t>& among) {
  std::optional<size_t> result;
  wait_until([&] { return (result = agreed_leader(among)).has_value(); });
  INFO(logs());
  REQUIRE(result);
  return *result;
}

bool process_cluster::wait_all(const std::vector<size_t>& among,
                               const std::string& key,
                               const std::string& value) {
  return wait_until([&] {
    return std::all_of(among.begin(), among.end(), [&](size_t i) {
      return nodes_[i]->status()[key] == value;
    });
  });
}

std::string process_cluster::logs() const {
  std::string result;
  for (auto& n : nodes_)
    result += "---- " + n->name() + "\n" + n->log();
  return result;
}

int64_t inc(process_cluster& c, size_t i) {
  auto answer = c.at(i).command("inc");
  if (answer.rfind("ok ", 0) != 0) {
    UNSCOPED_INFO("inc through " << c.id(i) << ": " << answer);
    return -1;
  }
  return std::stoll(answer.substr(3));
}

} // namespace flexsync::process_testing
