// Providers misbehaving on the wire, end to end through the fake provider: each becomes a
// fallback with the right outcome and a reason that says what happened.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "e2e/harness.h"

namespace switchyard::e2e {
namespace {

TEST(ProviderFaults, SlowDripIsCutOffAtTheTimeout) {
  ClusterOptions opt;
  opt.default_timeout_ms = 500;
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "mode=drip&drip_ms=300");  // 16 bytes every 300 ms
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("drip"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts[0].outcome, "timeout");
  EXPECT_LT(r.result.attempts[0].latency_ms, 500 + 200);
}

TEST(ProviderFaults, ResetMidBodyFallsBack) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=truncate");  // half the promised body, then close
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("x"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.attempts[0].outcome, "transport_error");
  EXPECT_FALSE(r.result.attempts[0].reason.empty());
}

TEST(ProviderFaults, A50MegabyteAnswerIsAbandonedWithoutGrowingTheDaemon) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=huge&huge_mb=50");
  auto client = cluster.Connect();
  int64_t rss_before = testbed::RssKiB(cluster.daemon().pid());
  CompleteReply r = client->Complete(Cluster::Ask("big"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts[0].outcome, "transport_error");
  EXPECT_NE(r.result.attempts[0].reason.find("larger than 8388608 bytes"), std::string::npos)
      << r.result.attempts[0].reason;
  // It stopped reading at the limit: at most the limit (and curl's buffers) was held.
  if (!kSanitized) {
    EXPECT_LT(testbed::RssKiB(cluster.daemon().pid()) - rss_before, 24 * 1024);
  }
}

TEST(ProviderFaults, GarbageAndInvalidUtf8AreBadResponses) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=garbage");
  cluster.fake().SetFault("gpt-4o-mini", "mode=badutf8");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("x"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "claude-haiku");
  EXPECT_EQ(r.result.attempts[0].outcome, "bad_response");
  EXPECT_EQ(r.result.attempts[1].outcome, "bad_response");
  EXPECT_NE(r.result.attempts[1].reason.find("UTF-8"), std::string::npos)
      << r.result.attempts[1].reason;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bool bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
               getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  return bound ? ntohs(a.sin_port) : 0;  // 0: the caller's listen fails and says so
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// A TLS endpoint whose certificate is signed by a CA made here, so no system store trusts
// it: socat terminates TLS and forwards to the fake provider.
class TlsEndpoint {
 public:
  explicit TlsEndpoint(const TempDir& dir) : dir_(dir), port_(FreePort()) {
    std::string d = dir.File("");
    std::string script =
        "cd '" + d +
        "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj '/CN=switchyard test CA' && "
        "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj '/CN=127.0.0.1' && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > srv.ext && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem "
        "-days 2 -extfile srv.ext";
    made_ = std::system(("(" + script + ") >'" + d + "openssl.log' 2>&1").c_str()) == 0;
  }
  bool made() const { return made_; }
  int port() const { return port_; }
  std::string ca() const { return dir_.File("ca.pem"); }

  // Starts forwarding to `backend_port`; waits until it accepts.
  bool Start(int backend_port) {
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/socat",
                                 "OPENSSL-LISTEN:" + std::to_string(port_) +
                                     ",bind=127.0.0.1,reuseaddr,fork,cert=" + dir_.File("srv.pem") +
                                     ",key=" + dir_.File("srv.key") + ",verify=0",
                                 "TCP:127.0.0.1:" + std::to_string(backend_port)},
        std::vector<std::string>{}, dir_.File("socat.log"));
    return testbed::PollUntil(2000, [this] { return Accepts(port_); });
  }

 private:
  const TempDir& dir_;
  int port_;
  bool made_ = false;
  std::unique_ptr<Process> proc_;
};

