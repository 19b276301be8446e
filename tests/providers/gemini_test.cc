// The Gemini provider: what it sends for each part of the chat, and what it makes of the
// recorded answers and errors (tests/providers/testdata/gemini).
#include <gtest/gtest.h>
#include <simdjson.h>

#include "providers/provider.h"
#include "providers/testdata_util.h"
#include "wire/gemini_chat.h"

namespace switchyard {
namespace {

std::unique_ptr<Provider> Gemini() {
  return MakeGeminiProvider({"https://generativelanguage.googleapis.com/v1beta", "AIza-test"});
}

std::string Json(simdjson::dom::element e) { return simdjson::minify(e); }

TEST(Gemini, UrlAndKeyHeaderForEachCall) {
  CompleteRequest req;
  req.messages = {{"user", "Hello"}};
  HttpCallSpec call = Gemini()->Build("gemini-2.5-flash", req, req.messages, 100);
  EXPECT_EQ(
      call.url,
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_TRUE(HasHeader(call, "x-goog-api-key: AIza-test"));
  EXPECT_EQ(call.aws, nullptr);
  req.stream = true;
  call = Gemini()->Build("models/gemini-2.5-flash", req, req.messages, 100);
  EXPECT_EQ(call.url,
            "https://generativelanguage.googleapis.com/v1beta/models/"
            "gemini-2.5-flash:streamGenerateContent?alt=sse");
}

TEST(Gemini, TurnsSystemAndParameters) {
  CompleteRequest req;
  req.messages = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}, {"user", "Go"}};
  req.temperature = 0.25;
  req.top_p = 0.5;
  req.top_k = 40;
  req.stop = {"END"};
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Gemini()->Build("g", req, req.messages, 300).body);
  EXPECT_EQ(Json(b["systemInstruction"]), R"({"parts":[{"text":"Be brief."}]})");
  EXPECT_EQ(
      Json(b["contents"]),
      R"([{"role":"user","parts":[{"text":"Hi"}]},{"role":"model","parts":[{"text":"Hello!"}]},)"
      R"({"role":"user","parts":[{"text":"Go"}]}])");
  EXPECT_EQ(
      Json(b["generationConfig"]),
      R"({"maxOutputTokens":300,"temperature":0.25,"topP":0.5,"topK":40,"stopSequences":["END"]})");
}

TEST(Gemini, CallsAndResultsAreFunctionPartsUnderTheCallsName) {
  CompleteRequest req;
  Message ask("user", "Weather in Paris and Rome?");
  Message calls("assistant", "");
  calls.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"},
                      {"call_2", "get_weather", R"({"city":"Rome"})"}};
  Message r1("tool", "18C");
  r1.tool_call_id = "call_1";
  Message r2("tool", "no such city");
  r2.tool_call_id = "call_2";
  r2.is_error = true;
  req.messages = {ask, calls, r1, r2};
  req.tools = {{"get_weather", "Weather now",
                R"({"type":"object","properties":{"city":{"type":["string","null"]}},)"
                R"("required":["city"],"additionalProperties":false,"$schema":"x"})"}};
  req.tool_choice = {"function", "get_weather"};
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Gemini()->Build("g", req, req.messages, 300).body);
  simdjson::dom::array contents = b["contents"];
  ASSERT_EQ(contents.size(), 3u);  // the two results go as one user turn
  EXPECT_EQ(
      Json(contents.at(1)),
      R"({"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"},)"
      R"("id":"call_1"},"thoughtSignature":"skip_thought_signature_validator"},)"
      R"({"functionCall":{"name":"get_weather","args":{"city":"Rome"},"id":"call_2"}}]})");
  EXPECT_EQ(
      Json(contents.at(2)),
      R"({"role":"user","parts":[{"functionResponse":{"name":"get_weather","id":"call_1",)"
      R"("response":{"output":"18C"}}},{"functionResponse":{"name":"get_weather","id":"call_2",)"
      R"("response":{"error":"no such city"}}}]})");
  // The schema in Gemini's subset: nullable for the null type, no additionalProperties.
  EXPECT_EQ(
      Json(b["tools"]),
      R"([{"functionDeclarations":[{"name":"get_weather","description":"Weather now",)"
      R"("parameters":{"type":"object","properties":{"city":{"type":"string","nullable":true}},)"
      R"("required":["city"]}}]}])");
  EXPECT_EQ(Json(b["toolConfig"]),
            R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}})");
}

