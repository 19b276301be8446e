#include "store/record_codec.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

// Every field a distinct value, so a field read into its neighbour's place shows.
RequestRecord FullRequest() {
  RequestRecord r;
  r.id = 41;
  r.ts_ms = 1'700'000'000'123;
  r.route = "summarize";
  r.task = "chat";
  r.served_by = "haiku";
  r.outcome = "ok";
  r.latency_ms = 812;
  r.cost_usd = 0.0125;
  r.input_tokens = 1200;
  r.output_tokens = 300;
  r.truncated = true;
  r.error = std::string(300, 'e');  // longer than any small-string buffer
  AttemptRecord a;
  a.ts_ms = 1'700'000'000'124;
  a.model = "opus";
  a.latency_ms = 500;
  a.outcome = "timeout";
  a.reason = "no answer in 500 ms";
  a.http_status = 0;
  a.input_tokens = 7;
  a.output_tokens = 8;
  a.cost_usd = 0.5;
  a.timeout_ms = 500;
  a.stream = true;
  a.ttft_ms = -1;
  a.truncated = false;
  a.tokens_before = 11;
  a.tokens_after = 12;
  a.est_tokens = 13;
  a.called = false;
  r.attempts.push_back(a);
  AttemptRecord b;
  b.ts_ms = 1'700'000'000'625;
  b.model = "haiku";
  b.latency_ms = 310;
  b.outcome = "ok";
  b.http_status = 200;
  b.input_tokens = 1200;
  b.output_tokens = 300;
  b.cost_usd = 0.0025;
  b.timeout_ms = 2000;
  b.ttft_ms = 90;
  b.truncated = true;
  b.tokens_before = 21;
  b.tokens_after = 22;
  b.est_tokens = 23;
  r.attempts.push_back(b);
  FallbackRecord f;
  f.ts_ms = 1'700'000'000'624;
  f.from_model = "opus";
  f.to_model = "haiku";
  f.reason = "timeout";
  f.detail = "no answer in 500 ms";
  r.fallbacks.push_back(f);
  return r;
}

BreakerTransitionRecord Transition() {
  BreakerTransitionRecord t;
  t.ts_ms = 1'700'000'000'999;
  t.model = "opus";
  t.from_state = "closed";
  t.to_state = "open";
  t.reason = "5 failures in a row";
  t.open_until_ms = 1'700'000'030'999;
  return t;
}

TEST(RecordCodec, ReadsBackEveryFieldInOrder) {
  std::string bytes;
  EncodeRequest(FullRequest(), &bytes);
  EncodeTransition(Transition(), &bytes);
  EncodeRequest(RequestRecord{}, &bytes);

  RecordReader reader(bytes);
  RecordView v;
  ASSERT_TRUE(reader.Next(&v));
  ASSERT_EQ(v.kind, RecordView::Kind::kRequest);
  const RequestView& r = v.request;
  EXPECT_EQ(r.id, 41);
  EXPECT_EQ(r.ts_ms, 1'700'000'000'123);
  EXPECT_EQ(r.route, "summarize");
  EXPECT_EQ(r.task, "chat");
  EXPECT_EQ(r.served_by, "haiku");
  EXPECT_EQ(r.outcome, "ok");
  EXPECT_EQ(r.latency_ms, 812);
  EXPECT_DOUBLE_EQ(r.cost_usd, 0.0125);
  EXPECT_EQ(r.input_tokens, 1200);
  EXPECT_EQ(r.output_tokens, 300);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.error, std::string(300, 'e'));
  ASSERT_EQ(r.attempts.size(), 2u);
  const AttemptView& a = r.attempts[0];
  EXPECT_EQ(a.ts_ms, 1'700'000'000'124);
  EXPECT_EQ(a.model, "opus");
  EXPECT_EQ(a.latency_ms, 500);
  EXPECT_EQ(a.outcome, "timeout");
  EXPECT_EQ(a.reason, "no answer in 500 ms");
  EXPECT_EQ(a.http_status, 0);
  EXPECT_EQ(a.input_tokens, 7);
  EXPECT_EQ(a.output_tokens, 8);
  EXPECT_DOUBLE_EQ(a.cost_usd, 0.5);
  EXPECT_EQ(a.timeout_ms, 500);
  EXPECT_TRUE(a.stream);
  EXPECT_EQ(a.ttft_ms, -1);
  EXPECT_FALSE(a.truncated);
  EXPECT_EQ(a.tokens_before, 11);
  EXPECT_EQ(a.tokens_after, 12);
  EXPECT_EQ(a.est_tokens, 13);
  EXPECT_FALSE(a.called);
  const AttemptView& b = r.attempts[1];
  EXPECT_EQ(b.model, "haiku");
  EXPECT_EQ(b.http_status, 200);
  EXPECT_FALSE(b.stream);
  EXPECT_EQ(b.ttft_ms, 90);
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.est_tokens, 23);
  EXPECT_TRUE(b.called);
  ASSERT_EQ(r.fallbacks.size(), 1u);
  EXPECT_EQ(r.fallbacks[0].ts_ms, 1'700'000'000'624);
  EXPECT_EQ(r.fallbacks[0].from_model, "opus");
  EXPECT_EQ(r.fallbacks[0].to_model, "haiku");
  EXPECT_EQ(r.fallbacks[0].reason, "timeout");
  EXPECT_EQ(r.fallbacks[0].detail, "no answer in 500 ms");

  ASSERT_TRUE(reader.Next(&v));
  ASSERT_EQ(v.kind, RecordView::Kind::kTransition);
  EXPECT_EQ(v.transition.ts_ms, 1'700'000'000'999);
  EXPECT_EQ(v.transition.model, "opus");
  EXPECT_EQ(v.transition.from_state, "closed");
  EXPECT_EQ(v.transition.to_state, "open");
  EXPECT_EQ(v.transition.reason, "5 failures in a row");
  EXPECT_EQ(v.transition.open_until_ms, 1'700'000'030'999);

  // The reused view holds the third record alone: no attempts left over from the first.
  ASSERT_TRUE(reader.Next(&v));
  ASSERT_EQ(v.kind, RecordView::Kind::kRequest);
  EXPECT_EQ(v.request.id, 0);
  EXPECT_TRUE(v.request.route.empty());
  EXPECT_TRUE(v.request.attempts.empty());
  EXPECT_TRUE(v.request.fallbacks.empty());

  EXPECT_FALSE(reader.Next(&v));
  EXPECT_FALSE(reader.broken());
}

