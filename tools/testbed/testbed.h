// The testbed: real processes (switchyardd, fake_provider), real sockets, temp dirs, and
// bounded waits, shared by the end-to-end tests and the benchmarks. Every helper gives up
// after a few seconds rather than hanging its caller. Binaries are found next to each
// other: pass their directory to SetBinaryDir() (or the compile-time defaults are used).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "switchyard/client.h"

namespace switchyard::testbed {

// Where switchyardd and fake_provider are; the build directory by default.
void SetBinaryDir(const std::string& dir);
const std::string& BinaryDir();

// A directory under /tmp (short, for socket paths), removed with its contents at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A child process whose stdout and stderr go to `log_path`.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
          const std::string& log_path);
  ~Process();  // SIGKILL if still running
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits up to `timeout_ms` for exit; returns false on timeout. `status` as from waitpid.
  bool Wait(int timeout_ms, int* status = nullptr);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
// An HTTP GET on loopback; returns the body ("" on failure).
std::string HttpGet(const std::string& url);
// A loopback TCP port nobody listens on now (for a listener configured before it starts).
int FreeLoopbackPort();
// A TCP socket connected to loopback `port`; -1 if nothing accepted it.
int ConnectLoopback(int port);

class FakeProvider {
 public:
  explicit FakeProvider(const TempDir& dir, std::vector<std::string> extra_args = {});
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // Sets `model`'s fault: SetFault("gpt-4o", "mode=error&status=500").
  void SetFault(const std::string& model, const std::string& query);
  int64_t Requests(const std::string& model_id);
  // The last request body the model `model_id` was sent, as it came ("" if none yet).
  std::string LastBody(const std::string& model_id);
  int64_t AuthOk();
  int64_t AuthBad();
  // Requests the fake holds open now (waiting out their latency, or hung).
  int64_t InFlight();
  const std::string& log_path() const { return log_; }
  pid_t pid() const { return proc_->pid(); }

 private:
  std::string log_;
  std::unique_ptr<Process> proc_;
  int port_ = 0;
};

struct ClusterOptions {
  int64_t default_timeout_ms = 5000;
  int64_t deadline_ms = 20000;
  std::string openai_key = "sk-test-openai";
  std::string anthropic_key = "sk-ant-test";
  std::string log_level = "info";
  std::string route_toml;    // more keys for [routes.chat]
  std::string timeout_toml;  // more keys for [routes.chat.timeout]
  // More tables, e.g. "[history]\nflush_ms = 20\n"; "{fake}" in them is the fake provider's
  // root URL (http://127.0.0.1:PORT), for providers of other kinds pointed at it.
  std::string extra_toml;
  std::string history_file;  // default: history.db in the cluster's directory
  std::string tiers = "\"gpt-4o\", \"gpt-4o-mini\", \"claude-haiku\"";  // of route "chat"
  // More keys for one model's table, by its name ("vision = true").
  std::map<std::string, std::string> model_toml;
  std::string daemon_toml;             // more keys for [daemon]
  std::vector<std::string> extra_env;  // NAME=value for the daemon
  std::vector<std::string> fake_args;  // more flags for the fake provider ("--gemini-key", ...)
  // More keys for both [providers.openai] and [providers.anthropic].
  std::string provider_toml;
  // Set: start the daemon through systemd-socket-activate listening on this path.
  std::string activate_socket;
  // Run before the daemon's own argv, e.g. {"prlimit", "--nofile=40:40", "--"}.
  std::vector<std::string> launch_prefix;
};

// The fake provider and a daemon routing "chat" over gpt-4o → gpt-4o-mini → claude-haiku,
// all served by the fake (the first two as OpenAI, the last as Anthropic).
class Cluster {
 public:
  explicit Cluster(ClusterOptions options = {});
  ~Cluster();

  FakeProvider& fake() { return *fake_; }
  const std::string& socket() const { return socket_; }
  const TempDir& dir() const { return dir_; }
  std::string daemon_log() const { return ReadFile(daemon_log_); }
  Process& daemon() { return *daemon_; }
  std::unique_ptr<Client> Connect();
  std::string history_path() const {
    return options_.history_file.empty() ? dir_.File("history.db") : options_.history_file;
  }
  bool running() const { return running_; }

  // SIGTERM and wait for a clean exit: not OK if it did not exit 0 within 15 s.
  Status StopDaemon();
  // SIGKILL: no drain, no flush.
  void KillDaemon();
  // Starts a daemon on the same config, socket and history file.
  void StartDaemon();
  // Rewrites the config file from `options` (the daemon reads it at start and on SIGHUP).
  void WriteConfig(const ClusterOptions& options);
  const std::string& config_path() const { return config_path_; }

  static CompleteRequest Ask(const std::string& prompt);

 private:
  ClusterOptions options_;
  TempDir dir_;
  std::unique_ptr<FakeProvider> fake_;
  std::unique_ptr<Process> daemon_;
  std::string socket_;
  std::string daemon_log_;
  std::string config_path_;
  bool running_ = false;
};

// Polls `ready` every 5 ms until it holds; false if it still does not after `timeout_ms`.
bool PollUntil(int timeout_ms, const std::function<bool()>& ready);

// Waits until `path` accepts connections; false after `timeout_ms`.
bool WaitForSocket(const std::string& path, int timeout_ms);

// CPU seconds (user + system) a process has used so far, and its resident memory in KiB
// (now and at its peak), from /proc.
double CpuSeconds(pid_t pid);
int64_t RssKiB(pid_t pid);
int64_t PeakRssKiB(pid_t pid);

}  // namespace switchyard::testbed
