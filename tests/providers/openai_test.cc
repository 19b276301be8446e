#include <gtest/gtest.h>
#include <simdjson.h>

#include "providers/provider.h"
#include "providers/testdata_util.h"

namespace switchyard {
namespace {

std::unique_ptr<Provider> OpenAI() {
  return MakeOpenAIProvider({"https://api.openai.com/v1", "sk-test-0123456789abcdef"});
}

TEST(OpenAI, BuildsTheDocumentedRequest) {
  CompleteRequest req;
  req.messages = {{"system", "You are a helpful assistant."}, {"user", "Hello!"}};
  req.temperature = 0.2;
  HttpCallSpec call = OpenAI()->Build("gpt-4o", req, req.messages, 256);
  EXPECT_EQ(call.url, "https://api.openai.com/v1/chat/completions");
  EXPECT_NE(std::find(call.headers->begin(), call.headers->end(),
                      "Authorization: Bearer sk-test-0123456789abcdef"),
            call.headers->end());
  EXPECT_NE(std::find(call.headers->begin(), call.headers->end(), "Content-Type: application/json"),
            call.headers->end());
  // Same document as the reconstructed fixture, field by field.
  simdjson::dom::parser p1, p2;
  simdjson::dom::element built = p1.parse(call.body);
  simdjson::dom::element want = p2.parse(ReadTestdata("openai/chat_completion_request.json"));
  EXPECT_EQ(std::string_view(built["model"]), std::string_view(want["model"]));
  EXPECT_EQ(int64_t(built["max_completion_tokens"]), int64_t(want["max_completion_tokens"]));
  EXPECT_DOUBLE_EQ(double(built["temperature"]), double(want["temperature"]));
  simdjson::dom::array bm = built["messages"], wm = want["messages"];
  ASSERT_EQ(bm.size(), wm.size());
  for (size_t i = 0; i < bm.size(); ++i) {
    EXPECT_EQ(std::string_view(bm.at(i)["role"]), std::string_view(wm.at(i)["role"]));
    EXPECT_EQ(std::string_view(bm.at(i)["content"]), std::string_view(wm.at(i)["content"]));
  }
}

TEST(OpenAI, BuildsTheDocumentedStreamingRequest) {
  CompleteRequest req;
  req.messages = {{"system", "You are a helpful assistant."}, {"user", "Hello!"}};
  req.temperature = 0.2;
  req.stream = true;
  HttpCallSpec call = OpenAI()->Build("gpt-4o", req, req.messages, 256);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element built = p1.parse(call.body);
  simdjson::dom::element want =
      p2.parse(ReadTestdata("openai/chat_completion_request_stream.json"));
  EXPECT_EQ(bool(built["stream"]), bool(want["stream"]));
  EXPECT_EQ(bool(built["stream_options"]["include_usage"]),
            bool(want["stream_options"]["include_usage"]));
  EXPECT_EQ(int64_t(built["max_completion_tokens"]), int64_t(want["max_completion_tokens"]));
  EXPECT_EQ(simdjson::dom::array(built["messages"]).size(),
            simdjson::dom::array(want["messages"]).size());
}

TEST(OpenAI, SendsTheGivenMessagesAndJsonMode) {
  CompleteRequest req;
  req.messages = {{"user", "the original, too long"}};
  req.json = true;
  std::vector<Message> fitted = {{"user", "the shortened prompt"}};
  HttpCallSpec call = OpenAI()->Build("gpt-4o", req, fitted, 64);
  simdjson::dom::parser p;
  simdjson::dom::element built = p.parse(call.body);
  EXPECT_EQ(std::string_view(built["messages"].at(0)["content"]), "the shortened prompt");
  EXPECT_EQ(std::string_view(built["response_format"]["type"]), "json_object");
  EXPECT_TRUE(built["stream"].error() == simdjson::NO_SUCH_FIELD);
}

TEST(OpenAI, RecordedRequestWithContentPartsMapsToPlainMessages) {
  // A real request whose contents are arrays of text parts: the protocol's messages carry the
  // same turns as strings, and the built body keeps every role and text in order.
  simdjson::dom::parser p;
  simdjson::dom::element rec =
      p.parse(ReadTestdata("openai/chat_completion_request_recorded.json"));
  CompleteRequest req;
  for (simdjson::dom::element m : simdjson::dom::array(rec["messages"])) {
    std::string text;
    for (simdjson::dom::element part : simdjson::dom::array(m["content"])) {
      text += std::string_view(part["text"]);
    }
    req.messages.push_back({std::string(std::string_view(m["role"])), text});
  }
  ASSERT_EQ(req.messages.size(), 4u);
  HttpCallSpec call = OpenAI()->Build("gpt-4o", req, req.messages, int64_t(rec["max_tokens"]));
  simdjson::dom::parser p2;
  simdjson::dom::element built = p2.parse(call.body);
  simdjson::dom::array msgs = built["messages"];
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(std::string_view(msgs.at(3)["content"]), "what is Coca Cola");
  EXPECT_EQ(std::string_view(msgs.at(2)["role"]), "assistant");
}

TEST(OpenAI, ParsesDocumentedResponse) {
  ParsedResponse r = ParseFixture(*OpenAI(), 200, "openai/chat_completion.json");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  EXPECT_EQ(r.answer.content, "Hello! How can I assist you today?");
  EXPECT_EQ(r.answer.finish_reason, "stop");
  EXPECT_EQ(r.answer.usage.input_tokens, 19);
  EXPECT_EQ(r.answer.usage.output_tokens, 10);
}

TEST(OpenAI, ParsesRecordedResponseWithAbsentFields) {
  ParsedResponse r = ParseFixture(*OpenAI(), 200, "openai/chat_completion_recorded.json");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  EXPECT_EQ(r.answer.content.rfind("I'm unable to provide real-time weather updates.", 0), 0u);
  EXPECT_EQ(r.answer.usage.input_tokens, 14);
  EXPECT_EQ(r.answer.usage.output_tokens, 37);
}

TEST(OpenAI, LengthFinishIsReported) {
  ParsedResponse r = ParseFixture(*OpenAI(), 200, "openai/chat_completion_length.json");
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.answer.content, "{\"");
  EXPECT_EQ(r.answer.finish_reason, "length");
}

TEST(OpenAI, ContextLengthErrorIsAFallbackNotAClientError) {
  ParsedResponse r = ParseFixture(*OpenAI(), 400, "openai/error_400_context_length.json");
  EXPECT_EQ(r.outcome, Outcome::kContextOverflow);
  EXPECT_NE(r.reason.find("maximum context length is 4097 tokens"), std::string::npos) << r.reason;
}

TEST(OpenAI, OpenAICompatibleServersContextErrors) {
  for (const char* f : {"openai-compatible/vllm_error_context_length.json",
                        "openai-compatible/vllm_error_context_length_legacy.json",
                        "openai-compatible/llamacpp_error_context_length.json"}) {
    ParsedResponse r = ParseFixture(*OpenAI(), 400, f);
    EXPECT_EQ(r.outcome, Outcome::kContextOverflow) << f << ": " << r.reason;
  }
}

TEST(OpenAI, WrongKeyIsAClientError) {
  // The echoed key in this body is redacted before a provider sees it
  // (tests/http/redacting_http_client_test.cc reads the same fixture).
  ParsedResponse r = ParseFixture(*OpenAI(), 401, "openai/error_401.json");
  EXPECT_EQ(r.outcome, Outcome::kClientError);
  EXPECT_NE(r.reason.find("(invalid_api_key)"), std::string::npos) << r.reason;
}

TEST(OpenAI, RateLimitsAndQuotaAreRateLimited) {
  ParsedResponse r = ParseFixture(*OpenAI(), 429, "openai/error_429.json", "27");
  EXPECT_EQ(r.outcome, Outcome::kRateLimited);
  EXPECT_EQ(r.retry_after_ms, 27000);
  EXPECT_NE(r.reason.find("(rate_limit_exceeded)"), std::string::npos) << r.reason;
  r = ParseFixture(*OpenAI(), 429, "openai/error_429_insufficient_quota.json");
  EXPECT_EQ(r.outcome, Outcome::kRateLimited);
  EXPECT_EQ(r.retry_after_ms, -1);
  EXPECT_NE(r.reason.find("insufficient_quota"), std::string::npos);
}

TEST(OpenAI, ServerErrorFallsBack) {
  ParsedResponse r = ParseFixture(*OpenAI(), 500, "openai/error_500.json");
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_TRUE(IsFallback(r.outcome));
}

TEST(OpenAI, GarbageAndMisshapenAnswersAreBadResponses) {
  auto parse = [](std::string body) {
    HttpReply reply;
    reply.status = 200;
    reply.body = body;
    return OpenAI()->Parse(reply, {});
  };
  EXPECT_EQ(parse("<html>502</html>").outcome, Outcome::kBadResponse);
  EXPECT_EQ(parse(R"({"choices":[]})").outcome, Outcome::kBadResponse);
  EXPECT_EQ(parse(R"({"choices":[{"message":{"content":7}}]})").outcome, Outcome::kBadResponse);
  EXPECT_EQ(parse(R"({"choices":[{"message":{"content":"ok"}}]})").outcome, Outcome::kOk);
}

}  // namespace
}  // namespace switchyard
