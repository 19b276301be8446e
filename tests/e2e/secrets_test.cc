// API keys reach the provider in the right header and nowhere else: not the daemon's log,
// not the history file, not an answer, an error or status a client receives, whatever the
// provider echoes back.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "e2e/harness.h"
#include "e2e/raw_client.h"

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

// Canary keys, and a provider that echoes the key it was sent in every text it writes (see
// tools/fake_provider/fault.h, echo_key): error bodies of every status, errors inside
// streams before and after the first text, answers, garbage. Each form a leak takes is
// counted in every byte the daemon wrote or sent.
class SecretsEchoed : public testing::TestWithParam<std::string> {};

constexpr char kOpenAIKey[] = "sk-canary-Xv7Qm2Lp9Rt4Wz8Kd3Fj6Hb1";
constexpr char kAnthropicKey[] = "sk-ant-api03-Cq5Ny8Tg2Pe6Ua9Ms4Vr7Jz3";

// Every form of `key` a leak may take, by name.
std::map<std::string, std::string> Forms(const std::string& key) {
  std::string escaped;
  char buf[8];
  for (char c : key) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
    escaped += buf;
  }
  return {{"whole", key},
          {"without prefix", key.substr(key.find_last_of('-') + 1)},
          {"last 8", key.substr(key.size() - 8)},
          {"last 4", key.substr(key.size() - 4)},
          {"json-escaped", escaped}};
}

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST_P(SecretsEchoed, NoFormOfAnEchoedKeyLeavesTheDaemon) {
  ClusterOptions opt;
  opt.openai_key = kOpenAIKey;
  opt.anthropic_key = kAnthropicKey;
  opt.log_level = GetParam();
  opt.default_timeout_ms = 300;
  // The last tier runs on past its timeout up to the ceiling: kept short, for the hangs.
  opt.timeout_toml = "first_token_default_ms = 300\nstall_ms = 300\nceiling_ms = 300\n";
  // Breakers that never open: every request reaches every tier's provider.
  opt.extra_toml =
      "[breaker]\nmin_calls = 1000000\nconsecutive_failures = 1000000\nconsecutive_timeouts = "
      "1000000\n"
      "[routes.anthropic_first]\ntiers = [\"claude-haiku\", \"gpt-4o\"]\n"
      "[routes.anthropic_first.timeout]\ndefault_ms = 300\nfirst_token_default_ms = 300\n"
      "stall_ms = 300\nceiling_ms = 300\n";
  std::vector<std::string> faults = {
      "mode=ok",
      "mode=error&status=400",
      "mode=error&status=400&error_kind=context",
      "mode=error&status=401",
      "mode=error&status=403",
      "mode=error&status=404",
      "mode=error&status=408",
      "mode=error&status=409",
      "mode=error&status=429",
      "mode=error&status=500",
      "mode=error&status=503",
      "mode=error&status=529",
      "mode=hang",
      "mode=reset",
      "mode=truncate",
      "mode=garbage",
      "mode=drip&drip_ms=1",
      "mode=empty",
      "mode=badutf8",
      "mode=huge&huge_mb=9",
      "mode=stall",
      "mode=cut",
      "mode=unfinished",
      "mode=stream_error&error_after=0",
      "mode=stream_error&error_after=2",
  };
  std::string replies, log, history;
  {
    Cluster cluster(opt);
    RawClient raw(cluster.socket());
    uint32_t msgid = 0;
    auto call = [&](const std::string& route, bool stream) {
      CompleteRequest req = Cluster::Ask("tell me");
      req.route = route;
      req.stream = stream;
      uint32_t id = ++msgid;
      raw.Send(EncodeCompleteCall(id, req));
      msgpack::object_handle oh;
      for (;;) {
        ASSERT_TRUE(raw.Next(&oh)) << "no answer to " << route << " stream=" << stream;
        Envelope env;
        ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
        if (env.type == FrameType::kResponse && env.msgid == id) return;
      }
    };
    for (const std::string& fault : faults) {
      cluster.fake().SetFault("*", fault + "&echo_key=1");
      for (const char* route : {"chat", "anthropic_first"}) {
        for (bool stream : {false, true}) call(route, stream);
      }
    }
    raw.Send(EncodeEmptyCall(++msgid, "status"));
    msgpack::object_handle oh;
    ASSERT_TRUE(raw.Next(&oh));
    replies = raw.received();
    // The fake did echo the keys, and the daemon saw them: what it sent on says so.
    EXPECT_GT(Count(replies, "[redacted]"), 50u);
    EXPECT_GE(cluster.fake().AuthOk(), static_cast<int64_t>(faults.size()) * 4);
    ASSERT_TRUE(cluster.StopDaemon().ok());
    log = cluster.daemon_log();
    for (const char* suffix : {"", "-wal"}) {
      std::string path = cluster.history_path() + suffix;
      if (std::filesystem::exists(path)) history += ReadFile(path);
    }
  }
  ASSERT_FALSE(log.empty());
  ASSERT_FALSE(history.empty());
  for (const std::string& key : {std::string(kOpenAIKey), std::string(kAnthropicKey)}) {
    for (const auto& [form, text] : Forms(key)) {
      EXPECT_EQ(Count(log, text), 0u) << form << " of " << key << " in the log";
      EXPECT_EQ(Count(history, text), 0u) << form << " of " << key << " in history.db or its WAL";
      EXPECT_EQ(Count(replies, text), 0u) << form << " of " << key << " in a reply or status";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LogLevels, SecretsEchoed, testing::Values("info", "trace"));

}  // namespace
}  // namespace switchyard::e2e
