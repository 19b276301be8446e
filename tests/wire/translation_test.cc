// A chat carried across wire formats: OpenAI requests (recorded ones among them) read at the
// door and sent to Anthropic and OpenAI providers, and the recorded answers and streams of
// both read back into the chat model.
#include <gtest/gtest.h>

#include "providers/testdata_util.h"
#include "wire/anthropic_messages.h"
#include "wire/json_util.h"
#include "wire/openai_chat.h"
#include "wire/tool_ids.h"

namespace switchyard {
namespace {

CompleteRequest FromOpenAI(const std::string& body) {
  ChatCompletionRequest chat;
  Status s = ParseChatCompletion(body, &chat);
  EXPECT_TRUE(s.ok()) << s.message();
  return chat.req;
}

std::string ToAnthropic(const CompleteRequest& req) {
  return EncodeAnthropicRequest("claude-x", req, req.messages, 256);
}
std::string ToOpenAI(const CompleteRequest& req) {
  return EncodeOpenAIRequest("gpt-x", req, req.messages, 256);
}

ParsedResponse Answer(std::string body, const CompleteRequest& req, bool anthropic) {
  static std::string kept;
  kept = std::move(body);
  HttpReply reply;
  reply.status = 200;
  reply.body = kept;
  reply.body_capacity = kept.size();
  return anthropic ? DecodeAnthropicResponse(reply, req) : DecodeOpenAIResponse(reply);
}

TEST(Translation, RecordedToolRequestReadsWhole) {
  CompleteRequest q = FromOpenAI(ReadTestdata("openai/chat_completion_request_tools.json"));
  ASSERT_EQ(q.messages.size(), 3u);
  EXPECT_EQ(q.messages[1].role, "assistant");
  EXPECT_EQ(q.messages[1].content, "");
  ASSERT_EQ(q.messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(q.messages[1].tool_calls[0].id, "call_55Y1MexM7u2PSyLKUqMvO1o0");
  EXPECT_EQ(q.messages[1].tool_calls[0].name, "get_user_country");
  EXPECT_EQ(q.messages[1].tool_calls[0].arguments, "{}");
  EXPECT_EQ(q.messages[2].role, "tool");
  EXPECT_EQ(q.messages[2].tool_call_id, "call_55Y1MexM7u2PSyLKUqMvO1o0");
  EXPECT_EQ(q.messages[2].content, "Mexico");
  ASSERT_EQ(q.tools.size(), 2u);
  EXPECT_EQ(q.tools[1].name, "final_result");
  EXPECT_TRUE(q.tools[1].strict);
  EXPECT_FALSE(q.tools[0].strict);
  EXPECT_EQ(q.tools[0].parameters,
            R"({"additionalProperties":false,"properties":{},"type":"object"})");
  EXPECT_EQ(q.tool_choice.mode, "required");

  // The same conversation, byte for byte as openai-python sent it: no content key at all on
  // the assistant turn that only calls a tool.
  CompleteRequest r =
      FromOpenAI(ReadTestdata("openai/chat_completion_request_tools_recorded.json"));
  ASSERT_GE(r.messages.size(), 3u);
  EXPECT_FALSE(r.messages[1].tool_calls.empty());
}

TEST(Translation, OpenAIRequestsGoBackOutAsTheyCame) {
  // What the door reads and the OpenAI translator writes is the request the client sent.
  for (const char* f : {"openai/chat_completion_request_tools.json",
                        "openai/chat_completion_request_json_schema.json"}) {
    std::string sent = ReadTestdata(f);
    CompleteRequest q = FromOpenAI(sent);
    std::string out = ToOpenAI(q);
    EXPECT_EQ(CanonicalJson(JsonAt(out, "/messages")), CanonicalJson(JsonAt(sent, "/messages")))
        << f;
    if (!q.tools.empty()) {
      EXPECT_EQ(JsonAt(out, "/tool_choice"), R"("required")");
      EXPECT_EQ(JsonAt(out, "/tools/1/function/strict"), "true");
      EXPECT_EQ(JsonAt(out, "/tools/1/function/parameters"),
                CanonicalJson(JsonAt(sent, "/tools/1/function/parameters")) ==
                        CanonicalJson(JsonAt(out, "/tools/1/function/parameters"))
                    ? JsonAt(out, "/tools/1/function/parameters")
                    : "differs");
    } else {
      EXPECT_EQ(CanonicalJson(JsonAt(out, "/response_format")),
                CanonicalJson(JsonAt(sent, "/response_format")));
    }
  }
}

TEST(Translation, ToolTurnsBecomeAnthropicBlocks) {
  CompleteRequest q = FromOpenAI(ReadTestdata("openai/chat_completion_request_tools.json"));
  std::string out = ToAnthropic(q);
  EXPECT_EQ(JsonAt(out, "/messages/0"),
            R"({"role":"user","content":"What is the largest city in the user country?"})");
  EXPECT_EQ(
      JsonAt(out, "/messages/1"),
      R"({"role":"assistant","content":[{"type":"tool_use","id":"call_55Y1MexM7u2PSyLKUqMvO1o0","name":"get_user_country","input":{}}]})");
  EXPECT_EQ(
      JsonAt(out, "/messages/2"),
      R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"call_55Y1MexM7u2PSyLKUqMvO1o0","content":"Mexico"}]})");
  EXPECT_EQ(JsonAt(out, "/tools/1/name"), R"("final_result")");
  EXPECT_EQ(JsonAt(out, "/tools/1/description"),
            R"("The final response which ends this conversation")");
  EXPECT_EQ(JsonAt(out, "/tools/1/input_schema/required"), R"(["city","country"])");
  EXPECT_EQ(JsonAt(out, "/tool_choice"), R"({"type":"any"})");
}

