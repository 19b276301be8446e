// A request's schemas, compiled and cached, and what they say of tool calls and answers.
#include "answer/answer_schemas.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

CompleteRequest WithTools() {
  CompleteRequest r;
  r.tools = {
      {"get_weather", "",
       R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})", true},
      {"ping", "", "", false}};
  return r;
}

TEST(AnswerSchemas, NothingToCheckIsNull) {
  std::shared_ptr<const AnswerSchemas> s;
  ASSERT_TRUE(AnswerSchemas::For(CompleteRequest{}, &s).ok());
  EXPECT_EQ(s, nullptr);
}

TEST(AnswerSchemas, OneSetIsCompiledOnce) {
  std::shared_ptr<const AnswerSchemas> a, b, c;
  ASSERT_TRUE(AnswerSchemas::For(WithTools(), &a).ok());
  ASSERT_TRUE(AnswerSchemas::For(WithTools(), &b).ok());
  EXPECT_EQ(a.get(), b.get());
  CompleteRequest other = WithTools();
  other.tools[1].parameters = R"({"type":"object"})";
  ASSERT_TRUE(AnswerSchemas::For(other, &c).ok());
  EXPECT_NE(a.get(), c.get());
}

TEST(AnswerSchemas, ToolCallsAreCheckedAgainstTheirTools) {
  std::shared_ptr<const AnswerSchemas> s;
  ASSERT_TRUE(AnswerSchemas::For(WithTools(), &s).ok());
  EXPECT_EQ(
      s->CheckToolCalls({{"c", "get_weather", R"({"city":"Paris"})"}, {"d", "ping", ""}}).problem,
      AnswerProblem::kNone);
  AnswerVerdict v = s->CheckToolCalls({{"c", "get_weather", R"({"city": )"}});
  EXPECT_EQ(v.problem, AnswerProblem::kInvalidToolCall);
  EXPECT_EQ(v.reason, "tool call 0 (get_weather): arguments are not a JSON object");
  v = s->CheckToolCalls({{"c", "ping", ""}, {"d", "get_weather", R"({"town":"Paris"})"}});
  EXPECT_EQ(v.reason,
            "tool call 1 (get_weather): arguments off the tool's schema at /: fails 'required'");
  v = s->CheckToolCalls({{"c", "launch", "{}"}});
  EXPECT_EQ(v.reason, "tool call 0 (launch): names a tool the request did not offer");
  v = s->CheckToolCalls({{"c", "ping", "[1]"}});
  EXPECT_EQ(v.reason, "tool call 0 (ping): arguments are not a JSON object");
}

TEST(AnswerSchemas, AnswersAreCheckedAgainstTheJsonSchema) {
  CompleteRequest r;
  r.json_schema.schema =
      R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})";
  std::shared_ptr<const AnswerSchemas> s;
  ASSERT_TRUE(AnswerSchemas::For(r, &s).ok());
  EXPECT_EQ(s->CheckAnswer(R"({"n":1})").problem, AnswerProblem::kNone);
  AnswerVerdict v = s->CheckAnswer(R"({"n":"one"})");
  EXPECT_EQ(v.problem, AnswerProblem::kSchemaMismatch);
  EXPECT_EQ(v.reason, "answer off the json_schema at /n: fails 'type'");
}

TEST(AnswerSchemas, BadSchemasAndHistoryArgumentsNameTheField) {
  std::shared_ptr<const AnswerSchemas> s;
  CompleteRequest r = WithTools();
  r.tools[0].parameters = "{not json";
  EXPECT_EQ(AnswerSchemas::For(r, &s).message().substr(0, 47),
            "tools[0].parameters: the schema is not valid JS");
  CompleteRequest j;
  j.json_schema.schema = "[]";
  EXPECT_EQ(AnswerSchemas::For(j, &s).message(),
            "json_schema.schema: the schema is not a JSON object");
  CompleteRequest h;
  h.messages = {{"user", "x"}, {"assistant", ""}};
  h.messages[1].tool_calls = {{"c", "f", R"("a string")"}};
  EXPECT_TRUE(AnswerSchemas::For(h, &s).ok());  // no schemas: nothing to compile
  EXPECT_EQ(CheckToolArguments(h).message(),
            "messages[1].tool_calls[0].arguments: expected a JSON object as text");
}

}  // namespace
}  // namespace switchyard
