// The whole chat through the OpenAI-compatible door, end to end against the fake provider:
// tool conversations (plain and streamed, parallel calls), json_schema answers and images,
// each served by an OpenAI tier and, with the primary failing, by an Anthropic one; broken
// tool calls and off-schema answers falling through to the next tier, as the history shows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "history_db.h"
#include "http_front.h"
#include "wire/json_util.h"

namespace switchyard::e2e {
namespace {

using ChatSurface = HttpFront;

std::string Body(const std::string& out) {
  size_t at = out.find("\r\n\r\n");
  return at == std::string::npos ? "" : out.substr(at + 4);
}

const char* kWeatherTool =
    R"({"type":"function","function":{"name":"get_weather","description":"Weather in a city",)"
    R"("parameters":{"type":"object","properties":{"city":{"type":"string"}},)"
    R"("required":["city"],"additionalProperties":false},"strict":true}})";
const char* kTimeTool =
    R"({"type":"function","function":{"name":"get_time",)"
    R"("parameters":{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}}})";

std::string FirstTurn(bool stream = false) {
  return std::string(R"({"model":"chat","max_tokens":64,)") + (stream ? R"("stream":true,)" : "") +
         R"("messages":[{"role":"user","content":"weather in Paris?"}],"tools":[)" + kWeatherTool +
         "]}";
}

// The second turn as the OpenAI SDK sends it, with an id no Anthropic model would accept.
std::string SecondTurn() {
  return std::string(R"({"model":"chat","max_tokens":64,"tools":[)") + kWeatherTool +
         R"(],"messages":[{"role":"user","content":"weather in Paris?"},)"
         R"({"role":"assistant","content":null,"tool_calls":[{"id":"functions.get_weather:0",)"
         R"("type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},)"
         R"({"role":"tool","tool_call_id":"functions.get_weather:0","content":"18C and sunny"}]})";
}

