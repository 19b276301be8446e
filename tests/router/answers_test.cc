// The router with what issue 6 adds: context windows, partial-failure checks, streaming,
// cost and daily budgets. Simulated time and a fake HTTP client throughout.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fakes/fake_timers.h"
#include "fakes/memory_store.h"
#include "prompt/token_estimate.h"
#include "router/router.h"

namespace switchyard {
namespace {

ModelConfig Model(const char* name, const char* provider, int64_t window) {
  ModelConfig m;
  m.name = name;
  m.provider = provider;
  m.id = std::string(name) + "-id";
  m.context_window = window;
  m.max_output_tokens = 4096;
  m.input_usd_per_mtok = 1;
  m.output_usd_per_mtok = 2;
  m.breaker.jitter = 0;
  return m;
}

std::shared_ptr<Config> BaseConfig(std::vector<std::string> tiers) {
  auto cfg = std::make_shared<Config>();
  ProviderConfig oa;
  oa.name = "openai";
  oa.base_url = "http://127.0.0.1:1/v1";
  cfg->providers["openai"] = oa;
  ProviderConfig an = oa;
  an.name = "anthropic";
  an.kind = ProviderKind::kAnthropic;
  cfg->providers["anthropic"] = an;
  cfg->models["large"] = Model("large", "openai", 200000);
  cfg->models["medium"] = Model("medium", "openai", 128000);
  cfg->models["small"] = Model("small", "openai", 16000);
  cfg->models["claude"] = Model("claude", "anthropic", 200000);
  RouteConfig r;
  r.name = "chat";
  r.tiers = std::move(tiers);
  r.deadline_ms = 60000;
  r.timeout.default_ms = 5000;
  r.timeout.first_token_default_ms = 1000;
  r.timeout.stall_ms = 4000;
  r.over_budget_tier = r.tiers.size() > 1 ? r.tiers[1] : r.tiers[0];
  cfg->routes["chat"] = r;
  return cfg;
}

std::string OpenAIAnswer(const std::string& content, const std::string& finish = "stop",
                         int64_t in = 100, int64_t out = 10) {
  std::string escaped;
  for (char c : content) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return R"({"choices":[{"index":0,"message":{"role":"assistant","content":")" + escaped +
         R"("},"finish_reason":")" + finish + R"("}],"usage":{"prompt_tokens":)" +
         std::to_string(in) + R"(,"completion_tokens":)" + std::to_string(out) + "}}";
}

HttpResponse Reply(int64_t status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string OpenAIChunk(const std::string& text) {
  return R"(data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")" +
         text + R"("},"finish_reason":null}]})" + "\n\n";
}

std::string OpenAIEnd(int64_t in, int64_t out) {
  return std::string(
             R"(data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})") +
         "\n\n" +
         R"(data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":)" +
         std::to_string(in) + R"(,"completion_tokens":)" + std::to_string(out) +
         "}}\n\ndata: [DONE]\n\n";
}

// Messages of the OpenAI body the router sent, as the provider would read them.
std::vector<Message> SentMessages(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  std::vector<Message> out;
  for (simdjson::dom::element m : doc["messages"].get_array()) {
    out.push_back(
        {std::string(std::string_view(m["role"])), std::string(std::string_view(m["content"]))});
  }
  return out;
}

class AnswersTest : public ::testing::Test {
 protected:
  void Start(std::shared_ptr<Config> cfg) {
    config_ = cfg;
    RouterContext ctx;
    ctx.redactor = &redactor_;
    ctx.http = &http_;
    ctx.timers = &timers_;
    ctx.clock = &clock_;
    ctx.policy = &policy_;
    ctx.store = &store_;
    router_ = std::make_unique<Router>(cfg, ctx);
  }

  void Send(CompleteRequest req) {
    router_->Complete(
        std::move(req), [this](RouteResponse&& r) { responses_.push_back(std::move(r)); },
        [this](std::string_view, const StreamDelta& d) { chunks_.emplace_back(d.text); });
  }

  static CompleteRequest Ask(std::vector<Message> messages, bool stream = false) {
    CompleteRequest req;
    req.route = "chat";
    req.messages = std::move(messages);
    req.max_tokens = 1000;
    req.stream = stream;
    return req;
  }

  FakeClock clock_;
  FakeTimers timers_{&clock_};
  FakeHttpClient http_;
  TimeoutPolicy policy_;
  MemoryStore store_;
  Redactor redactor_;
  std::shared_ptr<Config> config_;
  std::vector<RouteResponse> responses_;
  std::vector<std::string> chunks_;
  std::unique_ptr<Router> router_;  // last: destroyed first, answering into the above
};

