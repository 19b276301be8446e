// The Bedrock provider (Converse): what it sends for each part of the chat, how the call is
// to be signed, and what it makes of the recorded answers and errors
// (tests/providers/testdata/bedrock).
#include <gtest/gtest.h>
#include <simdjson.h>

#include "providers/provider.h"
#include "providers/testdata_util.h"
#include "wire/bedrock_converse.h"

namespace switchyard {
namespace {

std::unique_ptr<Provider> Bedrock(std::string token = "") {
  ProviderEndpoint ep{"https://bedrock-runtime.us-east-1.amazonaws.com", ""};
  ep.region = "us-east-1";
  ep.aws_access_key_id = "AKIDEXAMPLE";
  ep.aws_secret_access_key = "secret";
  ep.aws_session_token = std::move(token);
  return MakeBedrockProvider(std::move(ep));
}

std::string Json(simdjson::dom::element e) { return simdjson::minify(e); }

TEST(Bedrock, UrlSigningAndSessionToken) {
  CompleteRequest req;
  req.messages = {{"user", "Hello"}};
  HttpCallSpec call =
      Bedrock()->Build("anthropic.claude-3-5-haiku-20241022-v1:0", req, req.messages, 100);
  // As AWS's SDKs send it (the recordings' URIs): the id's colon percent-encoded.
  EXPECT_EQ(call.url,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
            "anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
  ASSERT_NE(call.aws, nullptr);
  EXPECT_EQ(call.aws->provider, "aws:amz:us-east-1:bedrock");
  EXPECT_EQ(call.aws->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(call.aws->secret_access_key, "secret");
  for (const std::string& h : *call.headers) EXPECT_EQ(h.find("secret"), std::string::npos) << h;
  req.stream = true;
  call = Bedrock("FQoGZXIvYXdzEXAMPLE")->Build("amazon.nova-micro-v1:0", req, req.messages, 100);
  EXPECT_EQ(call.url,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-micro-v1%3A0/"
            "converse-stream");
  EXPECT_TRUE(HasHeader(call, "x-amz-security-token: FQoGZXIvYXdzEXAMPLE"));
}

TEST(Bedrock, ABedrockApiKeyIsABearerAndNothingIsSigned) {
  ProviderEndpoint ep{"https://bedrock-runtime.us-east-1.amazonaws.com", "ABSKbedrockkey"};
  ep.region = "us-east-1";
  CompleteRequest req;
  req.messages = {{"user", "Hello"}};
  HttpCallSpec call =
      MakeBedrockProvider(ep)->Build("amazon.nova-micro-v1:0", req, req.messages, 10);
  EXPECT_EQ(call.aws, nullptr);
  EXPECT_TRUE(HasHeader(call, "Authorization: Bearer ABSKbedrockkey"));
}

TEST(Bedrock, MessagesSystemToolsAndResults) {
  CompleteRequest req;
  Message calls("assistant", "Let me look.");
  calls.tool_calls = {{"call_abc", "get_capital", R"({"country":"France"})"}};
  Message result("tool", "Paris");
  result.tool_call_id = "call_abc";
  Message failed("tool", "timeout");
  failed.tool_call_id = "functions.lookup:1";
  failed.is_error = true;
  req.messages = {{"system", "You are a helpful chatbot."},
                  {"user", "Capital of France?"},
                  calls,
                  result,
                  failed};
  req.tools = {{"get_capital", "Get the capital of a country.",
                R"({"type":"object","properties":{"country":{"type":"string"}}})"}};
  req.tool_choice = {"required", ""};
  req.temperature = 0.5;
  req.stop = {"END"};
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Bedrock()->Build("m", req, req.messages, 200).body);
  EXPECT_EQ(Json(b["system"]), R"([{"text":"You are a helpful chatbot."}])");
  simdjson::dom::array msgs = b["messages"];
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(
      Json(msgs.at(1)),
      R"({"role":"assistant","content":[{"text":"Let me look."},{"toolUse":{"toolUseId":"call_abc",)"
      R"("name":"get_capital","input":{"country":"France"}}}]})");
  std::string results = Json(msgs.at(2));
  EXPECT_NE(results.find(R"({"toolResult":{"toolUseId":"call_abc","content":[{"text":"Paris"}]}})"),
            std::string::npos)
      << results;
  // An id Bedrock would refuse is mapped as Anthropic's are, and a failure says so.
  EXPECT_NE(results.find(R"("status":"error")"), std::string::npos) << results;
  EXPECT_EQ(results.find("functions.lookup:1"), std::string::npos) << results;
  EXPECT_EQ(Json(b["inferenceConfig"]),
            R"({"maxTokens":200,"temperature":0.5,"stopSequences":["END"]})");
  EXPECT_EQ(
      Json(b["toolConfig"]),
      R"({"tools":[{"toolSpec":{"name":"get_capital","description":"Get the capital of a country.",)"
      R"("inputSchema":{"json":{"type":"object","properties":{"country":{"type":"string"}}}}}}],)"
      R"("toolChoice":{"any":{}}})");
}

TEST(Bedrock, ToolChoiceNoneDeclaresOnlyWhatTheHistoryNeeds) {
  CompleteRequest req;
  req.messages = {{"user", "Hi"}};
  req.tools = {{"get_capital", "", ""}};
  req.tool_choice = {"none", ""};
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Bedrock()->Build("m", req, req.messages, 10).body);
  EXPECT_TRUE(b["toolConfig"].error() == simdjson::NO_SUCH_FIELD);
  Message calls("assistant", "");
  calls.tool_calls = {{"t1", "old_tool", "{}"}};
  Message result("tool", "done");
  result.tool_call_id = "t1";
  req.messages = {{"user", "Hi"}, calls, result};
  simdjson::dom::parser p2;
  b = p2.parse(Bedrock()->Build("m", req, req.messages, 10).body);
  EXPECT_EQ(
      Json(b["toolConfig"]),
      R"({"tools":[{"toolSpec":{"name":"old_tool","inputSchema":{"json":{"type":"object"}}}}]})");
}

TEST(Bedrock, ImagesAsBytesAndUrlsRefused) {
  CompleteRequest req;
  Message m("user", "");
  ContentPart img;
  img.kind = ContentPart::Kind::kImage;
  img.image_url = "data:image/jpeg;base64,/9j/4AAQ";
  m.parts = {img};
  req.messages = {m};
  EXPECT_EQ(Bedrock()->CannotCarry(req), "");
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Bedrock()->Build("m", req, req.messages, 10).body);
  EXPECT_EQ(Json(b["messages"].at(0)["content"].at(0)),
            R"({"image":{"format":"jpeg","source":{"bytes":"/9j/4AAQ"}}})");
  req.messages[0].parts[0].image_url = "https://example.com/cat.png";
  EXPECT_NE(Bedrock()->CannotCarry(req), "");
}

TEST(Bedrock, JsonSchemaIsAForcedToolUnwrappedBack) {
  CompleteRequest req;
  req.messages = {{"user", "Temperature in London?"}};
  req.json_schema = {
      "final_result",
      R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})", true};
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Bedrock()->Build("m", req, req.messages, 10).body);
  EXPECT_EQ(Json(b["toolConfig"]["toolChoice"]), R"({"tool":{"name":"final_result"}})");
  // The recorded answer calls final_result, then says a sentence around it.
  ParsedResponse r =
      ParseReply(*Bedrock(), 200, ReadTestdata("bedrock/converse_tool_then_text.json"), req);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  EXPECT_TRUE(r.answer.tool_calls.empty());
  EXPECT_EQ(r.answer.content, R"({"city":"London","date":"2022-01-01","temperature":"30°C"})");
  EXPECT_EQ(r.answer.finish_reason, "stop");
}

