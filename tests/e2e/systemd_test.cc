// Running beside an application under systemd: the units, socket activation, the notify
// protocol, access control, reload and shutdown, with the real systemd tools where they run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "e2e/harness.h"
#include "protocol/codec.h"

namespace switchyard::e2e {
namespace {

std::string RunCommand(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *rc = WEXITSTATUS(pclose(p));
  return out;
}

TEST(Systemd, AnalyzeVerifyAcceptsBothUnits) {
  if (access("/usr/bin/systemd-analyze", X_OK) != 0)
    GTEST_SKIP() << "systemd-analyze is not installed";
  TempDir dir;
  for (const char* unit : {"switchyard.service", "switchyard.socket"}) {
    std::string text = ReadFile(std::string(SWITCHYARD_SOURCE_DIR) + "/systemd/" + unit);
    // verify checks that ExecStart exists: point it at the binary just built.
    size_t at = text.find("/usr/bin/switchyardd");
    if (at != std::string::npos)
      text.replace(at, 20, std::string(SWITCHYARD_BIN_DIR) + "/switchyardd");
    testbed::WriteFile(dir.File(unit), text);
  }
  int rc = 0;
  std::string out = RunCommand("/usr/bin/systemd-analyze verify " + dir.File("switchyard.socket") +
                                   " " + dir.File("switchyard.service"),
                               &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("switchyard"), std::string::npos) << "warnings about our units: " << out;
}

TEST(Systemd, SocketActivationServesOnThePassedSocket) {
  if (access("/usr/bin/systemd-socket-activate", X_OK) != 0)
    GTEST_SKIP() << "no systemd-socket-activate";
  TempDir sockets;
  ClusterOptions opt;
  opt.activate_socket = sockets.File("activated.sock");
  Cluster cluster(opt);
  auto c = cluster.Connect();  // the first connection starts the daemon with the socket
  CompleteReply r = c->Complete(Cluster::Ask("activated"));
  ASSERT_TRUE(r.ok) << r.status.ToString() << " " << r.error.message << "\n"
                    << cluster.daemon_log();
  EXPECT_EQ(r.result.model, "gpt-4o");
  // It took systemd's socket and did not create its own.
  EXPECT_FALSE(std::filesystem::exists(cluster.dir().File("sy.sock")));
  EXPECT_NE(cluster.daemon_log().find("listening on the socket systemd passed"), std::string::npos)
      << cluster.daemon_log();
}

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { close(fd_); }

  // Every datagram received within `ms`.
  std::string Collect(int ms) {
    std::string all;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) all += std::string(buf, static_cast<size_t>(n)) + "\n";
    }
    return all;
  }

 private:
  std::string path_;
  int fd_;
};

TEST(Systemd, NotifiesReadyStatusAndWatchdog) {
  TempDir dir;
  NotifySocket notify(dir.File("notify"));
  ClusterOptions opt;
  opt.extra_env = {"NOTIFY_SOCKET=" + dir.File("notify"), "WATCHDOG_USEC=200000"};
  Cluster cluster(opt);
  std::string got = notify.Collect(1500);
  EXPECT_NE(got.find("READY=1"), std::string::npos) << got;
  EXPECT_NE(got.find("STATUS=0 request(s) in flight"), std::string::npos) << got;
  EXPECT_NE(got.find("WATCHDOG=1"), std::string::npos) << got;
  // Pings keep coming from the loop, at half the watchdog interval.
  size_t pings = 0;
  for (size_t at = got.find("WATCHDOG=1"); at != std::string::npos;
       at = got.find("WATCHDOG=1", at + 1))
    ++pings;
  EXPECT_GE(pings, 5u) << got;
  cluster.daemon().Signal(SIGTERM);
  std::string bye = notify.Collect(500);
  EXPECT_NE(bye.find("STOPPING=1"), std::string::npos) << bye;
}

TEST(Access, PeerOutsideTheAllowListIsRefusedOneInsideIsServed) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to connect as another user";
  ClusterOptions opt;
  opt.daemon_toml = "socket_mode = 0o666\nallow_uids = [0]\n";
  Cluster cluster(opt);
  auto c = cluster.Connect();
  EXPECT_TRUE(c->Ping().ok());                // root is on the list
  chmod(cluster.dir().path().c_str(), 0755);  // mkdtemp made it 0700: let "nobody" reach the socket
  // A child process that becomes "nobody" and asks for a ping.
  pid_t pid = fork();
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, cluster.socket().c_str(), sizeof(addr.sun_path) - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) _exit(11);
    std::string ping = EncodeEmptyCall(1, "ping");
    (void)send(fd, ping.data(), ping.size(), MSG_NOSIGNAL);
    char buf[4096];
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) _exit(12);
    std::string reply(buf, static_cast<size_t>(n));
    // protocol_error with code "forbidden", then the connection closes.
    if (reply.find("protocol_error") == std::string::npos ||
        reply.find("forbidden") == std::string::npos)
      _exit(13);
    if (reply.find("uid 65534") == std::string::npos) _exit(14);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "the refused peer's check failed at step " << WEXITSTATUS(status);
  EXPECT_NE(cluster.daemon_log().find("forbidden: uid 65534"), std::string::npos)
      << cluster.daemon_log();
  EXPECT_TRUE(c->Ping().ok());  // the allowed client is unaffected
}

