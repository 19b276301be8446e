// A real redis-server for the fleet's tests and benchmarks: on a loopback port, saving
// nothing to disk, killed with its test. Kill() and Start() again on the same port stand in
// for a Redis that crashes and comes back.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "testbed.h"

namespace switchyard::testbed {

class RedisServer {
 public:
  // `password` set: clients must AUTH with it.
  explicit RedisServer(const TempDir& dir, std::string password = "");
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // SIGKILL, and wait until it is gone.
  void Kill();
  // SIGSTOP / SIGCONT: a Redis that is there but answers nothing.
  void Pause();
  void Resume();
  // Starts it again on the same port; throws if it does not come up.
  void Start();
  // Runs redis-cli with `args` and returns what it printed (trailing newline dropped).
  std::string Cli(const std::vector<std::string>& args) const;

 private:
  const TempDir& dir_;
  std::string password_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<Process> proc_;
};

}  // namespace switchyard::testbed
