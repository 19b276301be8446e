// Streaming, context windows and partial failures through the real daemon, the fake
// provider's real wire formats and real sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "e2e/harness.h"
#include "e2e/history_db.h"

namespace switchyard::e2e {
namespace {

// Collects a stream's chunks as the client's reader thread delivers them.
struct Chunks {
  std::mutex mu;
  std::vector<StreamChunk> got;
  std::function<void(const StreamChunk&)> Sink() {
    return [this](const StreamChunk& c) {
      std::lock_guard<std::mutex> lock(mu);
      got.push_back(c);
    };
  }
  std::string Joined() {
    std::lock_guard<std::mutex> lock(mu);
    std::string s;
    for (const StreamChunk& c : got) s += c.content;
    return s;
  }
  bool InOrder() {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i].index != static_cast<int64_t>(i)) return false;
    }
    return true;
  }
};

const char* kReply = "Streaming+answers+arrive+in+pieces,+and+the+pieces+make+the+answer.";
const char* kReplyText = "Streaming answers arrive in pieces, and the pieces make the answer.";

TEST(Stream, OpenAIChunksArriveInOrderAndMakeTheAnswer) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", std::string("mode=ok&chunk_ms=5&reply=") + kReply);
  auto client = cluster.Connect();
  Chunks chunks;
  CompleteReply r = client->CompleteStream(Cluster::Ask("stream please"), chunks.Sink());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o");
  EXPECT_GT(chunks.got.size(), 3u);
  EXPECT_TRUE(chunks.InOrder());
  EXPECT_EQ(chunks.Joined(), kReplyText);
  EXPECT_EQ(r.result.content, kReplyText);
  EXPECT_GT(r.result.usage.output_tokens, 0);
  EXPECT_GT(r.result.cost_usd, 0);
  EXPECT_GE(r.result.attempts[0].ttft_ms, 0);
}

TEST(Stream, AnthropicChunksArriveInOrderAndMakeTheAnswer) {
  ClusterOptions opt;
  opt.tiers = "\"claude-haiku\", \"gpt-4o-mini\"";
  Cluster cluster(opt);
  cluster.fake().SetFault("claude-3-5-haiku-latest", std::string("mode=ok&reply=") + kReply);
  auto client = cluster.Connect();
  Chunks chunks;
  CompleteReply r = client->CompleteStream(Cluster::Ask("stream please"), chunks.Sink());
  ASSERT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.result.model, "claude-haiku");
  EXPECT_TRUE(chunks.InOrder());
  EXPECT_EQ(chunks.Joined(), kReplyText);
  EXPECT_EQ(r.result.content, kReplyText);
  EXPECT_EQ(r.result.finish_reason, "stop");
  EXPECT_GT(r.result.usage.input_tokens, 0);
}

TEST(Stream, FirstTokenTimeoutFallsBackBeforeAnyChunkIsSent) {
  ClusterOptions opt;
  opt.timeout_toml = "first_token_default_ms = 400\n";
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "mode=stall");  // headers, then nothing
  auto client = cluster.Connect();
  Chunks chunks;
  auto start = std::chrono::steady_clock::now();
  CompleteReply r = client->CompleteStream(Cluster::Ask("hello?"), chunks.Sink());
  int64_t took = MsSince(start);
  ASSERT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts[0].outcome, "timeout");
  EXPECT_EQ(r.result.attempts[0].timeout_ms, 400);
  EXPECT_GE(took, 400);
  EXPECT_LT(took, 400 + 400) << "the first-token timeout fired late";
  EXPECT_EQ(chunks.Joined(), "Answer from gpt-4o-mini to: hello?");  // none from gpt-4o
}

TEST(Stream, CutMidwayEndsWithThePartialErrorAndTheHistorySaysSo) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", std::string("mode=cut&chunk_ms=10&reply=") + kReply);
  auto client = cluster.Connect();
  Chunks chunks;
  CompleteReply r = client->CompleteStream(Cluster::Ask("go"), chunks.Sink());
  ASSERT_TRUE(r.status.ok());
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "partial_answer");
  EXPECT_NE(r.error.message.find("partial"), std::string::npos);
  EXPECT_FALSE(chunks.got.empty());
  EXPECT_LT(chunks.Joined().size(), std::string(kReplyText).size());
  EXPECT_EQ(cluster.fake().Requests("gpt-4o-mini"), 0);
  ASSERT_EQ(r.error.attempts.size(), 1u);
  EXPECT_EQ(r.error.attempts[0].outcome, "transport_error");
  int64_t id = r.error.request_id;
  ASSERT_TRUE(cluster.StopDaemon().ok());
  Db db(cluster.history_path());
  EXPECT_EQ(db.Text("SELECT outcome FROM requests WHERE id = " + std::to_string(id)),
            "partial_answer");
  EXPECT_EQ(db.Int("SELECT stream FROM attempts WHERE request_id = " + std::to_string(id)), 1);
  EXPECT_GE(db.Int("SELECT ttft_ms FROM attempts WHERE request_id = " + std::to_string(id)), 0);
}

