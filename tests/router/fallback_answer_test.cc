#include "router/fallback_answer.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

RouteConfig Route(bool keep) {
  RouteConfig r;
  r.name = "chat";
  r.tiers = {"gpt-4o", "gpt-4o-mini"};
  r.keep_fallback_answers = keep;
  return r;
}

AttemptReport Tried(const std::string& model, const std::string& outcome,
                    const std::string& reason) {
  AttemptReport a;
  a.model = model;
  a.outcome = outcome;
  a.reason = reason;
  return a;
}

CompleteResult Served(const std::string& model) {
  CompleteResult r;
  r.request_id = 7;
  r.model = model;
  r.content = "the answer";
  r.finish_reason = "stop";
  return r;
}

TEST(FallbackAnswer, KeptOnlyForOptedInRoutesWhenALowerTierServed) {
  std::vector<Message> sent = {{"system", "be brief"}, {"user", "say \"hi\"\n"}};
  CompleteResult lower = Served("gpt-4o-mini");
  lower.attempts.push_back(Tried("gpt-4o", "timeout", "no answer within 986 ms"));
  lower.attempts.push_back(Tried("gpt-4o-mini", "ok", ""));
  lower.truncated = true;
  FallbackAnswerRecord a;
  ASSERT_TRUE(KeepFallbackAnswer(Route(true), "summarise", sent, lower, 1000, &a));
  EXPECT_EQ(a.request_id, 7);
  EXPECT_EQ(a.ts_ms, 1000);
  EXPECT_EQ(a.route, "chat");
  EXPECT_EQ(a.task, "summarise");
  EXPECT_EQ(a.served_by, "gpt-4o-mini");
  EXPECT_EQ(a.first_tier, "gpt-4o");
  EXPECT_EQ(a.reason, "timeout: no answer within 986 ms");
  EXPECT_EQ(a.messages_json,
            R"([{"role":"system","content":"be brief"},{"role":"user","content":"say \"hi\"\n"}])");
  EXPECT_TRUE(a.truncated);
  EXPECT_EQ(a.content, "the answer");
  EXPECT_EQ(a.finish_reason, "stop");

  EXPECT_FALSE(KeepFallbackAnswer(Route(false), "summarise", sent, lower, 1000, &a));
  EXPECT_FALSE(KeepFallbackAnswer(Route(true), "summarise", sent, Served("gpt-4o"), 1000, &a));
}

TEST(FallbackAnswer, ToolTurnsPartsAndCallsAreKeptAsJson) {
  std::vector<Message> sent = {{"user", ""}, {"assistant", ""}, {"tool", "18C"}};
  sent[0].parts = {{ContentPart::Kind::kText, "what is it?", "", ""},
                   {ContentPart::Kind::kImage, "", "https://x/cat.png", "low"}};
  sent[1].tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"}};
  sent[2].tool_call_id = "call_1";
  sent[2].is_error = true;
  CompleteResult lower = Served("gpt-4o-mini");
  lower.tool_calls = {{"call_2", "get_time", R"({"tz":"UTC"})"}};
  FallbackAnswerRecord a;
  ASSERT_TRUE(KeepFallbackAnswer(Route(true), "agent", sent, lower, 1000, &a));
  EXPECT_EQ(a.messages_json,
            R"([{"role":"user","content":"","parts":[{"type":"text","text":"what is it?"},)"
            R"({"type":"image_url","image_url":"https://x/cat.png","detail":"low"}]},)"
            R"({"role":"assistant","content":"","tool_calls":[{"id":"call_1","name":"get_weather",)"
            R"("arguments":"{\"city\":\"Paris\"}"}]},)"
            R"({"role":"tool","content":"18C","tool_call_id":"call_1","is_error":true}])");
  EXPECT_EQ(a.tool_calls_json,
            R"([{"id":"call_2","name":"get_time","arguments":"{\"tz\":\"UTC\"}"}])");
  ASSERT_TRUE(KeepFallbackAnswer(Route(true), "agent", sent, Served("gpt-4o-mini"), 1000, &a));
  EXPECT_EQ(a.tool_calls_json, "");  // NULL in the table
}

TEST(FallbackAnswer, ReasonSaysWhyTheFirstTierDidNotServe) {
  FallbackAnswerRecord a;
  CompleteResult skipped = Served("gpt-4o-mini");
  skipped.attempts.push_back(Tried("gpt-4o", "breaker_open", "breaker open"));
  ASSERT_TRUE(KeepFallbackAnswer(Route(true), "t", {}, skipped, 0, &a));
  EXPECT_EQ(a.reason, "breaker_open: breaker open");
  EXPECT_EQ(a.messages_json, "[]");
  // No attempt on the first tier at all: the route was over its budget and started lower.
  ASSERT_TRUE(KeepFallbackAnswer(Route(true), "t", {}, Served("gpt-4o-mini"), 0, &a));
  EXPECT_EQ(a.reason, "over_budget: the route started below gpt-4o");
}

}  // namespace
}  // namespace switchyard
