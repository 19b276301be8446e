#include "wire/openai_chat.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

ChatCompletionRequest Parse(const std::string& body) {
  ChatCompletionRequest r;
  Status s = ParseChatCompletion(body, &r);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << body;
  return r;
}

std::string ErrorOf(const std::string& body) {
  ChatCompletionRequest r;
  Status s = ParseChatCompletion(body, &r);
  EXPECT_FALSE(s.ok()) << body;
  return s.message();
}

TEST(OpenAIChat, ARequestBecomesACompleteRequest) {
  ChatCompletionRequest r = Parse(R"({
    "model": "chat",
    "messages": [
      {"role": "developer", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": "there"}], "name": "ann"},
      {"role": "assistant", "content": "hi"},
      {"role": "user", "content": "again"}],
    "max_completion_tokens": 64, "temperature": 0.5,
    "response_format": {"type": "json_object"},
    "stream": true, "stream_options": {"include_usage": true},
    "user": "u-1", "metadata": {"team": "search"},
    "top_p": 0.9, "seed": null, "n": 1})");
  const CompleteRequest& q = r.req;
  EXPECT_EQ(q.route, "chat");
  ASSERT_EQ(q.messages.size(), 4u);
  EXPECT_EQ(q.messages[0].role, "system");
  EXPECT_EQ(q.messages[1].content, "hello\nthere");
  EXPECT_EQ(q.messages[3].content, "again");
  EXPECT_EQ(q.max_tokens, 64);
  ASSERT_TRUE(q.temperature.has_value());
  EXPECT_DOUBLE_EQ(*q.temperature, 0.5);
  EXPECT_TRUE(q.json);
  EXPECT_TRUE(q.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(q.task, "default");
  ASSERT_EQ(q.metadata.size(), 2u);
  EXPECT_EQ(q.metadata[0], (std::pair<std::string, std::string>{"user", "u-1"}));
  EXPECT_EQ(q.metadata[1], (std::pair<std::string, std::string>{"team", "search"}));
  ASSERT_TRUE(q.top_p.has_value());
  EXPECT_DOUBLE_EQ(*q.top_p, 0.9);
  EXPECT_FALSE(q.seed.has_value());  // a null seed asks for nothing
  EXPECT_EQ(q.user, "u-1");
  EXPECT_TRUE(r.ignored.empty());
  EXPECT_EQ(Parse(R"({"model":"m","messages":[{"role":"user","content":"x"}]})").req.max_tokens,
            kDefaultMaxTokens);
}

TEST(OpenAIChat, TaskAndDeadlineComeFromTheHeadersAndAreChecked) {
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  ChatCompletionRequest r;
  ASSERT_TRUE(ParseChatCompletion(body, &r, {"greet", 1500}).ok());
  EXPECT_EQ(r.req.task, "greet");
  EXPECT_EQ(r.req.deadline_ms, 1500);
  Status s = ParseChatCompletion(body, &r, {"", 0});
  EXPECT_EQ(s.message(), "task: must be 1 to 128 characters");
  s = ParseChatCompletion(body, &r, {"t", 4000000});
  EXPECT_NE(s.message().find("deadline_ms: at most"), std::string::npos) << s.message();
}

TEST(OpenAIChat, BadRequestsSayWhatIsWrong) {
  const std::string ok = R"("model":"m","messages":[{"role":"user","content":"x"}])";
  EXPECT_NE(ErrorOf("not json").find("the body is not valid JSON"), std::string::npos);
  EXPECT_EQ(ErrorOf("[1]"), "body: expected an object, got an array");
  EXPECT_EQ(ErrorOf(R"({"messages":[{"role":"user","content":"x"}]})"),
            "model: is required (the name of a switchyard route)");
  EXPECT_EQ(ErrorOf(R"({"model":"m"})"), "messages: is required");
  EXPECT_EQ(ErrorOf(R"({"model":"m","messages":[]})"), "messages: must not be empty");
  EXPECT_EQ(ErrorOf(R"({"model":"m","messages":[{"role":"user","content":5}]})"),
            "messages[0].content: expected a string or an array of parts, got an integer");
  EXPECT_EQ(
      ErrorOf(
          R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]})"),
      "messages[0].content[0].image_url.url: is required");
  EXPECT_EQ(
      ErrorOf(
          R"({"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})"),
      "messages[0].content[0].type: only text parts are supported here, got 'image_url'");
  EXPECT_EQ(
      ErrorOf(
          R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})"),
      "messages[0].content[0].type: text and image_url parts are supported here, got "
      "'input_audio'");
  EXPECT_EQ(ErrorOf(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})"),
            "messages[0].tool_call_id: is required for tool messages");
  EXPECT_EQ(
      ErrorOf(R"({"model":"m","messages":[{"role":"tool","content":"x","tool_call_id":"c1"}]})"),
      "messages[0].tool_call_id: 'c1' answers no tool call of an earlier assistant message");
  EXPECT_EQ(ErrorOf(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})"),
            "messages[0].role: must be system, user, assistant or tool, got 'wizard'");
  EXPECT_EQ(ErrorOf(R"({"model":"m","messages":[{"role":"function","content":"x"}]})"),
            "messages[0].role: function messages are the deprecated form; send tool messages");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"n":2})"),
            "n: only 1 is supported (switchyard returns one answer per request)");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"functions":[]})"),
            "functions: the deprecated form of function calling; send tools and tool_choice");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"tools":[{"type":"web_search"}]})"),
            "tools[0].type: only function tools are supported, got 'web_search'");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"tools":[{"type":"function","function":{"name":"a b"}}]})"),
            "tools[0].name: expected 1 to 64 of a-z A-Z 0-9 _ -");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"tool_choice":"required"})"),
            "tool_choice: required needs tools");
  EXPECT_EQ(
      ErrorOf(
          "{" + ok +
          R"(,"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"b"}}})"),
      "tool_choice: names 'b', which is not among the tools");
  EXPECT_EQ(ErrorOf("{" + ok +
                    R"(,"response_format":{"type":"json_schema","json_schema":{"name":"x"}}})"),
            "response_format.json_schema.schema: expected a JSON Schema object");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"stop":["a","b","c","d","e"]})"), "stop: at most 4 sequences");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"top_p":1.5})"), "top_p: must be between 0 and 1");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"frobnicate":1})"),
            "Unrecognized request argument supplied: frobnicate");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"max_tokens":"many"})"),
            "max_tokens: expected an integer, got a string");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"max_tokens":0})"), "max_tokens: must be positive");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"temperature":3})"), "temperature: must be between 0 and 2");
  EXPECT_EQ(ErrorOf("{" + ok + R"(,"response_format":{"type":"xml"}})"),
            "response_format.type: expected text, json_object or json_schema, got 'xml'");
}