// Under ASan a read past the end fails the test, whichever byte the buffer stops at.
TEST(RecordCodec, AKeptFallbackAnswerReadsBack) {
  FallbackAnswerRecord a;
  a.request_id = 42;
  a.ts_ms = 1'700'000'000'000;
  a.route = "chat";
  a.task = "summarise";
  a.served_by = "haiku";
  a.first_tier = "opus";
  a.reason = "timeout: no answer in 500 ms";
  a.messages_json = R"([{"role":"user","content":"hi"}])";
  a.truncated = true;
  a.content = "hello";
  a.finish_reason = "stop";
  std::string bytes;
  EncodeAnswer(a, &bytes);
  RecordReader reader(bytes);
  RecordView v;
  ASSERT_TRUE(reader.Next(&v));
  ASSERT_EQ(v.kind, RecordView::Kind::kAnswer);
  EXPECT_EQ(v.answer.request_id, 42);
  EXPECT_EQ(v.answer.ts_ms, a.ts_ms);
  EXPECT_EQ(v.answer.route, "chat");
  EXPECT_EQ(v.answer.task, "summarise");
  EXPECT_EQ(v.answer.served_by, "haiku");
  EXPECT_EQ(v.answer.first_tier, "opus");
  EXPECT_EQ(v.answer.reason, a.reason);
  EXPECT_EQ(v.answer.messages_json, a.messages_json);
  EXPECT_TRUE(v.answer.truncated);
  EXPECT_EQ(v.answer.content, "hello");
  EXPECT_EQ(v.answer.finish_reason, "stop");
  EXPECT_FALSE(reader.Next(&v));
  EXPECT_FALSE(reader.broken());
}

TEST(RecordCodec, AnyCutShortBufferIsBrokenNotOverread) {
  std::string bytes;
  EncodeRequest(FullRequest(), &bytes);
  for (size_t n = 1; n < bytes.size(); ++n) {
    std::string cut = bytes.substr(0, n);
    RecordReader reader(cut);
    RecordView v;
    EXPECT_FALSE(reader.Next(&v)) << n;
    EXPECT_TRUE(reader.broken()) << n;
  }
}

TEST(RecordCodec, AnUnknownTagIsBroken) {
  std::string bytes(1, '\x7f');
  EncodeTransition(Transition(), &bytes);
  RecordReader reader(bytes);
  RecordView v;
  EXPECT_FALSE(reader.Next(&v));
  EXPECT_TRUE(reader.broken());
}

}  // namespace
}  // namespace switchyard