// ~150k tokens: a system message, 300 turns of ~500 tokens, and the newest question.
std::vector<Message> LongConversation() {
  std::vector<Message> m;
  m.push_back({"system", "SYSTEM: you are the assistant of record."});
  for (int i = 0; i < 300; ++i) {
    m.push_back({i % 2 == 0 ? "user" : "assistant",
                 "turn " + std::to_string(i) + " " + std::string(2000, 'w')});
  }
  m.push_back({"user", "NEWEST: and what now?"});
  return m;
}

TEST_F(AnswersTest, TruncatesA150kConversationFor128kAndThen16kModels) {
  Start(BaseConfig({"medium", "small"}));
  std::vector<Message> convo = LongConversation();
  ASSERT_GT(EstimatePromptTokens(convo), 150000);
  Send(Ask(convo));
  std::vector<Message> to_medium = SentMessages(http_.BodyFor("medium-id"));
  EXPECT_LE(EstimatePromptTokens(to_medium), 128000 - 1000);
  EXPECT_EQ(to_medium.front().content, convo.front().content);
  EXPECT_EQ(to_medium.back().content, convo.back().content);
  http_.ReplyFor("medium-id", Reply(500, R"({"error":{"message":"boom","type":"server_error"}})"));

  std::vector<Message> to_small = SentMessages(http_.BodyFor("small-id"));
  EXPECT_LE(EstimatePromptTokens(to_small), 16000 - 1000);
  EXPECT_EQ(to_small.front().content, convo.front().content);
  EXPECT_EQ(to_small.back().content, convo.back().content);
  http_.ReplyFor("small-id", Reply(200, OpenAIAnswer("done", "stop", 14000, 3)));

  ASSERT_EQ(responses_.size(), 1u);
  const RouteResponse& r = responses_[0];
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_TRUE(r.result.truncated);
  EXPECT_GT(r.result.truncation.tokens_before, 150000);
  EXPECT_LE(r.result.truncation.tokens_after, 15000);
  EXPECT_EQ(r.result.truncation.dropped_messages,
            static_cast<int64_t>(convo.size() - to_small.size()));
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_TRUE(r.result.attempts[0].truncated);
  EXPECT_GT(r.result.attempts[0].truncation.tokens_after,
            r.result.attempts[1].truncation.tokens_after);
  // The history keeps it too.
  ASSERT_EQ(store_.requests.size(), 1u);
  EXPECT_TRUE(store_.requests[0].truncated);
  EXPECT_TRUE(store_.requests[0].attempts[1].truncated);
  EXPECT_GT(store_.requests[0].attempts[1].tokens_before, 150000);
  EXPECT_LE(store_.requests[0].attempts[1].tokens_after, 15000);
}

TEST_F(AnswersTest, MaxTokensIsClampedToTheModelsMaximum) {
  Start(BaseConfig({"small"}));
  CompleteRequest req = Ask({{"user", "hi"}});
  req.max_tokens = 100000;
  Send(req);
  EXPECT_NE(http_.BodyFor("small-id").find("\"max_completion_tokens\":4096"), std::string::npos);
}

TEST_F(AnswersTest, SkipStrategyPassesOverTheSmallModelUntouched) {
  auto cfg = BaseConfig({"small", "large"});
  cfg->routes["chat"].on_context_overflow = ContextOverflow::kSkip;
  Start(cfg);
  std::vector<Message> m = {{"user", std::string(200000, 'q')}};  // ~50k tokens
  Send(Ask(m));
  EXPECT_EQ(http_.StartedFor("small-id"), 0);
  EXPECT_EQ(SentMessages(http_.BodyFor("large-id"))[0].content.size(), 200000u);
  http_.ReplyFor("large-id", Reply(200, OpenAIAnswer("ok")));
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_FALSE(responses_[0].result.truncated);
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "context_overflow");
  EXPECT_NE(responses_[0].result.attempts[0].reason.find("16000-token window"), std::string::npos);
}

