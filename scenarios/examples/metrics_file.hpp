#pragma once

// flexsync-node --metrics-file: the node's Prometheus text rewritten
// periodically for node_exporter's textfile collector.

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "actors/node/node.hpp"
#include "protocol/metrics.hpp"

namespace flexsync::examples {

/// Rewrites a file with the node's Prometheus text every interval, on a
/// thread of its own: written to PATH.tmp, then renamed over PATH, so a
/// reader (node_exporter's textfile collector) never sees half a file.
class metrics_file_writer {
public:
  /// `warn` gets a line when the file cannot be written.
  metrics_file_writer(const node& n, std::string path, double seconds,
                      std::function<void(const std::string&)> warn)
    : node_(n), path_(std::move(path)), warn_(std::move(warn)),
      interval_(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(seconds))) {
    write(); // at once, so the file exists as soon as the node serves
    thread_ = std::thread{[this] { loop(); }};
  }

  ~metrics_file_writer() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  void loop() {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!cv_.wait_for(guard, interval_, [this] { return stop_; })) {
      guard.unlock();
      write();
      guard.lock();
    }
  }

  void write() {
    auto text = to_prometheus(node_.metrics(), node_.id().name);
    auto tmp = path_ + ".tmp";
    {
      std::ofstream out{tmp, std::ios::trunc};
      out << text;
      if (!out.flush()) {
        warn_("cannot write the metrics file " + tmp);
        return;
      }
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0)
      warn_("cannot rename " + tmp + " to " + path_ + ": "
            + std::strerror(errno));
  }

  const node& node_;
  std::string path_;
  std::function<void(const std::string&)> warn_;
  std::chrono::nanoseconds interval_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace flexsync::examples
