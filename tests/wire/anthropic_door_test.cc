// The Anthropic translator at the front door: requests (the recorded ones among them) read
// into the chat model and sent on to either provider kind, answers and streams written in
// Anthropic's exact shapes, and errors mapped to the statuses its SDK knows.
#include <gtest/gtest.h>

#include "providers/testdata_util.h"
#include "wire/anthropic_messages.h"
#include "wire/json_util.h"
#include "wire/openai_chat.h"

namespace switchyard {
namespace {

CompleteRequest FromAnthropic(const std::string& body, bool count_only = false) {
  MessagesRequest m;
  Status s = ParseAnthropicMessages(body, &m, {}, count_only);
  EXPECT_TRUE(s.ok()) << s.message();
  return m.req;
}

std::string Refusal(const std::string& body) {
  MessagesRequest m;
  Status s = ParseAnthropicMessages(body, &m);
  return s.ok() ? "accepted" : s.message();
}

TEST(AnthropicDoor, RecordedRequestsReadWhole) {
  CompleteRequest plain = FromAnthropic(ReadTestdata("anthropic/messages_request.json"));
  EXPECT_EQ(plain.route, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(plain.max_tokens, 2048);
  ASSERT_EQ(plain.messages.size(), 2u);
  EXPECT_EQ(plain.messages[0].role, "system");
  EXPECT_EQ(plain.messages[0].content,
            "You are a seasoned data scientist at a Fortune 500 company.");

  CompleteRequest image = FromAnthropic(ReadTestdata("anthropic/messages_request_image.json"));
  EXPECT_TRUE(image.stream);
  ASSERT_EQ(image.messages.size(), 1u);
  ASSERT_EQ(image.messages[0].parts.size(), 2u);
  EXPECT_EQ(image.messages[0].parts[1].image_url.substr(0, 23), "data:image/jpeg;base64,");

  CompleteRequest tools = FromAnthropic(ReadTestdata("anthropic/messages_request_tools.json"));
  ASSERT_EQ(tools.messages.size(), 3u);
  EXPECT_EQ(tools.messages[1].tool_calls[0].id, "toolu_01PE9YWKZYFYapmmRJmpK1nz");
  EXPECT_EQ(tools.messages[1].tool_calls[0].arguments, R"({"name":"France"})");
  EXPECT_EQ(tools.messages[2].role, "tool");
  EXPECT_EQ(tools.messages[2].tool_call_id, "toolu_01PE9YWKZYFYapmmRJmpK1nz");
  EXPECT_EQ(tools.tool_choice.mode, "function");
  EXPECT_EQ(tools.tool_choice.name, "return_country");
  ASSERT_EQ(tools.tools.size(), 1u);
  EXPECT_EQ(JsonAt(tools.tools[0].parameters, "/required"), R"(["name"])");

  CompleteRequest error =
      FromAnthropic(ReadTestdata("anthropic/messages_request_tool_result_error.json"));
  ASSERT_EQ(error.messages.size(), 3u);
  EXPECT_TRUE(error.messages[2].is_error);
  EXPECT_EQ(error.messages[2].content, "RuntimeError('Unexpected error, try again')");
}

TEST(AnthropicDoor, RecordedRequestsGoBackOutToAnthropicAsTheyCame) {
  for (const char* f : {"anthropic/messages_request_tools.json",
                        "anthropic/messages_request_tool_result_error.json",
                        "anthropic/messages_request_image.json"}) {
    SCOPED_TRACE(f);
    std::string sent = ReadTestdata(f);
    CompleteRequest q = FromAnthropic(sent);
    std::string out = EncodeAnthropicRequest("claude-x", q, q.messages, 256);
    for (const char* p :
         {"/messages/1/content/0/id", "/messages/1/content/0/input",
          "/messages/2/content/0/tool_use_id", "/messages/2/content/0/is_error", "/tools/0/name",
          "/tools/0/input_schema", "/tool_choice", "/messages/0/content/1/source"}) {
      EXPECT_EQ(CanonicalJson(JsonAt(out, p)), CanonicalJson(JsonAt(sent, p))) << p << "\n" << out;
    }
  }
}

const char* kFull = R"({
  "model": "chat", "max_tokens": 100, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
  "stop_sequences": ["END"], "metadata": {"user_id": "u-1"},
  "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
  "thinking": {"type": "enabled", "budget_tokens": 2048},
  "tools": [{"name": "get_weather", "input_schema": {"type": "object"},
             "cache_control": {"type": "ephemeral"}}],
  "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
  "messages": [
    {"role": "user", "content": [{"type": "text", "text": "Weather?"},
                                 {"type": "image", "source": {"type": "url", "url": "https://x/a.png"}}]},
    {"role": "assistant", "content": [{"type": "text", "text": "Looking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
    {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "18C"}],
         "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Thanks"}]}
  ]})";