TEST_F(AnswersTest, ProviderContextErrorMovesToALargerWindow) {
  Start(BaseConfig({"medium", "small", "large"}));
  Send(Ask({{"user", "a prompt the provider counts differently"}}));
  http_.ReplyFor(
      "medium-id",
      Reply(
          400,
          R"({"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})"));
  EXPECT_EQ(http_.StartedFor("small-id"), 0);  // a smaller window cannot take it either
  http_.ReplyFor("large-id", Reply(200, OpenAIAnswer("fits here")));
  ASSERT_EQ(responses_.size(), 1u);
  ASSERT_TRUE(responses_[0].ok) << responses_[0].error.message;
  EXPECT_EQ(responses_[0].result.model, "large");
  const auto& a = responses_[0].result.attempts;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].outcome, "context_overflow");
  EXPECT_EQ(a[0].http_status, 400);
  EXPECT_EQ(a[1].model, "small");
  EXPECT_EQ(a[1].outcome, "context_overflow");
  EXPECT_EQ(a[2].outcome, "ok");
}

TEST_F(AnswersTest, CalibrationFromReportedTokensChangesTheFit) {
  Start(BaseConfig({"small"}));
  // ~10k raw tokens: fits 16k - 1k as estimated...
  std::vector<Message> m = {{"user", std::string(40000, 'z')}};
  Send(Ask(m));
  EXPECT_EQ(SentMessages(http_.BodyFor("small-id"))[0].content.size(), 40000u);
  // ...but the provider counts twice as many.
  http_.ReplyFor("small-id",
                 Reply(200, OpenAIAnswer("ok", "stop", 2 * EstimatePromptTokens(m), 1)));
  Send(Ask(m));
  EXPECT_LT(SentMessages(http_.BodyFor("small-id"))[0].content.size(), 40000u);
  http_.ReplyFor("small-id", Reply(200, OpenAIAnswer("ok")));
  ASSERT_EQ(responses_.size(), 2u);
  EXPECT_FALSE(responses_[0].result.truncated);
  EXPECT_TRUE(responses_[1].result.truncated);
}

struct CheckCase {
  const char* outcome;
  std::string body;
  bool json = false;
  bool ChecksConfig::*flag;
};

void PrintTo(const CheckCase& c, std::ostream* os) { *os << c.outcome; }

class CheckTest : public AnswersTest, public ::testing::WithParamInterface<CheckCase> {};

TEST_P(CheckTest, FailedCheckFallsBackWithItsReason) {
  const CheckCase& c = GetParam();
  Start(BaseConfig({"large", "small"}));
  CompleteRequest req = Ask({{"user", "hi"}});
  req.json = c.json;
  Send(req);
  http_.ReplyFor("large-id", Reply(200, c.body));
  ASSERT_TRUE(http_.OpenFor("small-id")) << "no fallback on " << c.outcome;
  http_.ReplyFor("small-id", Reply(200, OpenAIAnswer("{\"fine\": true}", "stop", 50, 5)));
  ASSERT_EQ(responses_.size(), 1u);
  const RouteResponse& r = responses_[0];
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "small");
  EXPECT_EQ(r.result.attempts[0].outcome, c.outcome);
  EXPECT_FALSE(r.result.attempts[0].reason.empty());
  // The provider billed the failed answer: its cost is in the request's.
  EXPECT_GT(r.result.attempts[0].cost_usd, 0);
  EXPECT_DOUBLE_EQ(r.result.cost_usd,
                   r.result.attempts[0].cost_usd + r.result.attempts[1].cost_usd);
  ASSERT_EQ(store_.requests[0].fallbacks.size(), 1u);
  EXPECT_EQ(store_.requests[0].fallbacks[0].reason, c.outcome);
}

TEST_P(CheckTest, SwitchedOffCheckAcceptsTheAnswer) {
  const CheckCase& c = GetParam();
  auto cfg = BaseConfig({"large", "small"});
  cfg->routes["chat"].checks.*(c.flag) = false;
  Start(cfg);
  CompleteRequest req = Ask({{"user", "hi"}});
  req.json = c.json;
  Send(req);
  http_.ReplyFor("large-id", Reply(200, c.body));
  ASSERT_EQ(responses_.size(), 1u);
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.model, "large");
}

std::string Looping() {
  std::string s = "Let me think. ";
  for (int i = 0; i < 50; ++i) s += "and then again ";
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Checks, CheckTest,
    ::testing::Values(
        CheckCase{"empty_answer", OpenAIAnswer("", "stop", 100, 0), false, &ChecksConfig::empty},
        CheckCase{"length_limit", OpenAIAnswer("It began", "length", 100, 1000), false,
                  &ChecksConfig::length},
        CheckCase{"content_filter", OpenAIAnswer("", "content_filter", 100, 3), false,
                  &ChecksConfig::content_filter},
        CheckCase{"invalid_json", OpenAIAnswer("Sure! here: {", "stop"), true, &ChecksConfig::json},
        CheckCase{"repetition", OpenAIAnswer(Looping(), "stop", 100, 200), false,
                  &ChecksConfig::repetition}),
    [](const ::testing::TestParamInfo<CheckCase>& i) { return std::string(i.param.outcome); });

