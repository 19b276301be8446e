// The two clients a cleartext provider can be called through (switchyard's own HTTP/1.1
// client, the default, and libcurl with providers.NAME.http_client = "curl") give the same
// answers and the same outcomes for each way the fake provider fails, end to end.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "e2e/harness.h"

namespace switchyard::e2e {
namespace {

struct HttpClientCase {
  const char* setting;  // providers.NAME.http_client
  const char* logged;   // what the daemon says carries the calls
};

class BothHttpClients : public ::testing::TestWithParam<HttpClientCase> {
 protected:
  ClusterOptions Options() const {
    ClusterOptions o;
    o.provider_toml = std::string("http_client = \"") + GetParam().setting + "\"";
    o.default_timeout_ms = 400;
    return o;
  }
  void ExpectCarriedBy(Cluster& cluster) {
    for (const char* p : {"openai", "anthropic"}) {
      EXPECT_NE(cluster.daemon_log().find(std::string("provider ") + p + ": calls go through " +
                                          GetParam().logged),
                std::string::npos)
          << cluster.daemon_log();
    }
  }
};

std::string Streamed(switchyard::Client& client, CompleteReply* r) {
  std::mutex mu;
  std::string text;
  *r = client.CompleteStream(Cluster::Ask("stream"), [&](const StreamChunk& c) {
    std::lock_guard<std::mutex> lock(mu);
    text += c.content;
  });
  std::lock_guard<std::mutex> lock(mu);
  return text;
}

TEST_P(BothHttpClients, AnswersAndStreamsInBothFormats) {
  Cluster cluster(Options());
  ExpectCarriedBy(cluster);
  auto client = cluster.Connect();
  for (int i = 0; i < 3; ++i) {  // the later ones on a kept connection
    CompleteReply r = client->Complete(Cluster::Ask("hello"));
    ASSERT_TRUE(r.ok) << r.error.message;
    EXPECT_EQ(r.result.model, "gpt-4o");
    EXPECT_FALSE(r.result.content.empty());
  }
  cluster.fake().SetFault("gpt-4o", "mode=ok&chunk_ms=2&reply=one+two+three+four");
  CompleteReply r;
  EXPECT_EQ(Streamed(*client, &r), "one two three four");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o");

  // Anthropic's stream, from the third tier.
  cluster.fake().SetFault("gpt-4o", "mode=error&status=503");
  cluster.fake().SetFault("gpt-4o-mini", "mode=error&status=503");
  cluster.fake().SetFault("claude-3-5-haiku-latest", "mode=ok&chunk_ms=2&reply=five+six+seven");
  EXPECT_EQ(Streamed(*client, &r), "five six seven");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "claude-haiku");
  EXPECT_EQ(r.result.attempts[0].outcome, "server_error");
}

TEST_P(BothHttpClients, EachFaultFallsBackWithItsOutcome) {
  Cluster cluster(Options());
  auto client = cluster.Connect();
  struct Case {
    const char* fault;
    const char* outcome;
  };
  for (Case c : {Case{"mode=truncate", "transport_error"}, Case{"mode=reset", "transport_error"},
                 Case{"mode=hang", "timeout"}, Case{"mode=garbage", "bad_response"},
                 Case{"mode=error&status=429&retry_after_s=30", "rate_limited"}}) {
    cluster.fake().SetFault("gpt-4o", c.fault);
    CompleteReply r = client->Complete(Cluster::Ask("x"));
    ASSERT_TRUE(r.ok) << c.fault << ": " << r.error.message;
    EXPECT_EQ(r.result.model, "gpt-4o-mini") << c.fault;
    ASSERT_GE(r.result.attempts.size(), 2u) << c.fault;
    EXPECT_EQ(r.result.attempts[0].outcome, c.outcome) << c.fault;
    EXPECT_FALSE(r.result.attempts[0].reason.empty()) << c.fault;
    // The connection the fault spoiled is not used again: the next answer is whole.
    cluster.fake().SetFault("gpt-4o", "mode=ok");
    if (std::string(c.outcome) != "rate_limited") {
      CompleteReply next = client->Complete(Cluster::Ask("again"));
      ASSERT_TRUE(next.ok) << next.error.message;
      EXPECT_EQ(next.result.model, "gpt-4o") << "after " << c.fault;
    }
  }
  // A cut stream after text has gone out ends the request as partial_answer.
  cluster.fake().SetFault("gpt-4o-mini", "mode=cut&chunk_ms=2&reply=a+b+c+d+e+f+g+h");
  CompleteReply cut;
  Streamed(*client, &cut);
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.error.code, "partial_answer");
}

INSTANTIATE_TEST_SUITE_P(, BothHttpClients,
                         ::testing::Values(HttpClientCase{"auto", "switchyard's HTTP/1.1 client"},
                                           HttpClientCase{"curl", "libcurl"}),
                         [](const auto& info) { return std::string(info.param.setting); });

}  // namespace
}  // namespace switchyard::e2e