TEST(AnthropicDoor, EveryFieldIsCarried) {
  CompleteRequest q = FromAnthropic(kFull);
  EXPECT_EQ(q.top_k, 40);
  EXPECT_EQ(q.top_p, 0.9);
  EXPECT_EQ(q.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(q.user, "u-1");
  EXPECT_EQ(q.tool_choice.mode, "required");
  EXPECT_EQ(q.parallel_tool_calls, false);
  ASSERT_EQ(q.messages.size(), 5u);  // system, user, assistant, tool, user
  EXPECT_EQ(q.messages[0].parts[0].cache_control, R"({"type":"ephemeral"})");
  EXPECT_EQ(q.messages[2].content, "Looking.");
  EXPECT_EQ(q.messages[3].role, "tool");
  EXPECT_EQ(q.messages[3].content, "18C");
  EXPECT_EQ(q.messages[4].content, "Thanks");

  // To Anthropic: what came, cache breakpoints and thinking included.
  std::string a = EncodeAnthropicRequest("claude-x", q, q.messages, 100);
  EXPECT_EQ(JsonAt(a, "/system/0/cache_control"), R"({"type":"ephemeral"})") << a;
  EXPECT_EQ(JsonAt(a, "/tools/0/cache_control"), R"({"type":"ephemeral"})");
  EXPECT_EQ(JsonAt(a, "/messages/2/content/0/cache_control"), R"({"type":"ephemeral"})");
  EXPECT_EQ(JsonAt(a, "/messages/2/content/1/text"), R"("Thanks")");
  EXPECT_EQ(JsonAt(a, "/top_k"), "40");
  EXPECT_EQ(JsonAt(a, "/thinking/budget_tokens"), "2048");
  EXPECT_EQ(JsonAt(a, "/tool_choice"), R"({"type":"any","disable_parallel_tool_use":true})");
  EXPECT_EQ(JsonAt(a, "/metadata/user_id"), R"("u-1")");
  EXPECT_EQ(JsonAt(a, "/stop_sequences"), R"(["END"])");

  // To OpenAI: the same chat; what it has no field for is not sent (docs/design.md).
  std::string o = EncodeOpenAIRequest("gpt-x", q, q.messages, 100);
  EXPECT_EQ(o.find("cache_control"), std::string::npos) << o;
  EXPECT_EQ(JsonAt(o, "/top_k"), "<missing>");
  EXPECT_EQ(JsonAt(o, "/thinking"), "<missing>");
  EXPECT_EQ(JsonAt(o, "/messages/0/content/0/text"), R"("Be brief.")");
  EXPECT_EQ(JsonAt(o, "/messages/2/tool_calls/0/function/arguments"), R"("{\"city\":\"Paris\"}")");
  EXPECT_EQ(JsonAt(o, "/messages/3/role"), R"("tool")");
  EXPECT_EQ(JsonAt(o, "/parallel_tool_calls"), "false");
  EXPECT_EQ(JsonAt(o, "/tool_choice"), R"("required")");
  EXPECT_EQ(JsonAt(o, "/user"), R"("u-1")");
}

TEST(AnthropicDoor, ThinkingBecomesAReasoningEffort) {
  EXPECT_EQ(ReasoningEffortOf(R"({"type":"enabled","budget_tokens":1024})"), "low");
  EXPECT_EQ(ReasoningEffortOf(R"({"type":"enabled","budget_tokens":8000})"), "medium");
  EXPECT_EQ(ReasoningEffortOf(R"({"type":"enabled","budget_tokens":32000})"), "high");
  EXPECT_EQ(ReasoningEffortOf(R"({"type":"disabled"})"), "");
}

TEST(AnthropicDoor, RefusesWhatItCannotCarryByName) {
  const std::string head = R"({"model":"chat","max_tokens":10,"messages":)";
  EXPECT_EQ(Refusal(R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})"),
            "max_tokens: Field required");
  EXPECT_EQ(Refusal(head + R"([{"role":"user","content":"hi"}],"n":2})"),
            "n: Extra inputs are not permitted");
  EXPECT_EQ(Refusal(head + R"([{"role":"system","content":"hi"}]})"),
            "messages[0].role: expected user or assistant, got 'system'");
  EXPECT_EQ(Refusal(head + R"([{"role":"user","content":[{"type":"document","source":{}}]}]})"),
            "messages[0].content[0].type: expected text, image, tool_use or tool_result, got "
            "'document'");
  EXPECT_NE(Refusal(head + R"([{"role":"assistant","content":[{"type":"thinking","thinking":"x",)"
                           R"("signature":"s"}]}]})")
                .find("thinking blocks are not carried"),
            std::string::npos);
  EXPECT_EQ(Refusal(head + R"([{"role":"user","content":"hi"}],)"
                           R"("tools":[{"type":"web_search_20250305","name":"web_search"}]})"),
            "tools[0].type: Anthropic's server tools run at Anthropic only; "
            "'web_search_20250305' cannot fall back to another provider");
  EXPECT_EQ(Refusal(head + R"([{"role":"user","content":[{"type":"tool_use","id":"a","name":"f",)"
                           R"("input":{}}]}]})"),
            "messages[0].content[0].type: tool_use blocks belong in assistant messages");
  EXPECT_EQ(Refusal(head + R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"x",)"
                           R"("content":"r"}]}]})"),
            "messages[0].tool_call_id: 'x' answers no tool call of an earlier assistant message");
  EXPECT_EQ(Refusal(head + R"([{"role":"user","content":"hi"}],"thinking":{"type":"enabled"}})"),
            "thinking.budget_tokens: is required when thinking is enabled");
  EXPECT_EQ(Refusal("{").rfind("the body is not valid JSON: ", 0), 0u);
  // count_tokens does without max_tokens.
  CompleteRequest c =
      FromAnthropic(R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})", true);
  EXPECT_EQ(c.route, "chat");
}