TEST(Bedrock, ParsesRecordedToolUse) {
  ParsedResponse r = ParseFixture(*Bedrock(), 200, "bedrock/converse_tool_use.json");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  ASSERT_EQ(r.answer.tool_calls.size(), 1u);
  EXPECT_EQ(r.answer.tool_calls[0].id, "tooluse_2IgdxwmNQ9quvRlyqF3PzQ");
  EXPECT_EQ(r.answer.tool_calls[0].name, "temperature");
  EXPECT_EQ(r.answer.tool_calls[0].arguments, R"({"city":"London","date":"2022-01-01"})");
  EXPECT_EQ(r.answer.finish_reason, "tool_calls");
  EXPECT_EQ(r.answer.usage.input_tokens, 571);
  EXPECT_EQ(r.answer.usage.output_tokens, 22);
}

ParsedResponse Error(int64_t status, std::string type, std::string body) {
  return ParseReply(*Bedrock(), status, std::move(body), {}, std::move(type));
}

TEST(Bedrock, ErrorsByTheirType) {
  const std::string coral = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
  // The recorded throttling body names its type itself; the header says it too.
  EXPECT_EQ(Error(429, "", ReadTestdata("bedrock/error_429_throttling.json")).outcome,
            Outcome::kRateLimited);
  ParsedResponse t = Error(429, "ThrottlingException" + coral, R"({"message":"Rate exceeded"})");
  EXPECT_EQ(t.outcome, Outcome::kRateLimited);
  EXPECT_EQ(t.reason, "http 429 ThrottlingException: Rate exceeded");
  // Not ready comes as a 429 but is the model's state, not a rate: a server error.
  EXPECT_EQ(Error(429, "ModelNotReadyException", R"({"message":"Model is not ready"})").outcome,
            Outcome::kServerError);
  EXPECT_EQ(
      Error(400, "ValidationException", R"({"message":"Input is too long for requested model."})")
          .outcome,
      Outcome::kContextOverflow);
  EXPECT_EQ(Error(400, "ValidationException", R"({"Message":"Malformed input request"})").reason,
            "http 400 ValidationException: Malformed input request");
  EXPECT_EQ(Error(503, "ServiceUnavailableException", "{}").outcome, Outcome::kServerError);
  EXPECT_EQ(Error(404, "ResourceNotFoundException", "{}").outcome, Outcome::kBadResponse);
  EXPECT_EQ(Error(403, "UnrecognizedClientException", "{}").outcome, Outcome::kClientError);
}

}  // namespace
}  // namespace switchyard
