#include "scenarios/bench/bench_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flexsync::bench {

child::child(std::string bin, std::vector<std::string> args, std::string log)
  : bin_(std::move(bin)), args_(std::move(args)), log_(std::move(log)) {
  start();
}

void child::start() {
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

void child::kill() {
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

std::string child::command(const std::string& line,
                           std::chrono::milliseconds bound) {
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

fields child::status() {
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

double child::cpu_seconds() const {
  if (pid_ <= 0)
    return 0;
  std::ifstream in{"/proc/" + std::to_string(pid_) + "/stat"};
  std::string line;
  std::getline(in, line);
  // Fields 14 and 15 (utime, stime) follow the parenthesized command name.
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest{line.substr(close + 2)};
  std::string skip;
  for (int i = 3; i < 14; ++i)
    rest >> skip;
  double utime = 0, stime = 0;
  rest >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

cpu_meter::cpu_meter(std::vector<const child*> procs, size_t client)
  : procs_(std::move(procs)), client_(client) {
  for (auto* p : procs_)
    start_.push_back(p->cpu_seconds());
}

std::string cpu_meter::per_op(const std::string& ops) const {
  double n = ops.empty() ? 0 : std::stod(ops);
  if (!(n > 0) || procs_.size() < 2)
    return "";
  double mine = 0, others = 0;
  for (size_t i = 0; i < procs_.size(); ++i) {
    auto used = procs_[i]->cpu_seconds() - start_[i];
    (i == client_ ? mine : others) += used;
  }
  others /= static_cast<double>(procs_.size() - 1);
  std::ostringstream out;
  out << " cpu_us_per_op_client_node=" << mine * 1e6 / n
      << " cpu_us_per_op_other_node=" << others * 1e6 / n;
  return out.str();
}

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

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

std::string field(const std::string& answer, const std::string& key) {
  std::istringstream in{answer};
  for (std::string kv; in >> kv;)
    if (kv.rfind(key + "=", 0) == 0)
      return kv.substr(key.size() + 1);
  return {};
}

} // namespace flexsync::bench
