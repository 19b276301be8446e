#include <gtest/gtest.h>
#include <simdjson.h>

#include "providers/provider.h"
#include "providers/testdata_util.h"

namespace switchyard {
namespace {

std::unique_ptr<Provider> Anthropic() {
  return MakeAnthropicProvider({"https://api.anthropic.com/v1", "sk-ant-test-key"});
}

TEST(Anthropic, StreamingRequestSaysSo) {
  CompleteRequest req;
  req.messages = {{"system", "Be brief."}, {"user", "Hello"}};
  req.stream = true;
  req.json = true;  // no JSON mode at Anthropic: checked on the way back instead
  HttpCallSpec call = Anthropic()->Build("claude-sonnet-4-5-20250929", req, req.messages, 100);
  simdjson::dom::parser p;
  simdjson::dom::element built = p.parse(call.body);
  EXPECT_TRUE(bool(built["stream"]));
  EXPECT_EQ(std::string_view(built["system"]), "Be brief.");
  EXPECT_TRUE(built["response_format"].error() == simdjson::NO_SUCH_FIELD);
}

TEST(Anthropic, BuildsTheDocumentedRequestWithTopLevelSystem) {
  simdjson::dom::parser p1, p2;
  simdjson::dom::element want = p1.parse(ReadTestdata("anthropic/messages_request.json"));
  CompleteRequest req;
  req.messages = {{"system", std::string(std::string_view(want["system"]))},
                  {"user", std::string(std::string_view(want["messages"].at(0)["content"]))}};
  HttpCallSpec call = Anthropic()->Build("claude-sonnet-4-5-20250929", req, req.messages, 2048);
  EXPECT_EQ(call.url, "https://api.anthropic.com/v1/messages");
  EXPECT_TRUE(HasHeader(call, "x-api-key: sk-ant-test-key"));
  EXPECT_TRUE(HasHeader(call, "anthropic-version: 2023-06-01"));
  EXPECT_TRUE(HasHeader(call, "content-type: application/json"));
  simdjson::dom::element built = p2.parse(call.body);
  EXPECT_EQ(std::string_view(built["model"]), std::string_view(want["model"]));
  EXPECT_EQ(int64_t(built["max_tokens"]), int64_t(want["max_tokens"]));
  EXPECT_EQ(std::string_view(built["system"]), std::string_view(want["system"]));
  simdjson::dom::array msgs = built["messages"];
  ASSERT_EQ(msgs.size(), 1u);  // no "system" role inside messages
  EXPECT_EQ(std::string_view(msgs.at(0)["role"]), "user");
  EXPECT_EQ(std::string_view(msgs.at(0)["content"]),
            std::string_view(want["messages"].at(0)["content"]));
  EXPECT_TRUE(built["temperature"].error() == simdjson::NO_SUCH_FIELD);
}

TEST(Anthropic, ParsesRecordedMessage) {
  ParsedResponse r = ParseFixture(*Anthropic(), 200, "anthropic/message.json");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  EXPECT_EQ(r.answer.content, R"({"product_name": "Green Tea", "price": 5.50, "quantity": 2})");
  EXPECT_EQ(r.answer.finish_reason, "stop");
  EXPECT_EQ(r.answer.usage.input_tokens, 249);
  EXPECT_EQ(r.answer.usage.output_tokens, 26);
}

TEST(Anthropic, MaxTokensStopIsLength) {
  ParsedResponse r = ParseFixture(*Anthropic(), 200, "anthropic/message_max_tokens.json");
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.answer.content, "C");
  EXPECT_EQ(r.answer.finish_reason, "length");
}

TEST(Anthropic, BothContextOverflowWordings) {
  for (const char* f : {"anthropic/error_400_prompt_too_long.json",
                        "anthropic/error_400_context_limit_max_tokens.json"}) {
    ParsedResponse r = ParseFixture(*Anthropic(), 400, f);
    EXPECT_EQ(r.outcome, Outcome::kContextOverflow) << f << ": " << r.reason;
  }
}

TEST(Anthropic, AuthErrorIsAClientError) {
  ParsedResponse r = ParseFixture(*Anthropic(), 401, "anthropic/error_401.json");
  EXPECT_EQ(r.outcome, Outcome::kClientError);
  EXPECT_EQ(r.reason, "http 401 authentication_error: invalid x-api-key");
}

TEST(Anthropic, RateLimitWithoutRetryAfterHeader) {
  ParsedResponse r = ParseFixture(*Anthropic(), 429, "anthropic/error_429.json");
  EXPECT_EQ(r.outcome, Outcome::kRateLimited);
  EXPECT_EQ(r.retry_after_ms, -1);
  EXPECT_LE(r.reason.size(), 403u);  // long provider messages are bounded
}

TEST(Anthropic, OverloadedIsAServerError) {
  ParsedResponse r = ParseFixture(*Anthropic(), 529, "anthropic/error_529_overloaded.json");
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.reason, "http 529 overloaded_error: Overloaded");
}

TEST(Anthropic, NonMessageAnswersAreBadResponses) {
  HttpReply reply;
  reply.status = 200;
  reply.body = R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})";
  EXPECT_EQ(Anthropic()->Parse(reply, {}).outcome, Outcome::kBadResponse);
  reply.body = "";
  EXPECT_EQ(Anthropic()->Parse(reply, {}).outcome, Outcome::kBadResponse);
}

}  // namespace
}  // namespace switchyard