TEST_F(ChatSurface, ATwoTurnToolConversationOnEitherProvider) {
  Start();
  for (const char* primary_fault : {"mode=ok", "mode=error&status=503"}) {
    SCOPED_TRACE(primary_fault);
    cluster_->fake().SetFault("gpt-4o", primary_fault);
    cluster_->fake().SetFault("gpt-4o-mini", primary_fault);
    bool fell = std::string(primary_fault) != "mode=ok";
    std::string out = Post(FirstTurn());
    std::string body = Body(out);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
    EXPECT_EQ(JsonAt(body, "/model"), fell ? R"("claude-haiku")" : R"("gpt-4o")");
    EXPECT_EQ(JsonAt(body, "/choices/0/finish_reason"), R"("tool_calls")");
    EXPECT_EQ(JsonAt(body, "/choices/0/message/content"), "null");
    EXPECT_EQ(JsonAt(body, "/choices/0/message/tool_calls/0/type"), R"("function")");
    EXPECT_EQ(JsonAt(body, "/choices/0/message/tool_calls/0/function/name"), R"("get_weather")");
    // Arguments are a JSON string, whichever provider made them (Anthropic's input object).
    EXPECT_EQ(JsonAt(body, "/choices/0/message/tool_calls/0/function/arguments"),
              R"("{\"city\":\"fake\"}")");
    EXPECT_NE(JsonAt(body, "/choices/0/message/tool_calls/0/id"), "<missing>");

    out = Post(SecondTurn());
    body = Body(out);
    EXPECT_EQ(JsonAt(body, "/choices/0/finish_reason"), R"("stop")") << out;
    EXPECT_NE(JsonAt(body, "/choices/0/message/content").find("[tool results: 18C and sunny]"),
              std::string::npos)
        << body;
  }
  // What the Anthropic tier was sent: the call and its result as blocks, under one id that
  // Anthropic accepts, and the tool with its schema.
  std::string sent = cluster_->fake().LastBody("claude-3-5-haiku-latest");
  std::string id = JsonAt(sent, "/messages/1/content/0/id");
  EXPECT_EQ(id.substr(0, 25), R"("functions_get_weather_0_)") << sent;
  EXPECT_EQ(JsonAt(sent, "/messages/2/content/0/type"), R"("tool_result")");
  EXPECT_EQ(JsonAt(sent, "/messages/2/content/0/tool_use_id"), id);
  EXPECT_EQ(JsonAt(sent, "/messages/1/content/0/input"), R"({"city":"Paris"})");
  EXPECT_EQ(JsonAt(sent, "/tools/0/input_schema/required"), R"(["city"])");
}

TEST_F(ChatSurface, StreamedAndParallelToolCallsInOpenAIsShape) {
  Start();
  for (const char* primary_fault : {"mode=ok", "mode=error&status=503"}) {
    SCOPED_TRACE(primary_fault);
    cluster_->fake().SetFault("gpt-4o", primary_fault);
    cluster_->fake().SetFault("gpt-4o-mini", primary_fault);
    cluster_->fake().SetFault("claude-3-5-haiku-latest", "tool_calls=2");
    cluster_->fake().SetFault("gpt-4o", std::string(primary_fault) + "&tool_calls=2");
    std::string req = std::string(R"({"model":"chat","max_tokens":64,"stream":true,)") +
                      R"("messages":[{"role":"user","content":"weather and time?"}],"tools":[)" +
                      kWeatherTool + "," + kTimeTool + "]}";
    std::string out = Post(req);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
    // The first piece of each call names it, with empty arguments; the calls are 0 and 1.
    EXPECT_NE(out.find(R"("tool_calls":[{"index":0,"id":")"), std::string::npos) << out;
    EXPECT_NE(out.find(R"("type":"function","function":{"name":"get_weather","arguments":""}}]})"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(R"("tool_calls":[{"index":1,"id":")"), std::string::npos) << out;
    EXPECT_NE(out.find(R"({"index":1,"function":{"arguments":")"), std::string::npos) << out;
    EXPECT_NE(out.find(R"("finish_reason":"tool_calls")"), std::string::npos) << out;
    EXPECT_NE(out.find("data: [DONE]"), std::string::npos);
  }
}

TEST_F(ChatSurface, BrokenToolCallsAndOffSchemaAnswersFallThrough) {
  ClusterOptions o;
  o.extra_toml = "[history]\nflush_ms = 10\n";
  Start(o);
  cluster_->fake().SetFault("gpt-4o", "mode=bad_tool_args");
  std::string out = Post(FirstTurn());
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o-mini\r\n"), std::string::npos) << out;

  cluster_->fake().SetFault("gpt-4o", "mode=off_schema");
  cluster_->fake().SetFault("gpt-4o-mini", "mode=off_schema");
  std::string schema =
      R"({"model":"chat","max_tokens":64,"messages":[{"role":"user","content":"rate it"}],)"
      R"("response_format":{"type":"json_schema","json_schema":{"name":"Rating","strict":true,)"
      R"("schema":{"type":"object","properties":{"rating":{"type":"integer"},)"
      R"("why":{"type":"string"}},"required":["rating","why"],"additionalProperties":false}}}})";
  out = Post(schema);
  std::string body = Body(out);
  EXPECT_NE(out.find("x-switchyard-model: claude-haiku\r\n"), std::string::npos) << out;
  // Anthropic answered through a forced tool; the client gets the JSON as content.
  EXPECT_EQ(JsonAt(body, "/choices/0/message/content"), R"("{\"rating\":1,\"why\":\"fake\"}")");
  EXPECT_EQ(JsonAt(body, "/choices/0/finish_reason"), R"("stop")");

  Db db(cluster_->history_path());
  ASSERT_TRUE(testbed::PollUntil(5000, [&] {
    return db.Int("SELECT COUNT(*) FROM attempts WHERE outcome = 'schema_mismatch'") == 2;
  }));
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM attempts WHERE outcome = 'invalid_tool_call'"), 1);
  EXPECT_EQ(db.Text("SELECT reason FROM attempts WHERE outcome = 'invalid_tool_call'"),
            "tool call 0 (get_weather): arguments are not a JSON object");
  EXPECT_EQ(db.Text("SELECT reason FROM attempts WHERE outcome = 'schema_mismatch' LIMIT 1"),
            "answer off the json_schema at /off_schema: fails 'additionalProperties'");
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM fallbacks WHERE reason = 'schema_mismatch'"), 2);
  // The history says tools were offered and how many calls came back, per attempt too.
  EXPECT_EQ(db.Int("SELECT tools_offered FROM requests ORDER BY id LIMIT 1"), 1);
  EXPECT_EQ(db.Int("SELECT tool_calls FROM requests ORDER BY id LIMIT 1"), 1);
  EXPECT_EQ(db.Int("SELECT tool_calls FROM attempts WHERE outcome = 'invalid_tool_call'"), 1);
  EXPECT_EQ(db.Int("SELECT tools_offered + tool_calls FROM requests ORDER BY id DESC LIMIT 1"), 0);
}

TEST_F(ChatSurface, ImagesGoOnlyToModelsThatSeeThem) {
  ClusterOptions o;
  o.extra_toml = "[history]\nflush_ms = 10\n";
  o.model_toml["claude-haiku"] = "vision = true";
  o.model_toml["gpt-4o"] = "vision = true";
  Start(o);
  std::string image =
      R"({"model":"chat","max_tokens":32,"messages":[{"role":"user","content":[)"
      R"({"type":"text","text":"what is it?"},)"
      R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]}]})";
  std::string out = Post(image);
  EXPECT_NE(Body(out).find("[1 image(s)]"), std::string::npos) << out;
  EXPECT_EQ(JsonAt(cluster_->fake().LastBody("gpt-4o"), "/messages/0/content/1/image_url"),
            R"({"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"})");

  // The primary down: gpt-4o-mini cannot see, so claude-haiku serves, with the image as
  // Anthropic's base64 source.
  cluster_->fake().SetFault("gpt-4o", "mode=error&status=503");
  out = Post(image);
  EXPECT_NE(out.find("x-switchyard-model: claude-haiku\r\n"), std::string::npos) << out;
  EXPECT_EQ(
      JsonAt(cluster_->fake().LastBody("claude-3-5-haiku-latest"), "/messages/0/content/1"),
      R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}})");
  Db db(cluster_->history_path());
  ASSERT_TRUE(testbed::PollUntil(5000, [&] {
    return db.Int("SELECT COUNT(*) FROM attempts WHERE outcome = 'unsupported'") == 1;
  }));
  EXPECT_EQ(db.Text("SELECT reason FROM attempts WHERE outcome = 'unsupported'"),
            "the request holds images and gpt-4o-mini cannot see them (vision = false)");
}

