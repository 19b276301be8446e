// API keys reach the provider in the right header and nowhere else: not the daemon's log,
// not the history file, not an error a client receives.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/harness.h"

namespace switchyard::e2e {
namespace {

std::string Everything(const CompleteReply& r) {
  std::string s = r.error.code + r.error.message + r.result.content;
  for (const auto& a : r.ok ? r.result.attempts : r.error.attempts)
    s += a.model + a.outcome + a.reason;
  return s;
}

TEST(Secrets, KeysNeverLeakButReachTheProvider) {
  ClusterOptions opt;
  opt.openai_key = "sk-MARKER-7f3a9c1e-openai";
  opt.anthropic_key = "sk-ant-MARKER-51be02d4";
  opt.log_level = "debug";
  opt.default_timeout_ms = 300;
  std::string seen;
  std::string history_path, log;
  {
    Cluster cluster(opt);
    auto client = cluster.Connect();
    // Healthy, then failures of every kind, so every code path that logs or reports runs.
    seen += Everything(client->Complete(Cluster::Ask("one")));
    cluster.fake().SetFault("gpt-4o", "mode=error&status=500");
    seen += Everything(client->Complete(Cluster::Ask("two")));
    cluster.fake().SetFault("gpt-4o", "mode=hang");
    cluster.fake().SetFault("gpt-4o-mini", "mode=error&status=401");  // echoes a masked key
    seen += Everything(client->Complete(Cluster::Ask("three")));
    cluster.fake().SetFault("gpt-4o-mini", "mode=garbage");
    cluster.fake().SetFault("claude-3-5-haiku-latest", "mode=error&status=401");
    seen += Everything(client->Complete(Cluster::Ask("four")));
    StatusReply st = client->GetStatus();
    for (const auto& m : st.result.models) seen += m.name + m.provider + m.breaker;

    // The keys did reach the fake provider, in the header each API expects: it refuses a
    // request with a wrong or missing key, and counted none.
    EXPECT_GE(cluster.fake().AuthOk(), 6);
    EXPECT_EQ(cluster.fake().AuthBad(), 0);
    history_path = cluster.dir().File("history.db");
    client.reset();
    cluster.daemon().Signal(SIGTERM);
    cluster.daemon().Wait(10000);
    log = cluster.daemon_log();
    if (std::filesystem::exists(history_path)) {
      seen += ReadFile(history_path) + ReadFile(history_path + "-wal");
    }
    seen += ReadFile(cluster.fake().log_path());
  }
  ASSERT_FALSE(log.empty());
  for (const std::string& marker : {std::string("MARKER"), opt.openai_key, opt.anthropic_key}) {
    EXPECT_EQ(log.find(marker), std::string::npos) << "in the daemon's log: " << log;
    EXPECT_EQ(seen.find(marker), std::string::npos) << "in client results or history";
  }
}

}  // namespace
}  // namespace switchyard::e2e
