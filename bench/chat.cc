#include "chat.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "answer/answer_schemas.h"
#include "answer/json_schema.h"
#include "load.h"
#include "testbed.h"
#include "wire/anthropic_messages.h"
#include "wire/openai_chat.h"

namespace switchyard::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFields = 24;

// A schema of about 1 KB: an object of 24 typed, required properties.
std::string Schema1K() {
  std::string props, required;
  const char* types[] = {"string", "integer", "number", "boolean"};
  for (int i = 0; i < kFields; ++i) {
    std::string name = "field_" + std::to_string(i);
    props += (i ? "," : "") + ("\"" + name + "\":{\"type\":\"" + types[i % 4] + "\"}");
    required += (i ? "," : "") + ("\"" + name + "\"");
  }
  return R"({"type":"object","properties":{)" + props + R"(},"required":[)" + required +
         R"(],"additionalProperties":false})";
}

// An answer of about 2 KB that follows Schema1K: long strings where strings go.
std::string Answer2K() {
  std::string out = "{";
  for (int i = 0; i < kFields; ++i) {
    out += (i ? "," : "") + ("\"field_" + std::to_string(i) + "\":");
    switch (i % 4) {
      case 0:
        out += "\"" + std::string(290, 'x') + "\"";
        break;
      case 1:
        out += std::to_string(i * 7);
        break;
      case 2:
        out += "3.25";
        break;
      default:
        out += "true";
    }
  }
  return out + "}";
}

const char* kTools =
    R"([{"type":"function","function":{"name":"get_weather","description":"Weather in a city",)"
    R"("parameters":{"type":"object","properties":{"city":{"type":"string"},)"
    R"("unit":{"type":"string","enum":["c","f"]}},"required":["city","unit"],)"
    R"("additionalProperties":false},"strict":true}},)"
    R"({"type":"function","function":{"name":"get_time","parameters":{"type":"object",)"
    R"("properties":{"tz":{"type":"string"}},"required":["tz"]}}}])";

std::string Prompt1K() {
  std::string text;
  while (text.size() < 1000) text += "The quick brown fox jumps over the lazy dog. ";
  text.resize(1000);
  return text;
}

std::string TextBody() {
  return R"({"model":"chat","max_tokens":64,"messages":[{"role":"user","content":")" + Prompt1K() +
         R"("}]})";
}

std::string ToolBody() {
  return std::string(R"({"model":"chat","max_tokens":64,"tools":)") + kTools +
         R"(,"messages":[{"role":"user","content":")" + Prompt1K() +
         R"("},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
         R"("function":{"name":"get_time","arguments":"{\"tz\":\"UTC\"}"}}]},)"
         R"({"role":"tool","tool_call_id":"call_1","content":"12:00"}]})";
}

std::string SchemaBody() {
  return R"({"model":"chat","max_tokens":64,"messages":[{"role":"user","content":")" + Prompt1K() +
         R"("}],"response_format":{"type":"json_schema","json_schema":)" +
         R"({"name":"Report","strict":true,"schema":)" + Schema1K() + "}}}";
}

// An OpenAI answer with `content` (JSON-escaped already) or one tool call.
std::string ProviderAnswer(const std::string& content, bool call) {
  std::string message =
      call ? R"("content":null,"tool_calls":[{"id":"call_9","type":"function","function":)"
             R"({"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"c\"}"}}])"
           : "\"content\":\"" + content + "\"";
  return R"({"id":"x","object":"chat.completion","created":1,"model":"gpt-4o","choices":[)"
         R"({"index":0,"message":{"role":"assistant",)" +
         message + R"(},"finish_reason":")" + (call ? "tool_calls" : "stop") +
         R"("}],"usage":{"prompt_tokens":300,"completion_tokens":20}})";
}

std::string Escaped(const std::string& json) {
  std::string out;
  for (char c : json) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Microseconds per run of `fn`, the median of five timed batches.
double PerRunUs(int n, const std::function<void()>& fn) {
  for (int i = 0; i < n / 10; ++i) fn();
  std::vector<double> batches;
  for (int b = 0; b < 5; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) fn();
    batches.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n);
  }
  std::sort(batches.begin(), batches.end());
  return batches[2];
}

// The pure path of one request: read at the door, written for OpenAI and for Anthropic,
// the provider's answer read and checked, the answer written for the client.
double PurePath(const std::string& body, const std::string& answer) {
  std::string reply_body = answer;
  return PerRunUs(20000, [&] {
    ChatCompletionRequest chat;
    if (!ParseChatCompletion(body, &chat).ok()) std::abort();
    std::shared_ptr<const AnswerSchemas> schemas;
    if (!CheckToolArguments(chat.req).ok() || !AnswerSchemas::For(chat.req, &schemas).ok()) {
      std::abort();
    }
    std::string out = EncodeOpenAIRequest("gpt-4o", chat.req, chat.req.messages, 64);
    std::string anthropic = EncodeAnthropicRequest("claude", chat.req, chat.req.messages, 64);
    HttpReply reply;
    reply.status = 200;
    reply.body = reply_body;
    reply.body_capacity = reply_body.size();
    ParsedResponse r = DecodeOpenAIResponse(reply);
    if (schemas) {
      if (!r.answer.tool_calls.empty()) {
        if (schemas->CheckToolCalls(r.answer.tool_calls).problem != AnswerProblem::kNone) {
          std::abort();
        }
      } else if (schemas->CheckAnswer(r.answer.content).problem != AnswerProblem::kNone) {
        std::abort();
      }
    }
    CompleteResult result;
    result.content = r.answer.content;
    result.tool_calls = r.answer.tool_calls;
    std::string client = ChatCompletionJson(result, 1);
    if (out.empty() || anthropic.empty() || client.empty()) std::abort();
  });
}