TEST(AnthropicDoor, AnswersInAnthropicsShapeWhoeverServed) {
  CompleteResult r;
  r.request_id = 7;
  r.model = "gpt-4o";
  r.content = "Let me look.";
  r.finish_reason = "tool_calls";
  r.tool_calls = {{"call_abc", "get_weather", R"({"city":"Paris"})"}};
  r.usage = {12, 5};
  std::string m = AnthropicMessageJson(r);
  EXPECT_EQ(JsonAt(m, "/id"), R"("msg_sy_7")");
  EXPECT_EQ(JsonAt(m, "/type"), R"("message")");
  EXPECT_EQ(JsonAt(m, "/role"), R"("assistant")");
  EXPECT_EQ(JsonAt(m, "/content/0"), R"({"type":"text","text":"Let me look."})");
  EXPECT_EQ(JsonAt(m, "/content/1"),
            R"({"type":"tool_use","id":"call_abc","name":"get_weather","input":{"city":"Paris"}})");
  EXPECT_EQ(JsonAt(m, "/stop_reason"), R"("tool_use")");
  EXPECT_EQ(JsonAt(m, "/stop_sequence"), "null");
  EXPECT_EQ(JsonAt(m, "/usage"), R"({"input_tokens":12,"output_tokens":5})");
  // The recorded answer has the same keys at the top.
  std::string recorded = ReadTestdata("anthropic/message_tool_use.json");
  for (const char* p : {"/id", "/type", "/role", "/model", "/content", "/stop_reason",
                        "/stop_sequence", "/usage/input_tokens", "/usage/output_tokens"}) {
    EXPECT_NE(JsonAt(recorded, p), "<missing>") << p;
    EXPECT_NE(JsonAt(m, p), "<missing>") << p;
  }

  r.tool_calls.clear();
  r.finish_reason = "length";
  EXPECT_EQ(JsonAt(AnthropicMessageJson(r), "/stop_reason"), R"("max_tokens")");
  r.finish_reason = "stop";
  EXPECT_EQ(JsonAt(AnthropicMessageJson(r), "/stop_reason"), R"("end_turn")");
  // Arguments that are not an object (a check turned off) are kept, not dropped.
  r.tool_calls = {{"c", "f", "[1"}};
  EXPECT_EQ(JsonAt(AnthropicMessageJson(r), "/content/1/input"), R"({"arguments":"[1"})");
}

// The events of a stream, as (name, data) pairs.
std::vector<std::pair<std::string, std::string>> Events(const std::string& sse) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while ((at = sse.find("event: ", at)) != std::string::npos) {
    size_t nl = sse.find('\n', at);
    size_t data = sse.find("data: ", nl) + 6;
    size_t end = sse.find("\n\n", data);
    out.emplace_back(sse.substr(at + 7, nl - at - 7), sse.substr(data, end - data));
    at = end;
  }
  return out;
}