TEST(Translation, AnthropicRecordedRequestsAreWhatWeSend) {
  // The recorded Anthropic requests, said in the chat model, come out as Anthropic's SDK sent
  // them (key order aside).
  CompleteRequest q;
  q.messages = {{"user", ""}, {"assistant", ""}, {"tool", ""}};
  q.messages[0].parts = {{ContentPart::Kind::kText, "Return a country.", "", ""}};
  q.messages[1].tool_calls = {
      {"toolu_01PE9YWKZYFYapmmRJmpK1nz", "return_country", R"({"name": "France"})"}};
  q.messages[2].tool_call_id = "toolu_01PE9YWKZYFYapmmRJmpK1nz";
  q.messages[2].content =
      "1 validation error for Country\nname\n  Value error, Country must be Ireland. "
      "[type=value_error, input_value='France', input_type=str]";
  q.tools = {
      {"return_country", "",
       R"({"properties":{"name":{"title":"Name","type":"string"}},"required":["name"],"type":"object"})",
       false}};
  q.tool_choice = {"function", "return_country"};
  q.stream = true;
  std::string recorded = ReadTestdata("anthropic/messages_request_tools.json");
  // An empty description is left out rather than sent empty.
  recorded.erase(recorded.find(R"("description": "", )"), 19);
  std::string out = EncodeAnthropicRequest("claude-3-haiku-20240307", q, q.messages, 1024);
  EXPECT_EQ(CanonicalJson(out), CanonicalJson(recorded));

  // A failed call's result says so with is_error.
  CompleteRequest e;
  e.messages = {{"user", "What is the weather in SF?"}, {"assistant", ""}, {"tool", ""}};
  e.messages[1].tool_calls = {{"toolu_01A9HHF5Ezy3oBrKmSgfASm9", "get_weather",
                               R"({"location":"San Francisco, CA","units":"f"})"}};
  e.messages[2].tool_call_id = "toolu_01A9HHF5Ezy3oBrKmSgfASm9";
  e.messages[2].content = "RuntimeError('Unexpected error, try again')";
  e.messages[2].is_error = true;
  recorded = ReadTestdata("anthropic/messages_request_tool_result_error.json");
  out = ToAnthropic(e);
  EXPECT_EQ(CanonicalJson(JsonAt(out, "/messages/2")),
            CanonicalJson(JsonAt(recorded, "/messages/2")));
  // To OpenAI, which has no such flag, the failure is said in the text.
  EXPECT_EQ(JsonAt(ToOpenAI(e), "/messages/2/content"),
            R"j("Error: RuntimeError('Unexpected error, try again')")j");

  // An image sent as a data: URL is Anthropic's base64 source.
  std::string image = ReadTestdata("anthropic/messages_request_image.json");
  std::string data = JsonAt(image, "/messages/0/content/1/source/data");
  data = data.substr(1, data.size() - 2);
  CompleteRequest im;
  im.messages = {{"user", ""}};
  im.messages[0].parts = {{ContentPart::Kind::kText, "Describe this image in one word.", "", ""},
                          {ContentPart::Kind::kImage, "", "data:image/jpeg;base64," + data, ""}};
  EXPECT_EQ(CanonicalJson(JsonAt(ToAnthropic(im), "/messages")),
            CanonicalJson(JsonAt(image, "/messages")));
  // An http(s) URL is a url source; OpenAI gets the part as it came, detail and all.
  im.messages[0].parts[1] = {ContentPart::Kind::kImage, "", "https://example.com/a.png", "low"};
  EXPECT_EQ(JsonAt(ToAnthropic(im), "/messages/0/content/1/source"),
            R"({"type":"url","url":"https://example.com/a.png"})");
  EXPECT_EQ(
      JsonAt(ToOpenAI(im), "/messages/0/content/1"),
      R"({"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}})");
}