// A "pattern" checked against one 16,000-character string, as RE2 matches it: ordinary
// patterns, one that makes a backtracking engine exponential, and one of 511 optional
// characters (1,024 states) that made RapidJSON's own engine quadratic at every character
// (measured at 64 s for this string before RE2 took its place).
void BenchPatterns() {
  std::string optional_run;
  for (int i = 0; i < 511; ++i) optional_run += "a?";
  optional_run += "b";
  const std::string text = "\"" + std::string(16000, 'a') + "\"";
  struct Case {
    const char* what;
    std::string pattern;
  };
  const Case cases[] = {
      {"an e-mail address, ^[\\w.-]+@[\\w-]+\\.[a-z]{2,}$", R"(^[\\w.-]+@[\\w-]+\\.[a-z]{2,}$)"},
      {"a length, [a-z]{2,64}", "[a-z]{2,64}"},
      {"backtracking's worst, (a+a+)+b", "(a+a+)+b"},
      {"511 optional characters, a?a?...a?b", optional_run},
  };
  std::printf("\n| a \"pattern\" checked against a 16,000-character string | µs |\n|---|---|\n");
  for (const Case& c : cases) {
    std::unique_ptr<JsonSchema> s;
    if (!JsonSchema::Compile(R"({"type":"string","pattern":")" + c.pattern + "\"}", &s).ok()) {
      std::abort();
    }
    double us = PerRunUs(10, [&] { (void)s->Validate(text); });
    std::printf("| %s | %.0f |\n", c.what, us);
  }
}

CompleteRequest Through(const std::string& body) {
  ChatCompletionRequest chat;
  if (!ParseChatCompletion(body, &chat).ok()) std::abort();
  return chat.req;
}

}  // namespace

void BenchChat() {
  std::printf("\n## chat: tools and structured outputs (microseconds per request)\n");
  std::string schema = Schema1K(), answer = Answer2K();
  std::printf("schema %zu bytes, answer %zu bytes\n\n", schema.size(), answer.size());
  std::printf("| in process | µs per request |\n|---|---|\n");
  double text = PurePath(TextBody(), ProviderAnswer("Answer.", false));
  double tool = PurePath(ToolBody(), ProviderAnswer("", true));
  double structured = PurePath(SchemaBody(), ProviderAnswer(Escaped(answer), false));
  std::printf("| text request, 1 KB prompt: door, both encoders, answer, client JSON | %.1f |\n",
              text);
  std::printf("| tool-call request (2 tools, a tool turn, a checked call) | %.1f (+%.1f) |\n", tool,
              tool - text);
  std::printf("| json_schema request, 2 KB answer validated (schema cached) | %.1f (+%.1f) |\n",
              structured, structured - text);
  std::unique_ptr<JsonSchema> compiled;
  if (!JsonSchema::Compile(schema, &compiled).ok()) std::abort();
  double validate = PerRunUs(20000, [&] {
    if (!compiled->Validate(answer).ok()) std::abort();
  });
  double compile = PerRunUs(5000, [&] {
    std::unique_ptr<JsonSchema> s;
    if (!JsonSchema::Compile(schema, &s).ok()) std::abort();
  });
  std::printf("| validating the 2 KB answer against the 1 KB schema | %.1f |\n", validate);
  std::printf("| compiling the 1 KB schema (once per distinct schema; cached) | %.1f |\n", compile);
  BenchPatterns();

  std::printf(
      "\n| through the daemon, 1 in flight, alternated | p50 / p99 µs | minus text p50 |\n"
      "|---|---|---|\n");
  testbed::ClusterOptions o;
  o.log_level = "warn";
  testbed::Cluster cluster(o);
  CompleteRequest text_req = Through(TextBody());
  CompleteRequest tool_req = Through(ToolBody());
  CompleteRequest schema_req = Through(SchemaBody());
  constexpr int kRounds = 6;
  constexpr int64_t kPerRound = 2000;
  for (const CompleteRequest* r : {&text_req, &tool_req, &schema_req}) {
    RunClientLoad(cluster.socket(), *r, 1, 500);  // warm
  }
  Alternated tools = Alternate(
      kRounds, [&] { return RunClientLoad(cluster.socket(), text_req, 1, kPerRound); },
      [&] { return RunClientLoad(cluster.socket(), tool_req, 1, kPerRound); });
  Alternated schemas = Alternate(
      kRounds, [&] { return RunClientLoad(cluster.socket(), text_req, 1, kPerRound); },
      [&] { return RunClientLoad(cluster.socket(), schema_req, 1, kPerRound); });
  auto row = [](const char* what, const LoadResult& r, double base, double noise) {
    std::printf("| %s | %.0f / %.0f | %+.0f (noise %.0f)%s |\n", what, r.Percentile(50),
                r.Percentile(99), r.Percentile(50) - base, noise, r.errors ? " errors!" : "");
  };
  row("text", tools.a, tools.a.Percentile(50), HalvesApart(tools, 50));
  row("tool call (fake answers with a call, checked)", tools.b, tools.a.Percentile(50),
      HalvesApart(tools, 50));
  row("json_schema (fake answers from the schema, validated)", schemas.b, schemas.a.Percentile(50),
      HalvesApart(schemas, 50));
}

}  // namespace switchyard::bench