TEST_F(AnswersTest, LengthStopIsFineWhenTheClientAllowsIt) {
  Start(BaseConfig({"large", "small"}));
  CompleteRequest req = Ask({{"user", "hi"}});
  req.allow_length_stop = true;
  Send(req);
  http_.ReplyFor("large-id", Reply(200, OpenAIAnswer("It began", "length", 100, 1000)));
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.finish_reason, "length");
}

TEST_F(AnswersTest, OpenAIStreamRelaysChunksInOrder) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  EXPECT_NE(http_.BodyFor("large-id").find("\"stream\":true"), std::string::npos);
  EXPECT_NE(http_.BodyFor("large-id").find("\"include_usage\":true"), std::string::npos);
  http_.StreamFor(
      "large-id",
      "data: "
      "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
  EXPECT_TRUE(chunks_.empty());  // no text yet
  http_.StreamFor("large-id", OpenAIChunk("Hel"));
  http_.StreamFor("large-id", OpenAIChunk("lo, ") + OpenAIChunk("wor"));
  http_.StreamFor("large-id", OpenAIChunk("ld") + OpenAIEnd(12, 4).substr(0, 20));  // split event
  http_.StreamFor("large-id", OpenAIEnd(12, 4).substr(20));
  http_.ReplyFor("large-id", Reply(200, ""));
  ASSERT_EQ(responses_.size(), 1u);
  ASSERT_TRUE(responses_[0].ok) << responses_[0].error.message;
  std::string joined;
  for (const auto& c : chunks_) joined += c;
  EXPECT_EQ(chunks_.size(), 3u);
  EXPECT_EQ(joined, "Hello, world");
  EXPECT_EQ(responses_[0].result.content, "Hello, world");
  EXPECT_EQ(responses_[0].result.usage.input_tokens, 12);
  EXPECT_EQ(responses_[0].result.usage.output_tokens, 4);
  EXPECT_DOUBLE_EQ(responses_[0].result.cost_usd, (12 * 1 + 4 * 2) / 1e6);
  EXPECT_GE(responses_[0].result.attempts[0].ttft_ms, 0);
  EXPECT_TRUE(store_.requests[0].attempts[0].stream);
  EXPECT_EQ(timers_.pending(), 0u);
}

// Each event is redacted at the door, but a key the model echoes comes a few bytes per event:
// only the relayed text holds it whole, so that is redacted too, chunks and content alike.
TEST_F(AnswersTest, AKeySplitOverStreamEventsIsRedactedInChunksAndContent) {
  redactor_.Add("sk-proj-Zq8vT2mW4xK9pL3nR7yB5cE1");
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.StreamFor("large-id", OpenAIChunk("your key: sk-pr"));
  http_.StreamFor("large-id", OpenAIChunk("oj-Zq8vT2mW4x"));
  http_.StreamFor("large-id", OpenAIChunk("K9pL3nR7yB5cE1, see"));
  http_.StreamFor("large-id", OpenAIChunk(" you s"));
  std::string so_far;
  for (const auto& c : chunks_) so_far += c;
  EXPECT_EQ(so_far, "your key: [redacted], see you ");  // the "s" waits: it might start a key
  http_.StreamFor("large-id", OpenAIEnd(3, 3));
  http_.ReplyFor("large-id", Reply(200, ""));
  ASSERT_EQ(responses_.size(), 1u);
  ASSERT_TRUE(responses_[0].ok) << responses_[0].error.message;
  std::string joined;
  for (const auto& c : chunks_) joined += c;
  EXPECT_EQ(joined, "your key: [redacted], see you s");
  EXPECT_EQ(responses_[0].result.content, joined);
}