TEST(Translation, AllResultsOfATurnGoInOneUserMessageBeforeItsText) {
  CompleteRequest q;
  q.messages = {{"user", "weather and news?"},
                {"assistant", "Checking."},
                {"tool", "sunny"},
                {"tool", "quiet"},
                {"user", "thanks; and tomorrow?"}};
  q.messages[1].tool_calls = {{"functions.get_weather:0", "get_weather", R"({"city":"SF"})"},
                              {"functions.get_news:1", "get_news", "{}"}};
  q.messages[2].tool_call_id = "functions.get_weather:0";
  q.messages[3].tool_call_id = "functions.get_news:1";
  q.tools = {{"get_weather", "", "", false}, {"get_news", "", "", false}};
  q.parallel_tool_calls = false;
  std::string out = ToAnthropic(q);
  ASSERT_EQ(JsonAt(out, "/messages/3"), "<missing>");  // user, assistant, user
  std::string id0 = AnthropicToolId("functions.get_weather:0");
  std::string id1 = AnthropicToolId("functions.get_news:1");
  EXPECT_EQ(JsonAt(out, "/messages/1/content/1/id"), "\"" + id0 + "\"");
  EXPECT_EQ(JsonAt(out, "/messages/2"),
            R"({"role":"user","content":[{"type":"tool_result","tool_use_id":")" + id0 +
                R"(","content":"sunny"},{"type":"tool_result","tool_use_id":")" + id1 +
                R"(","content":"quiet"},{"type":"text","text":"thanks; and tomorrow?"}]})");
  EXPECT_EQ(JsonAt(out, "/tool_choice"), R"({"type":"auto","disable_parallel_tool_use":true})");
  EXPECT_EQ(JsonAt(ToOpenAI(q), "/parallel_tool_calls"), "false");
}

TEST(Translation, ToolIdsAreMappedTheSameWayEverywhere) {
  EXPECT_EQ(AnthropicToolId("toolu_01A9HHF5Ezy3oBrKmSgfASm9"), "toolu_01A9HHF5Ezy3oBrKmSgfASm9");
  EXPECT_EQ(AnthropicToolId("call_55Y1MexM7u2PSyLKUqMvO1o0"), "call_55Y1MexM7u2PSyLKUqMvO1o0");
  std::string a = AnthropicToolId("functions.get_weather:0");
  EXPECT_EQ(a.substr(0, 24), "functions_get_weather_0_");
  EXPECT_EQ(a, AnthropicToolId("functions.get_weather:0"));  // stable
  EXPECT_NE(a, AnthropicToolId("functions:get_weather.0"));  // and apart from its look-alike
  for (char c : a) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  std::string longer(64, 'x');
  EXPECT_EQ(OpenAIToolId(longer).size(), 40u);
  EXPECT_EQ(OpenAIToolId("call_1"), "call_1");
}