TEST(AnthropicDoor, StreamsInAnthropicsEventOrder) {
  AnthropicStreamWriter w("msg_sy_1", "gpt-4o");
  std::string sse = w.Start(21);
  StreamDelta text;
  text.text = "Hi";
  sse += w.Delta(text);
  StreamDelta calls;
  // OpenAI numbers tool calls 0, 1; Anthropic's blocks count the text block too.
  calls.tool_calls = {{0, "call_a", "get_weather", ""}, {0, "", "", R"({"city":)"}};
  sse += w.Delta(calls);
  StreamDelta more;
  more.tool_calls = {{0, "", "", R"("Paris"})"}, {1, "call_b", "get_time", R"({})"}};
  sse += w.Delta(more);
  sse += w.Finish("tool_calls", {21, 9});
  auto e = Events(sse);
  std::vector<std::string> names;
  for (const auto& [n, d] : e) names.push_back(n);
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta",
                "content_block_delta", "content_block_stop", "content_block_start",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"}));
  ASSERT_EQ(e.size(), 14u);
  EXPECT_EQ(JsonAt(e[0].second, "/message/id"), R"("msg_sy_1")");
  EXPECT_EQ(JsonAt(e[0].second, "/message/usage/input_tokens"), "21");
  EXPECT_EQ(JsonAt(e[2].second, "/content_block"), R"({"type":"text","text":""})");
  EXPECT_EQ(JsonAt(e[3].second, "/delta"), R"({"type":"text_delta","text":"Hi"})");
  EXPECT_EQ(JsonAt(e[5].second, "/index"), "1");
  EXPECT_EQ(JsonAt(e[5].second, "/content_block"),
            R"({"type":"tool_use","id":"call_a","name":"get_weather","input":{}})");
  EXPECT_EQ(JsonAt(e[6].second, "/delta"),
            R"({"type":"input_json_delta","partial_json":"{\"city\":"})");
  EXPECT_EQ(JsonAt(e[7].second, "/index"), "1");
  EXPECT_EQ(JsonAt(e[9].second, "/index"), "2");
  EXPECT_EQ(JsonAt(e[12].second, "/delta/stop_reason"), R"("tool_use")");
  EXPECT_EQ(JsonAt(e[12].second, "/usage/output_tokens"), "9");
  // The shape of a recorded Anthropic stream of text and two tool calls: the same events in
  // the same order, pings (which may come anywhere) aside and runs of deltas taken as one.
  auto shape = [](const std::vector<std::pair<std::string, std::string>>& events) {
    std::vector<std::string> out;
    for (const auto& [name, data] : events) {
      if (name != "ping" && (out.empty() || out.back() != name || name != "content_block_delta")) {
        out.push_back(name);
      }
    }
    return out;
  };
  EXPECT_EQ(shape(e), shape(Events(ReadTestdata("anthropic/stream_tool_use.sse"))));
}

TEST(AnthropicDoor, ErrorsInTheStatusesItsSdkMaps) {
  RpcError e;
  e.code = "bad_request";
  EXPECT_EQ(AnthropicErrorOf(e).status, 400);
  e.code = "no_route";
  EXPECT_EQ(std::string(AnthropicErrorOf(e).type), "not_found_error");
  e.code = "all_models_failed";
  AttemptReport over;
  over.outcome = "server_error";
  over.http_status = 529;
  AttemptReport open;
  open.outcome = "breaker_open";
  e.attempts = {over, open};
  EXPECT_EQ(AnthropicErrorOf(e).status, 529);
  EXPECT_EQ(std::string(AnthropicErrorOf(e).type), "overloaded_error");
  AttemptReport broken;
  broken.outcome = "server_error";
  broken.http_status = 500;
  e.attempts.push_back(broken);
  EXPECT_EQ(AnthropicErrorOf(e).status, 500);
  AttemptReport limited;
  limited.outcome = "rate_limited";
  limited.http_status = 429;
  e.attempts = {limited, limited};
  EXPECT_EQ(AnthropicErrorOf(e).status, 429);
  EXPECT_EQ(AnthropicErrorJson("overloaded_error", "busy"),
            R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})");
  EXPECT_EQ(AnthropicErrorOfStatus(413).type, std::string("request_too_large"));
}

}  // namespace
}  // namespace switchyard