TEST_F(AnswersTest, AnthropicStreamRelaysChunksInOrder) {
  Start(BaseConfig({"claude", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.StreamFor(
      "claude-id",
      "event: message_start\ndata: "
      "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":"
      "\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
      "event: content_block_start\ndata: "
      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":"
      "\"\"}}\n\n"
      "event: ping\ndata: {\"type\": \"ping\"}\n\n");
  clock_.Advance(120);
  http_.StreamFor("claude-id",
                  "event: content_block_delta\ndata: "
                  "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_"
                  "delta\",\"text\":\"Bon\"}}\n\n");
  http_.StreamFor(
      "claude-id",
      "event: content_block_delta\ndata: "
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
      "\"jour\"}}\n\n"
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
      "\"usage\":{\"output_tokens\":7}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  http_.ReplyFor("claude-id", Reply(200, ""));
  ASSERT_TRUE(responses_[0].ok) << responses_[0].error.message;
  EXPECT_EQ(chunks_, (std::vector<std::string>{"Bon", "jour"}));
  EXPECT_EQ(responses_[0].result.content, "Bonjour");
  EXPECT_EQ(responses_[0].result.finish_reason, "stop");
  EXPECT_EQ(responses_[0].result.usage.input_tokens, 25);
  EXPECT_EQ(responses_[0].result.usage.output_tokens, 7);
  EXPECT_EQ(responses_[0].result.attempts[0].ttft_ms, 120);
}

TEST_F(AnswersTest, HeadersThenNothingFiresTheFirstTokenTimeout) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  // The provider sent its headers (the transfer is open) and a keep-alive comment, no text.
  http_.StreamFor("large-id", ": keep-alive\n\n");
  timers_.Advance(999);
  EXPECT_EQ(http_.StartedFor("small-id"), 0);
  timers_.Advance(1);  // first_token_default_ms
  EXPECT_EQ(http_.StartedFor("small-id"), 1);
  EXPECT_TRUE(chunks_.empty());
  http_.StreamFor("small-id", OpenAIChunk("fast") + OpenAIEnd(5, 1));
  http_.ReplyFor("small-id", Reply(200, ""));
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.model, "small");
  EXPECT_EQ(chunks_, (std::vector<std::string>{"fast"}));
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "timeout");
  EXPECT_EQ(responses_[0].result.attempts[0].timeout_ms, 1000);
}

TEST_F(AnswersTest, StreamCutMidwayEndsWithThePartialError) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.StreamFor("large-id", OpenAIChunk("Half an ") + OpenAIChunk("answ"));
  HttpResponse cut;
  cut.status = 200;
  cut.error = TransportError::kOther;
  cut.error_message = "Connection reset by peer";
  http_.ReplyFor("large-id", std::move(cut));
  ASSERT_EQ(responses_.size(), 1u);
  const RouteResponse& r = responses_[0];
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "partial_answer");
  EXPECT_NE(r.error.message.find("partial"), std::string::npos);
  EXPECT_EQ(http_.StartedFor("small-id"), 0);  // no splicing another model's answer on
  ASSERT_EQ(r.error.attempts.size(), 1u);
  EXPECT_EQ(r.error.attempts[0].outcome, "transport_error");
  // Billed: the input and the text generated, estimated as the provider reported none.
  EXPECT_GT(r.error.attempts[0].usage.input_tokens, 0);
  EXPECT_GT(r.error.attempts[0].usage.output_tokens, 0);
  EXPECT_EQ(store_.requests[0].outcome, "partial_answer");
}

TEST_F(AnswersTest, StalledStreamEndsWithThePartialError) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.StreamFor("large-id", OpenAIChunk("Once upon"));
  timers_.Advance(3000);
  http_.StreamFor("large-id", ": still here\n\n");  // bytes, no text: not a stall
  timers_.Advance(3999);
  EXPECT_TRUE(responses_.empty());
  timers_.Advance(1);
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "partial_answer");
  EXPECT_NE(responses_[0].error.attempts[0].reason.find("stalled"), std::string::npos);
  EXPECT_EQ(http_.open(), 0u);
}

TEST_F(AnswersTest, StreamWithoutItsFinalEventBeforeAnyTextFallsBack) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.StreamFor("large-id",
                  "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n");
  http_.ReplyFor("large-id", Reply(200, ""));
  EXPECT_EQ(http_.StartedFor("small-id"), 1);
  http_.StreamFor("small-id", OpenAIChunk("ok") + OpenAIEnd(1, 1));
  http_.ReplyFor("small-id", Reply(200, ""));
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "incomplete_stream");
}

TEST_F(AnswersTest, StreamWithoutItsFinalEventAfterTextIsPartial) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.StreamFor("large-id", OpenAIChunk("So far"));
  http_.ReplyFor("large-id", Reply(200, ""));
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "partial_answer");
  EXPECT_EQ(responses_[0].error.attempts[0].outcome, "incomplete_stream");
}