TEST(Stream, EndingWithoutTheFinalEventAfterTextIsPartial) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", std::string("mode=unfinished&reply=") + kReply);
  auto client = cluster.Connect();
  Chunks chunks;
  CompleteReply r = client->CompleteStream(Cluster::Ask("hi"), chunks.Sink());
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "partial_answer");
  EXPECT_EQ(r.error.attempts[0].outcome, "incomplete_stream");
  EXPECT_EQ(chunks.Joined(), kReplyText);  // every text event came; the final one did not
}

TEST(Stream, AnEmptyStreamFallsBack) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=empty");
  auto client = cluster.Connect();
  Chunks chunks;
  CompleteReply r = client->CompleteStream(Cluster::Ask("hi"), chunks.Sink());
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts[0].outcome, "empty_answer");
}

TEST(ContextWindow, ProviderContextErrorMovesToTheLargerWindow) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=error&status=400&error_kind=context");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("a long story"));
  ASSERT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.result.model, "claude-haiku");  // 200k; gpt-4o-mini's 128k is no larger
  ASSERT_EQ(r.result.attempts.size(), 3u);
  EXPECT_EQ(r.result.attempts[0].outcome, "context_overflow");
  EXPECT_EQ(r.result.attempts[1].outcome, "context_overflow");
  EXPECT_EQ(cluster.fake().Requests("gpt-4o-mini"), 0);
}

TEST(ContextWindow, AnOversizedConversationIsShortenedAndSaysSo) {
  Cluster cluster;
  auto client = cluster.Connect();
  CompleteRequest req = Cluster::Ask("the newest question");
  std::vector<Message> history = {{"system", "keep me"}};
  for (int i = 0; i < 300; ++i) {
    history.push_back({i % 2 ? "assistant" : "user", std::string(2400, 'a' + i % 26)});
  }
  history.push_back(req.messages.back());
  req.messages = history;  // ~180k tokens against gpt-4o's 128k
  req.max_tokens = 1000;
  CompleteReply r = client->Complete(req);
  ASSERT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o");
  EXPECT_TRUE(r.result.truncated);
  EXPECT_GT(r.result.truncation.tokens_before, 128000);
  EXPECT_LE(r.result.truncation.tokens_after, 128000 - 1000);
  EXPECT_GT(r.result.truncation.dropped_messages, 0);
  EXPECT_EQ(r.result.content, "Answer from gpt-4o to: the newest question");
}

TEST(PartialFailures, EachFallsBackAndCanBeSwitchedOff) {
  ClusterOptions opt;
  opt.route_toml = "[routes.chat.checks]\nlength = false\n";
  Cluster cluster(opt);
  auto client = cluster.Connect();
  cluster.fake().SetFault("gpt-4o", "mode=empty");
  CompleteReply r = client->Complete(Cluster::Ask("a"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.attempts[0].outcome, "empty_answer");
  cluster.fake().SetFault("gpt-4o", "mode=ok&finish=content_filter");
  r = client->Complete(Cluster::Ask("b"));
  EXPECT_EQ(r.result.attempts[0].outcome, "content_filter");
  CompleteRequest json = Cluster::Ask("c");
  json.json = true;
  cluster.fake().SetFault("gpt-4o", "mode=ok&reply=not+json");
  cluster.fake().SetFault("gpt-4o-mini", "mode=ok&reply={\"ok\":1}");
  r = client->Complete(json);
  EXPECT_EQ(r.result.attempts[0].outcome, "invalid_json");
  EXPECT_EQ(r.result.content, "{\"ok\":1}");
  cluster.fake().SetFault("gpt-4o", "mode=ok&finish=length");  // switched off above
  r = client->Complete(Cluster::Ask("d"));
  EXPECT_EQ(r.result.model, "gpt-4o");
  EXPECT_EQ(r.result.finish_reason, "length");
}

TEST(Budget, ASpentBudgetStartsAtTheCheaperTierAndStatusSaysSo) {
  ClusterOptions opt;
  opt.route_toml = "budget_usd_per_day = 0.000001\n";
  Cluster cluster(opt);
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("first"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "gpt-4o");
  StatusReply st = client->GetStatus();
  ASSERT_TRUE(st.ok);
  ASSERT_EQ(st.result.routes.size(), 1u);
  EXPECT_TRUE(st.result.routes[0].over_budget);
  EXPECT_EQ(st.result.routes[0].start_tier, "gpt-4o-mini");
  EXPECT_GE(st.result.routes[0].spent_today_usd, r.result.cost_usd);
  r = client->Complete(Cluster::Ask("second"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts.size(), 1u);
  // A restart remembers what was spent today.
  ASSERT_TRUE(cluster.StopDaemon().ok());
  cluster.StartDaemon();
  client = cluster.Connect();
  r = client->Complete(Cluster::Ask("third"));
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  ASSERT_TRUE(cluster.StopDaemon().ok());
  Db db(cluster.history_path());
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM cost_by_model_route_day WHERE route = 'chat'"), 2);
}

}  // namespace
}  // namespace switchyard::e2e