TEST(Gemini, ImagesAndJsonSchema) {
  CompleteRequest req;
  Message m("user", "");
  ContentPart text;
  text.text = "What is this?";
  ContentPart img;
  img.kind = ContentPart::Kind::kImage;
  img.image_url = "data:image/png;base64,iVBORw0KGgo=";
  m.parts = {text, img};
  req.messages = {m};
  req.json_schema = {
      "answer", R"({"type":"object","properties":{"kind":{"type":"string"}},"required":["kind"]})",
      true};
  simdjson::dom::parser p;
  simdjson::dom::element b = p.parse(Gemini()->Build("g", req, req.messages, 50).body);
  EXPECT_EQ(Json(b["contents"].at(0)["parts"].at(1)),
            R"({"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}})");
  EXPECT_EQ(std::string_view(b["generationConfig"]["responseMimeType"]), "application/json");
  EXPECT_EQ(Json(b["generationConfig"]["responseSchema"]),
            R"({"type":"object","properties":{"kind":{"type":"string"}},"required":["kind"]})");
}

TEST(Gemini, ParsesRecordedFunctionCallAnswer) {
  ParsedResponse r = ParseFixture(*Gemini(), 200, "gemini/generate_content_function_call.json");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  ASSERT_EQ(r.answer.tool_calls.size(), 1u);
  EXPECT_EQ(r.answer.tool_calls[0].name, "final_result");
  EXPECT_EQ(r.answer.tool_calls[0].arguments, R"({"city":"Mexico City","country":"Mexico"})");
  // Gemini gave no id: one is made from the response's.
  EXPECT_EQ(r.answer.tool_calls[0].id, "call_uTR8aaeNL_ODz7IP3Zr4wAM_0");
  EXPECT_EQ(r.answer.finish_reason, "tool_calls");
  EXPECT_EQ(r.answer.usage.input_tokens, 39);
  EXPECT_EQ(r.answer.usage.output_tokens, 8);
}

TEST(Gemini, RecordedErrorsAreClassified) {
  ParsedResponse r = ParseFixture(*Gemini(), 429, "gemini/error_429_resource_exhausted.json");
  EXPECT_EQ(r.outcome, Outcome::kRateLimited);
  EXPECT_EQ(r.reason,
            "http 429 RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).");
  r = ParseFixture(*Gemini(), 503, "gemini/error_503_unavailable.json");
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_NE(r.reason.find("UNAVAILABLE"), std::string::npos);
}

ParsedResponse ParseBody(int64_t status, std::string body) {
  return ParseReply(*Gemini(), status, std::move(body));
}

TEST(Gemini, TokenLimitSafetyAndBlockedPrompts) {
  EXPECT_EQ(ParseBody(400, R"({"error":{"code":400,"message":"The input token count (1196266) )"
                           R"(exceeds the maximum number of tokens allowed (1048575).",)"
                           R"("status":"INVALID_ARGUMENT"}})")
                .outcome,
            Outcome::kContextOverflow);
  EXPECT_EQ(
      ParseBody(
          400,
          R"({"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}})")
          .outcome,
      Outcome::kClientError);
  ParsedResponse safety = ParseBody(
      200,
      R"({"candidates":[{"content":{"parts":[{"text":"I"}],"role":"model"},"finishReason":"SAFETY"}]})");
  ASSERT_EQ(safety.outcome, Outcome::kOk);
  EXPECT_EQ(safety.answer.finish_reason, "content_filter");  // the answer check's to judge
  ParsedResponse blocked =
      ParseBody(200, R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}})");
  EXPECT_EQ(blocked.outcome, Outcome::kContentFilter);
  EXPECT_EQ(blocked.reason, "the prompt was blocked (PROHIBITED_CONTENT)");
  EXPECT_EQ(
      ParseBody(
          200,
          R"({"candidates":[{"content":{"parts":[]},"finishReason":"MALFORMED_FUNCTION_CALL"}]})")
          .outcome,
      Outcome::kInvalidToolCall);
  EXPECT_EQ(ParseBody(200, R"([1,2])").outcome, Outcome::kBadResponse);
  EXPECT_EQ(ParseBody(200, R"({"candidates":[]})").outcome, Outcome::kBadResponse);
}

TEST(Gemini, FinishReasons) {
  EXPECT_EQ(GeminiFinishReason("STOP"), "stop");
  EXPECT_EQ(GeminiFinishReason("MAX_TOKENS"), "length");
  EXPECT_EQ(GeminiFinishReason("RECITATION"), "content_filter");
  EXPECT_EQ(GeminiFinishReason("SPII"), "content_filter");
  EXPECT_EQ(GeminiFinishReason("OTHER"), "other");
}

}  // namespace
}  // namespace switchyard