TEST_F(AnswersTest, StreamErrorStatusFallsBackWithTheParsedError) {
  Start(BaseConfig({"large", "small"}));
  Send(Ask({{"user", "hi"}}, true));
  http_.ReplyFor(
      "large-id",
      Reply(429,
            R"({"error":{"message":"slow down","type":"tokens","code":"rate_limit_exceeded"}})"));
  EXPECT_EQ(http_.StartedFor("small-id"), 1);
  http_.StreamFor("small-id", OpenAIChunk("ok") + OpenAIEnd(1, 1));
  http_.ReplyFor("small-id", Reply(200, ""));
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "rate_limited");
}

TEST_F(AnswersTest, HedgedStreamsRaceToTheirFirstText) {
  auto cfg = BaseConfig({"large", "small"});
  cfg->routes["chat"].on_soft_timeout = SoftTimeout::kHedge;
  Start(cfg);
  Send(Ask({{"user", "hi"}}, true));
  timers_.Advance(1000);  // large's first-token timeout: small starts too
  ASSERT_EQ(http_.open(), 2u);
  http_.StreamFor("small-id", OpenAIChunk("small wins"));
  EXPECT_EQ(http_.open(), 1u);  // large cancelled
  http_.StreamFor("small-id", OpenAIEnd(3, 2));
  http_.ReplyFor("small-id", Reply(200, ""));
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.model, "small");
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "timeout");
  EXPECT_GT(responses_[0].result.attempts[0].cost_usd, 0);  // the loser's input was billed
}

TEST_F(AnswersTest, RequestCostIsTheSumOfItsAttempts) {
  Start(BaseConfig({"large", "medium", "small"}));
  Send(Ask({{"user", "hi"}}));
  http_.ReplyFor("large-id", Reply(200, OpenAIAnswer("", "stop", 1000, 0)));  // empty: billed input
  http_.ReplyFor("medium-id", Reply(503, R"({"error":{"message":"busy","type":"server_error"}})"));
  http_.ReplyFor("small-id", Reply(200, OpenAIAnswer("fine", "stop", 2000, 500)));
  const RouteResponse& r = responses_[0];
  ASSERT_TRUE(r.ok);
  double sum = 0;
  for (const AttemptReport& a : r.result.attempts) sum += a.cost_usd;
  EXPECT_DOUBLE_EQ(r.result.cost_usd, sum);
  EXPECT_DOUBLE_EQ(r.result.attempts[0].cost_usd, 1000 / 1e6);
  EXPECT_DOUBLE_EQ(r.result.attempts[1].cost_usd, 0);
  EXPECT_DOUBLE_EQ(r.result.attempts[2].cost_usd, (2000 + 500 * 2) / 1e6);
  EXPECT_DOUBLE_EQ(store_.requests[0].cost_usd, sum);
}

TEST_F(AnswersTest, SpentBudgetStartsTheRouteAtTheCheaperTierUntilMidnight) {
  auto cfg = BaseConfig({"large", "small"});
  cfg->routes["chat"].budget_usd_per_day = 0.5;
  Start(cfg);
  StatusResult st;
  router_->FillStatus(&st);
  ASSERT_EQ(st.routes.size(), 1u);
  EXPECT_FALSE(st.routes[0].over_budget);
  EXPECT_EQ(st.routes[0].start_tier, "large");

  Send(Ask({{"user", "hi"}}));
  http_.ReplyFor("large-id", Reply(200, OpenAIAnswer("pricey", "stop", 400000, 100000)));  // $0.60
  st = StatusResult();
  router_->FillStatus(&st);
  EXPECT_TRUE(st.routes[0].over_budget);
  EXPECT_NEAR(st.routes[0].spent_today_usd, 0.6, 1e-9);
  EXPECT_EQ(st.routes[0].start_tier, "small");

  Send(Ask({{"user", "hi"}}));
  EXPECT_EQ(http_.StartedFor("large-id"), 1);
  EXPECT_EQ(http_.StartedFor("small-id"), 1);
  http_.ReplyFor("small-id", Reply(200, OpenAIAnswer("cheap")));
  EXPECT_EQ(responses_[1].result.model, "small");

  clock_.Advance(86400000);  // a new UTC day
  Send(Ask({{"user", "hi"}}));
  EXPECT_EQ(http_.StartedFor("large-id"), 2);
}

}  // namespace
}  // namespace switchyard