TEST(Translation, AHistoryOfCallsWithNoToolsOfferedStillGoesToAnthropic) {
  CompleteRequest q;
  q.messages = {{"user", "x"}, {"assistant", ""}, {"tool", "42"}, {"user", "so?"}};
  q.messages[1].tool_calls = {{"c1", "lookup", R"({"q":"x"})"}};
  q.messages[2].tool_call_id = "c1";
  std::string out = ToAnthropic(q);
  EXPECT_EQ(JsonAt(out, "/tools"), R"([{"name":"lookup","input_schema":{"type":"object"}}])");
  EXPECT_EQ(JsonAt(out, "/tool_choice"), R"({"type":"none"})");
  EXPECT_EQ(JsonAt(ToOpenAI(q), "/tools"), "<missing>");
}

TEST(Translation, ParametersAreTranslatedPerFormat) {
  CompleteRequest q;
  q.messages = {{"system", "be brief"}, {"user", "x"}};
  q.stop = {"END", "STOP"};
  q.top_p = 0.5;
  q.seed = 7;
  q.user = "u-1";
  q.reasoning_effort = "low";
  std::string a = ToAnthropic(q), o = ToOpenAI(q);
  EXPECT_EQ(JsonAt(a, "/system"), R"("be brief")");
  EXPECT_EQ(JsonAt(a, "/stop_sequences"), R"(["END","STOP"])");
  EXPECT_EQ(JsonAt(a, "/top_p"), "0.5");
  EXPECT_EQ(JsonAt(a, "/metadata"), R"({"user_id":"u-1"})");
  EXPECT_EQ(JsonAt(a, "/seed"), "<missing>");  // documented: Anthropic has none
  EXPECT_EQ(JsonAt(o, "/stop"), R"(["END","STOP"])");
  EXPECT_EQ(JsonAt(o, "/seed"), "7");
  EXPECT_EQ(JsonAt(o, "/user"), R"("u-1")");
  EXPECT_EQ(JsonAt(o, "/reasoning_effort"), R"("low")");
  EXPECT_EQ(JsonAt(o, "/max_completion_tokens"), "256");
}

TEST(Translation, AnthropicAnswersWithToolUseBecomeToolCalls) {
  ParsedResponse r = Answer(ReadTestdata("anthropic/message_tool_use.json"), {}, true);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  EXPECT_EQ(r.answer.finish_reason, "tool_calls");
  ASSERT_EQ(r.answer.tool_calls.size(), 1u);
  EXPECT_EQ(r.answer.tool_calls[0].id, "toolu_016q9vtSd8CY2vnZSpEp1j4o");
  EXPECT_EQ(r.answer.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.answer.tool_calls[0].arguments, R"({"location":"San Francisco"})");
  EXPECT_NE(r.answer.content.find("checking the weather"), std::string::npos);

  r = Answer(ReadTestdata("anthropic/message_parallel_tool_use.json"), {}, true);
  ASSERT_EQ(r.answer.tool_calls.size(), 2u);
  EXPECT_EQ(r.answer.tool_calls[1].name, "get_time");
  EXPECT_EQ(r.answer.tool_calls[1].arguments, R"({"timezone":"America/New_York"})");
  EXPECT_EQ(r.answer.usage.input_tokens, 514);
}