// Provider `name` at the TLS endpoint on `port` (trusting `ca_file` if given), and model
// `model` on it.
std::string TlsProvider(const std::string& name, const std::string& model, int port,
                        const std::string& ca_file) {
  std::string t = "[providers." + name +
                  "]\nkind = \"openai\"\nbase_url = \"https://127.0.0.1:" + std::to_string(port) +
                  "/v1\"\napi_key_env = \"SY_TEST_OPENAI_KEY\"\n";
  if (!ca_file.empty()) t += "ca_file = \"" + ca_file + "\"\n";
  return t + "\n[models." + model + "]\nprovider = \"" + name +
         "\"\nid = \"gpt-4o\"\ncontext_window = 128000\nmax_output_tokens = 4096\n\n";
}

void RunTls(bool trust) {
  if (access("/usr/bin/socat", X_OK) != 0) GTEST_SKIP() << "socat is not installed";
  TempDir certs;
  TlsEndpoint tls(certs);
  ASSERT_TRUE(tls.made()) << ReadFile(certs.File("openssl.log"));
  ClusterOptions opt;
  opt.tiers = "\"private-gpt\", \"gpt-4o-mini\"";
  opt.extra_toml = TlsProvider("private", "private-gpt", tls.port(), trust ? tls.ca() : "");
  Cluster cluster(opt);
  ASSERT_TRUE(tls.Start(cluster.fake().port()));
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("secure?"));
  ASSERT_TRUE(r.ok) << r.error.message;
  if (trust) {
    EXPECT_EQ(r.result.model, "private-gpt");
    EXPECT_EQ(r.result.content, "Answer from gpt-4o to: secure?");
  } else {
    EXPECT_EQ(r.result.model, "gpt-4o-mini");
    EXPECT_EQ(r.result.attempts[0].outcome, "transport_error");
    EXPECT_NE(r.result.attempts[0].reason.find("certificate"), std::string::npos)
        << r.result.attempts[0].reason;
  }
}

TEST(ProviderFaults, UntrustedCertificateIsRefused) { RunTls(false); }

// The HTTP client keeps its handles between calls, with their options: a handle that last
// carried a provider's own CA must not lend that trust to a provider that has none.
TEST(ProviderFaults, AProvidersCaIsNotLentToAnotherOnTheSameEndpoint) {
  if (access("/usr/bin/socat", X_OK) != 0) GTEST_SKIP() << "socat is not installed";
  TempDir certs;
  TlsEndpoint tls(certs);
  ASSERT_TRUE(tls.made()) << ReadFile(certs.File("openssl.log"));
  ClusterOptions opt;
  opt.tiers = "\"private-gpt\", \"gpt-4o-mini\"";
  opt.extra_toml = TlsProvider("private", "private-gpt", tls.port(), tls.ca()) +
                   TlsProvider("untrusting", "untrusting-gpt", tls.port(), "") +
                   "[routes.other]\ntiers = [\"untrusting-gpt\", \"gpt-4o-mini\"]\n";
  Cluster cluster(opt);
  ASSERT_TRUE(tls.Start(cluster.fake().port()));
  auto client = cluster.Connect();
  for (int round = 0; round < 2; ++round) {
    CompleteReply trusted = client->Complete(Cluster::Ask("trusted"));
    ASSERT_TRUE(trusted.ok) << trusted.error.message;
    EXPECT_EQ(trusted.result.model, "private-gpt") << "round " << round;
    CompleteRequest other = Cluster::Ask("untrusted");
    other.route = "other";
    CompleteReply refused = client->Complete(other);
    ASSERT_TRUE(refused.ok) << refused.error.message;
    EXPECT_EQ(refused.result.model, "gpt-4o-mini") << "round " << round;
    ASSERT_FALSE(refused.result.attempts.empty());
    EXPECT_EQ(refused.result.attempts[0].outcome, "transport_error");
    EXPECT_NE(refused.result.attempts[0].reason.find("certificate"), std::string::npos)
        << refused.result.attempts[0].reason;
  }
}

TEST(ProviderFaults, CertificateIsAcceptedWhenTheConfigTrustsItsCa) { RunTls(true); }

}  // namespace
}  // namespace switchyard::e2e
