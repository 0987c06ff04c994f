#include "tests/process/example_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/process/node_process.hpp"

namespace flexsync::process_testing {

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

// -- program_process -----------------------------------------------------------

program_process::program_process(std::string program,
                                 std::vector<std::string> args,
                                 std::string out_path, std::string err_path)
  : program_(std::move(program)), args_(std::move(args)),
    out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
  // nop
}

program_process::~program_process() {
  kill();
}

void program_process::start() {
  REQUIRE(pid_ < 0);
  auto flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out_fd = ::open(out_path_.c_str(), flags, 0644);
  int err_fd = ::open(err_path_.c_str(), flags, 0644);
  REQUIRE(null_fd >= 0);
  REQUIRE(out_fd >= 0);
  REQUIRE(err_fd >= 0);
  auto pid = spawn_child(program_, args_, null_fd, out_fd, err_fd);
  ::close(null_fd);
  ::close(out_fd);
  ::close(err_fd);
  pid_ = pid;
}

void program_process::kill() {
  kill_child(pid_);
}

std::vector<std::string> program_process::lines() const {
  std::vector<std::string> result;
  auto text = read_all(out_path_);
  size_t begin = 0;
  // A line still being written (no newline yet) is left for the next call.
  for (size_t nl; (nl = text.find('\n', begin)) != std::string::npos;
       begin = nl + 1)
    result.push_back(text.substr(begin, nl - begin));
  return result;
}

std::string program_process::errors() const {
  return read_all(err_path_);
}

// -- example_cluster -----------------------------------------------------------

example_cluster::example_cluster(std::string program, size_t size,
                                 extra_args extra) {
  std::string pattern = "/tmp/flexsync-example-XXXXXX";
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  auto ports = free_ports(2 * size, "127.0.0.1");
  std::string list = "[";
  for (size_t i = 0; i < size; ++i) {
    ids_.push_back("127.0.0.1:" + std::to_string(ports[i]));
    spare_ports_.push_back(ports[size + i]);
    list += (i > 0 ? ",\"" : "\"") + ids_[i] + "\"";
  }
  list += "]";
  for (size_t i = 0; i < size; ++i) {
    std::vector<std::string> args{"--self=" + ids_[i], "--partners=" + list};
    if (extra)
      for (auto& a : extra(i, spare_ports_[i]))
        args.push_back(std::move(a));
    auto base = dir_ + "/node" + std::to_string(i);
    nodes_.push_back(std::make_unique<program_process>(
      program, std::move(args), base + ".out", base + ".err"));
    nodes_.back()->start();
  }
}

example_cluster::~example_cluster() {
  for (auto& n : nodes_)
    n->kill();
  if (std::uncaught_exceptions() > 0 || std::getenv("FLEXSYNC_KEEP_LOGS")) {
    std::cerr << "example_cluster: logs kept in " << dir_ << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string example_cluster::logs() const {
  std::string result;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    result += "---- " + ids_[i] + " stdout\n";
    for (auto& line : nodes_[i]->lines())
      result += line + "\n";
    result += "---- " + ids_[i] + " stderr\n" + nodes_[i]->errors();
  }
  return result;
}

} // namespace flexsync::process_testing