TEST(Translation, OpenAIAnswersWithToolCalls) {
  ParsedResponse r = Answer(ReadTestdata("openai/chat_completion_tool_calls.json"), {}, false);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;
  EXPECT_EQ(r.answer.finish_reason, "tool_calls");
  ASSERT_EQ(r.answer.tool_calls.size(), 1u);
  EXPECT_EQ(r.answer.content, "");
  r = Answer(ReadTestdata("openai/chat_completion_parallel_tool_calls.json"), {}, false);
  ASSERT_EQ(r.answer.tool_calls.size(), 2u);
  EXPECT_EQ(r.answer.tool_calls[0].id, "call_EgULHWKqGjuB36aUeiOSpALZ");
  EXPECT_EQ(r.answer.tool_calls[1].name, "get_news");
  EXPECT_EQ(r.answer.tool_calls[1].arguments, R"({"location": "San Francisco"})");  // as written
  r = Answer(ReadTestdata("openai/chat_completion_json_schema.json"), {}, false);
  EXPECT_EQ(r.answer.content.substr(0, 11), R"({"rating":4)");
  r = Answer(ReadTestdata("openai/chat_completion_refusal.json"), {}, false);
  EXPECT_EQ(r.answer.content, "I'm very sorry, but I can't assist with that request.");
}

TEST(Translation, AJsonSchemaIsAForcedToolForAnthropicAndUnwrapped) {
  CompleteRequest q = FromOpenAI(ReadTestdata("openai/chat_completion_request_json_schema.json"));
  ASSERT_FALSE(q.json_schema.schema.empty());
  EXPECT_EQ(q.json_schema.name, "StructuredAnswer");
  EXPECT_TRUE(q.json);
  std::string out = ToAnthropic(q);
  EXPECT_EQ(JsonAt(out, "/tools/0/name"), R"("StructuredAnswer")");
  EXPECT_EQ(JsonAt(out, "/tools/0/input_schema"), q.json_schema.schema);
  EXPECT_EQ(JsonAt(out, "/tool_choice"), R"({"type":"tool","name":"StructuredAnswer"})");
  ParsedResponse r = Answer(
      R"({"type":"message","content":[{"type":"tool_use","id":"toolu_1","name":"StructuredAnswer","input":{"rating":4,"joke":"x"}}],"stop_reason":"tool_use","usage":{"input_tokens":5,"output_tokens":6}})",
      q, true);
  EXPECT_EQ(r.answer.content, R"({"rating":4,"joke":"x"})");
  EXPECT_TRUE(r.answer.tool_calls.empty());
  EXPECT_EQ(r.answer.finish_reason, "stop");

  // A schema whose root is not an object is wrapped as the tool's "value".
  q.json_schema.schema = R"({"type":"array","items":{"type":"string"}})";
  out = ToAnthropic(q);
  EXPECT_EQ(JsonAt(out, "/tools/0/input_schema/properties/value/type"), R"("array")");
  r = Answer(
      R"({"type":"message","content":[{"type":"tool_use","id":"t","name":"StructuredAnswer","input":{"value":["a","b"]}}],"stop_reason":"tool_use"})",
      q, true);
  EXPECT_EQ(r.answer.content, R"(["a","b"])");
}

TEST(Translation, TheClientGetsOpenAIsShapes) {
  CompleteResult r;
  r.request_id = 9;
  r.model = "claude-haiku";
  r.finish_reason = "tool_calls";
  r.tool_calls = {{"toolu_1", "get_weather", R"({"city":"SF"})"}};
  std::string json = ChatCompletionJson(r, 1700000000);
  EXPECT_EQ(
      JsonAt(json, "/choices/0/message"),
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"SF\"}"}}],"refusal":null})");
  std::vector<ToolCallDelta> first = {{0, "toolu_1", "get_weather", ""}};
  ChunkEvent e{"chatcmpl-sy-9", "claude-haiku", 1700000000, true, "", "", nullptr};
  e.tool_calls = &first;
  EXPECT_EQ(
      JsonAt(ChatChunkJson(e), "/choices/0/delta"),
      R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":""}}]})");
  std::vector<ToolCallDelta> piece = {{0, "", "", R"({"ci)"}};
  e.first = false;
  e.tool_calls = &piece;
  EXPECT_EQ(JsonAt(ChatChunkJson(e), "/choices/0/delta"),
            R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]})");
}

}  // namespace
}  // namespace switchyard
