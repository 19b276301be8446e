#include "redis_server.h"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>

namespace switchyard::testbed {
namespace {

bool Accepts(int port) {
  int fd = ConnectLoopback(port);
  if (fd >= 0) close(fd);
  return fd >= 0;
}

}  // namespace

RedisServer::RedisServer(const TempDir& dir, std::string password)
    : dir_(dir), password_(std::move(password)), port_(FreeLoopbackPort()) {
  Start();
}

RedisServer::~RedisServer() = default;

void RedisServer::Start() {
  std::string log = dir_.File("redis." + std::to_string(++starts_) + ".log");
  std::vector<std::string> argv = {"/usr/bin/redis-server",
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--dir",
                                   dir_.path(),
                                   "--daemonize",
                                   "no"};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  proc_ = std::make_unique<Process>(argv, std::vector<std::string>{}, log);
  if (!PollUntil(5000, [&] { return Accepts(port_); })) {
    throw std::runtime_error("redis-server did not start: " + ReadFile(log));
  }
}

void RedisServer::Kill() {
  if (!proc_) return;
  proc_->Signal(SIGKILL);
  proc_->Wait(5000);
  proc_.reset();
}

void RedisServer::Pause() {
  if (proc_) proc_->Signal(SIGSTOP);
}

void RedisServer::Resume() {
  if (proc_) proc_->Signal(SIGCONT);
}

std::string RedisServer::Cli(const std::vector<std::string>& args) const {
  std::string out = dir_.File("redis-cli.out");
  std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(port_)};
  std::vector<std::string> env;
  if (!password_.empty()) env.push_back("REDISCLI_AUTH=" + password_);
  for (const std::string& a : args) argv.push_back(a);
  Process p(argv, env, out);
  p.Wait(5000);
  std::string text = ReadFile(out);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace switchyard::testbed