TEST(OpenAIChat, TheAnswerIsAChatCompletion) {
  CompleteResult r;
  r.request_id = 42;
  r.model = "gpt-4o-mini";
  r.content = "Hi \"there\"";
  r.finish_reason = "stop";
  r.usage = {10, 3};
  EXPECT_EQ(ChatCompletionJson(r, 1700000000),
            R"({"id":"chatcmpl-sy-42","object":"chat.completion","created":1700000000,)"
            R"("model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",)"
            R"("content":"Hi \"there\"","refusal":null},"logprobs":null,"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13}})");
}

TEST(OpenAIChat, StreamsAreChunks) {
  EXPECT_EQ(ChatChunkJson({"chatcmpl-sy-7", "m", 5, true, "He", "", nullptr}),
            R"({"id":"chatcmpl-sy-7","object":"chat.completion.chunk","created":5,"model":"m",)"
            R"("choices":[{"index":0,"delta":{"role":"assistant","content":"He"},"logprobs":null,)"
            R"("finish_reason":null}]})");
  EXPECT_EQ(ChatChunkJson({"chatcmpl-sy-7", "m", 5, false, "", "length", nullptr}),
            R"({"id":"chatcmpl-sy-7","object":"chat.completion.chunk","created":5,"model":"m",)"
            R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]})");
  Usage u{7, 2};
  EXPECT_EQ(ChatChunkJson({"chatcmpl-sy-7", "m", 5, false, "", "", &u}),
            R"({"id":"chatcmpl-sy-7","object":"chat.completion.chunk","created":5,"model":"m",)"
            R"("choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}})");
}

TEST(OpenAIChat, ErrorsMapToHttpStatuses) {
  EXPECT_EQ(HttpErrorOf("bad_request").status, 400);
  EXPECT_EQ(HttpErrorOf("request_rejected").status, 400);
  EXPECT_EQ(HttpErrorOf("no_route").status, 404);
  EXPECT_EQ(HttpErrorOf("overloaded").status, 429);
  EXPECT_EQ(HttpErrorOf("all_models_failed").status, 502);
  EXPECT_EQ(HttpErrorOf("shutting_down").status, 503);
  EXPECT_EQ(HttpErrorOf("deadline_exceeded").status, 504);
  EXPECT_EQ(OpenAIErrorJson("no \"x\"", "invalid_request_error", "no_route"),
            R"({"error":{"message":"no \"x\"","type":"invalid_request_error","code":"no_route"}})");
}

}  // namespace
}  // namespace switchyard