TEST_F(ChatSurface, NoTierThatSeesImagesIsTheClientsError) {
  Start();
  std::string out =
      Post(R"({"model":"chat","max_tokens":32,"messages":[{"role":"user","content":[)"
           R"({"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]})");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("no tier of route 'chat' can see them"), std::string::npos) << out;
  EXPECT_EQ(cluster_->fake().Requests("gpt-4o"), 0);
}

TEST_F(ChatSurface, ToolsAndSchemasGoOnlyToModelsThatTakeThem) {
  ClusterOptions o;
  o.extra_toml = "[history]\nflush_ms = 10\n";
  o.model_toml["gpt-4o"] = "tools = false\njson_schema = false";
  o.model_toml["gpt-4o-mini"] = "json_schema = false";
  o.model_toml["claude-haiku"] = "json_schema = false";
  Start(o);
  std::string out = Post(FirstTurn());
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o-mini\r\n"), std::string::npos) << out;
  EXPECT_EQ(cluster_->fake().Requests("gpt-4o"), 0);
  // No tier follows a schema: the client's error, before any call.
  out = Post(R"({"model":"chat","max_tokens":32,"messages":[{"role":"user","content":"x"}],)"
             R"("response_format":{"type":"json_schema","json_schema":{"name":"n","schema":)"
             R"({"type":"object"}}}})");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("no tier of route 'chat' can follow one"), std::string::npos) << out;
  Db db(cluster_->history_path());
  ASSERT_TRUE(testbed::PollUntil(5000, [&] {
    return db.Int("SELECT COUNT(*) FROM attempts WHERE outcome = 'unsupported'") >= 1;
  }));
  EXPECT_EQ(db.Text("SELECT reason FROM attempts WHERE outcome = 'unsupported' LIMIT 1"),
            "the request holds tools and gpt-4o cannot call them (tools = false)");
}

TEST_F(ChatSurface, AServerWithoutToolSupportIsSkippedNotBlamed) {
  ClusterOptions o;
  o.extra_toml = "[history]\nflush_ms = 10\n";
  Start(o);
  // Ollama's answer when a model has no tool template, six requests running: each skips to
  // the next tier, and gpt-4o's breaker stays closed with no failure counted.
  cluster_->fake().SetFault("gpt-4o", "mode=error&status=400&error_kind=no_tools");
  for (int i = 0; i < 6; ++i) {
    std::string out = Post(FirstTurn());
    EXPECT_NE(out.find("x-switchyard-model: gpt-4o-mini\r\n"), std::string::npos) << out;
  }
  for (const ModelStatus& m : cluster_->Connect()->GetStatus().result.models) {
    if (m.name != "gpt-4o") continue;
    EXPECT_EQ(m.breaker, "closed");
    EXPECT_EQ(m.failure_rate, 0);
  }
  // A request without tools still goes to gpt-4o.
  cluster_->fake().SetFault("gpt-4o", "mode=ok");
  std::string out =
      Post(R"({"model":"chat","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o\r\n"), std::string::npos) << out;
  Db db(cluster_->history_path());
  ASSERT_TRUE(testbed::PollUntil(5000, [&] {
    return db.Int(
               "SELECT COUNT(*) FROM attempts WHERE model = 'gpt-4o' AND outcome = "
               "'unsupported'") == 6;
  }));
  EXPECT_NE(db.Text("SELECT reason FROM attempts WHERE outcome = 'unsupported' LIMIT 1")
                .find("does not support tools"),
            std::string::npos);
}

TEST_F(ChatSurface, SchemasThatDoNotCompileAreRefusedBeforeAnyCall) {
  Start();
  std::string out = Post(
      R"({"model":"chat","max_tokens":32,"messages":[{"role":"user","content":"x"},)"
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",)"
      R"("function":{"name":"f","arguments":"[1,2]"}}]},{"role":"tool","tool_call_id":"c","content":"r"}]})");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("messages[1].tool_calls[0].arguments: expected a JSON object as text"),
            std::string::npos)
      << out;
  EXPECT_EQ(cluster_->fake().Requests("gpt-4o"), 0);
}

TEST_F(ChatSurface, TheOfficialOpenAISdkForNode) {
  if (std::string why = MissingNodeModule("openai"); !why.empty()) GTEST_SKIP() << why;
  ClusterOptions o;
  o.model_toml["claude-haiku"] = "vision = true";
  o.model_toml["gpt-4o"] = "vision = true";
  Start(o);
  int code = -1;
  std::string out = RunNodeTest("openai_sdk_tools_test.cjs", Url("/v1"), "unused", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("ok   anthropic: the parse helper read the answer"), std::string::npos) << out;
}

}  // namespace
}  // namespace switchyard::e2e