TEST(Reload, ValidConfigWithANewTierTakesEffect) {
  ClusterOptions opt;
  opt.tiers = "\"gpt-4o\", \"gpt-4o-mini\"";
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "mode=error&status=500");
  cluster.fake().SetFault("gpt-4o-mini", "mode=error&status=500");
  auto c = cluster.Connect();
  CompleteReply before = c->Complete(Cluster::Ask("x"));
  ASSERT_FALSE(before.ok);
  EXPECT_EQ(before.error.attempts.size(), 2u);
  opt.tiers = "\"gpt-4o\", \"gpt-4o-mini\", \"claude-haiku\"";
  cluster.WriteConfig(opt);
  cluster.daemon().Signal(SIGHUP);
  ASSERT_TRUE(testbed::PollUntil(3000, [&] { return c->Complete(Cluster::Ask("y")).ok; }))
      << cluster.daemon_log();
  CompleteReply after = c->Complete(Cluster::Ask("z"));
  ASSERT_TRUE(after.ok);
  EXPECT_EQ(after.result.model, "claude-haiku");
  EXPECT_NE(cluster.daemon_log().find("configuration reloaded"), std::string::npos);
}

TEST(Reload, InvalidConfigIsRefusedAndTheOldOneKept) {
  Cluster cluster;
  auto c = cluster.Connect();
  ASSERT_TRUE(c->Complete(Cluster::Ask("before")).ok);
  testbed::WriteFile(cluster.config_path(), "[routes.chat]\ntiers = [\"no-such-model\"]\n");
  cluster.daemon().Signal(SIGHUP);
  ASSERT_TRUE(testbed::PollUntil(3000, [&] {
    return cluster.daemon_log().find("is refused") != std::string::npos;
  })) << cluster.daemon_log();
  EXPECT_NE(cluster.daemon_log().find("unknown model 'no-such-model'"), std::string::npos);
  CompleteReply r = c->Complete(Cluster::Ask("after"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "gpt-4o");
}

// Sends `n` requests at once and returns their replies when all have come back.
std::vector<CompleteReply> Concurrently(Client& c, int n, const std::function<void()>& meanwhile) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<CompleteReply> replies;
  for (int i = 0; i < n; ++i) {
    c.CompleteAsync(Cluster::Ask("in flight " + std::to_string(i)), [&](CompleteReply r) {
      std::lock_guard<std::mutex> lock(mu);
      replies.push_back(std::move(r));
      cv.notify_all();
    });
  }
  meanwhile();
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, std::chrono::seconds(15),
              [&] { return static_cast<int>(replies.size()) == n; });
  return replies;
}

TEST(Reload, InFlightRequestsFinishAcrossAReload) {
  ClusterOptions opt;
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "latency_ms=500");
  auto c = cluster.Connect();
  std::vector<CompleteReply> replies = Concurrently(*c, 10, [&] {
    // All ten at the provider: in flight, not still on their way to the daemon.
    ASSERT_TRUE(testbed::PollUntil(10000, [&] { return cluster.fake().Requests("gpt-4o") == 10; }));
    opt.tiers = "\"gpt-4o-mini\"";  // the new config drops gpt-4o altogether
    cluster.WriteConfig(opt);
    cluster.daemon().Signal(SIGHUP);
  });
  ASSERT_EQ(replies.size(), 10u);
  for (const CompleteReply& r : replies) {
    ASSERT_TRUE(r.ok) << r.error.message;
    EXPECT_EQ(r.result.model, "gpt-4o");  // they finish under the config they started with
  }
  CompleteReply next = c->Complete(Cluster::Ask("new"));
  ASSERT_TRUE(next.ok);
  EXPECT_EQ(next.result.model, "gpt-4o-mini");
}

TEST(Shutdown, SigtermDrainsInFlightRequestsAndLosesNoHistoryRow) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "latency_ms=400");
  auto c = cluster.Connect();
  std::vector<CompleteReply> replies = Concurrently(*c, 10, [&] {
    // All ten at the provider: in flight, not still on their way to the daemon (a loaded
    // machine can take longer than any fixed sleep to deliver them).
    ASSERT_TRUE(testbed::PollUntil(10000, [&] { return cluster.fake().Requests("gpt-4o") == 10; }));
    cluster.daemon().Signal(SIGTERM);
  });
  ASSERT_EQ(replies.size(), 10u);
  for (const CompleteReply& r : replies)
    EXPECT_TRUE(r.ok) << r.error.code << " " << r.error.message;
  Status stopped = cluster.StopDaemon();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();  // exited 0
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(cluster.history_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM requests WHERE outcome = 'ok'", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 10);
  sqlite3_finalize(st);
  sqlite3_close(db);
  cluster.StartDaemon();
}

}  // namespace
}  // namespace switchyard::e2e
