// The daemon: wires the config, router, HTTP client and socket server onto one libuv loop,
// answers the RPC methods, and owns the process's lifecycle (signals, drain, teardown).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"

namespace switchyard {

struct DaemonOptions {
  // Reads the configuration again, with the command line's overrides, on SIGHUP. Unset:
  // SIGHUP is ignored.
  std::function<Status(Config*)> reload;
  // How long in-flight requests may take to finish after SIGTERM before they are answered
  // with shutting_down.
  int64_t drain_ms = 10000;
};

class Daemon {
 public:
  Daemon(Config config, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Binds the socket, serves until SIGTERM or SIGINT, drains, and tears everything down.
  // Returns the process exit code.
  int Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
