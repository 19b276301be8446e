// Gemini's and Bedrock's answers, streams and errors, in the shapes of the recorded ones
// (tests/providers/testdata/gemini, bedrock).
#include <string>

#include "answers.h"
#include "base/json_writer.h"
#include "wire/aws_event_stream.h"

namespace fake {

using switchyard::JsonWriter;

namespace {

std::string GeminiFinish(const AnswerSpec& a) {
  if (a.finish == "length") return "MAX_TOKENS";
  if (a.finish == "content_filter") return "SAFETY";
  return "STOP";
}

// One GenerateContentResponse: `text` and `calls` as its parts, and, when `last`, its
// finishReason; usage on every one, as Gemini sends it.
std::string GeminiChunk(const AnswerSpec& a, const std::string& text,
                        const std::vector<FakeCall>& calls, bool last) {
  JsonWriter w(text.size() + 400);
  w.BeginObject().Key("candidates").BeginArray().BeginObject();
  w.Key("content").BeginObject().Key("parts").BeginArray();
  if (!text.empty() || calls.empty()) w.BeginObject().Key("text").String(text).EndObject();
  for (const FakeCall& c : calls) {
    w.BeginObject().Key("functionCall").BeginObject().Key("name").String(c.name);
    w.Key("args").Raw(c.arguments.empty() ? "{}" : c.arguments).EndObject().EndObject();
  }
  w.EndArray().Key("role").String("model").EndObject();
  if (last) w.Key("finishReason").String(GeminiFinish(a));
  w.Key("index").Int(0).EndObject().EndArray();
  w.Key("usageMetadata").BeginObject().Key("promptTokenCount").Int(a.input_tokens);
  w.Key("candidatesTokenCount").Int(a.output_tokens);
  w.Key("totalTokenCount").Int(a.input_tokens + a.output_tokens).EndObject();
  w.Key("modelVersion").String(a.model);
  w.Key("responseId").String("fakeResponse" + std::to_string(a.serial)).EndObject();
  return w.Take();
}

std::string BedrockStop(const AnswerSpec& a) {
  if (a.finish == "length") return "max_tokens";
  if (a.finish == "content_filter") return "content_filtered";
  return a.calls.empty() ? "end_turn" : "tool_use";
}

std::string BedrockEvent(const std::string& type, const std::string& payload) {
  return switchyard::EncodeEventStreamMessage(
      {{":event-type", type}, {":content-type", "application/json"}, {":message-type", "event"}},
      payload);
}

}  // namespace

std::string GeminiAnswerBody(const AnswerSpec& a) {
  return GeminiChunk(a, a.content, a.calls, true);
}

StreamEvents GeminiAnswerStream(const AnswerSpec& a) {
  StreamEvents out;
  // Gemini's first event already carries text: there is no preamble.
  for (const std::string& p : TextPieces(a.content, 12)) {
    out.events.push_back("data: " + GeminiChunk(a, p, {}, false) + "\r\n\r\n");
  }
  out.text_events = out.events.size();
  out.events.push_back("data: " + GeminiChunk(a, "", a.calls, true) + "\r\n\r\n");
  return out;
}

std::string GeminiErrorBody(int status, std::string_view kind, std::string_view echo) {
  std::string state = "INTERNAL", message = "An internal error has occurred.";
  if (kind == "context") {
    state = "INVALID_ARGUMENT";
    message =
        "The input token count (1196266) exceeds the maximum number of tokens allowed "
        "(1048575).";
  } else if (kind == "auth" || status == 401 || status == 403) {
    state = status == 400 ? "INVALID_ARGUMENT" : "PERMISSION_DENIED";
    message = "API key not valid. Please pass a valid API key.";
  } else if (status == 429) {
    state = "RESOURCE_EXHAUSTED";
    message = "Resource has been exhausted (e.g. check quota).";
  } else if (status == 503) {
    state = "UNAVAILABLE";
    message = "The model is overloaded. Please try again later.";
  } else if (status == 400) {
    state = "INVALID_ARGUMENT";
    message = "Invalid value at 'generation_config.temperature' (TYPE_FLOAT).";
  }
  message.append(echo);
  return "{\n  \"error\": {\n    \"code\": " + std::to_string(status) + ",\n    \"message\": \"" +
         message + "\",\n    \"status\": \"" + state + "\"\n  }\n}\n";
}

std::string BedrockAnswerBody(const AnswerSpec& a) {
  JsonWriter w(a.content.size() + 400);
  w.BeginObject().Key("output").BeginObject().Key("message").BeginObject();
  w.Key("role").String("assistant").Key("content").BeginArray();
  if (!a.content.empty() || a.calls.empty()) {
    w.BeginObject().Key("text").String(a.content).EndObject();
  }
  for (const FakeCall& c : a.calls) {
    w.BeginObject().Key("toolUse").BeginObject().Key("toolUseId").String(c.id);
    w.Key("name").String(c.name).Key("input").Raw(c.arguments).EndObject().EndObject();
  }
  w.EndArray().EndObject().EndObject();
  w.Key("stopReason").String(BedrockStop(a));
  w.Key("usage").BeginObject().Key("inputTokens").Int(a.input_tokens);
  w.Key("outputTokens").Int(a.output_tokens);
  w.Key("totalTokens").Int(a.input_tokens + a.output_tokens).EndObject();
  w.Key("metrics").BeginObject().Key("latencyMs").Int(250).EndObject().EndObject();
  return w.Take();
}

StreamEvents BedrockAnswerStream(const AnswerSpec& a) {
  StreamEvents out;
  out.events.push_back(BedrockEvent("messageStart", R"({"p":"abcdefgh","role":"assistant"})"));
  out.preamble = 1;
  for (const std::string& p : TextPieces(a.content, 12)) {
    JsonWriter d(p.size() + 80);
    d.BeginObject().Key("contentBlockIndex").Int(0).Key("delta").BeginObject();
    d.Key("text").String(p).EndObject().Key("p").String("abcd").EndObject();
    out.events.push_back(BedrockEvent("contentBlockDelta", d.Take()));
  }
  if (!a.content.empty()) {
    out.events.push_back(BedrockEvent("contentBlockStop", R"({"contentBlockIndex":0})"));
  }
  for (size_t i = 0; i < a.calls.size(); ++i) {
    const FakeCall& c = a.calls[i];
    int64_t block = static_cast<int64_t>(i) + (a.content.empty() ? 0 : 1);
    JsonWriter open(c.name.size() + 120);
    open.BeginObject().Key("contentBlockIndex").Int(block).Key("start").BeginObject();
    open.Key("toolUse").BeginObject().Key("toolUseId").String(c.id).Key("name").String(c.name);
    open.EndObject().EndObject().EndObject();
    out.events.push_back(BedrockEvent("contentBlockStart", open.Take()));
    for (const std::string& p : TextPieces(c.arguments, 8)) {
      JsonWriter d(p.size() + 100);
      d.BeginObject().Key("contentBlockIndex").Int(block).Key("delta").BeginObject();
      d.Key("toolUse").BeginObject().Key("input").String(p).EndObject().EndObject().EndObject();
      out.events.push_back(BedrockEvent("contentBlockDelta", d.Take()));
    }
    out.events.push_back(
        BedrockEvent("contentBlockStop", R"({"contentBlockIndex":)" + std::to_string(block) + "}"));
  }
  out.text_events = out.events.size() - out.preamble;
  out.events.push_back(BedrockEvent("messageStop", R"({"stopReason":")" + BedrockStop(a) + "\"}"));
  JsonWriter m(200);
  m.BeginObject().Key("usage").BeginObject().Key("inputTokens").Int(a.input_tokens);
  m.Key("outputTokens").Int(a.output_tokens);
  m.Key("totalTokens").Int(a.input_tokens + a.output_tokens).EndObject();
  m.Key("metrics").BeginObject().Key("latencyMs").Int(250).EndObject().EndObject();
  out.events.push_back(BedrockEvent("metadata", m.Take()));
  return out;
}

std::string BedrockErrorType(int status, std::string_view kind) {
  if (kind == "context" || status == 400) return "ValidationException";
  if (kind == "not_ready") return "ModelNotReadyException";
  if (kind == "auth" || status == 403) return "UnrecognizedClientException";
  if (status == 429) return "ThrottlingException";
  if (status == 503) return "ServiceUnavailableException";
  return "InternalServerException";
}

std::string BedrockErrorBody(int status, std::string_view kind, std::string_view echo) {
  std::string type = BedrockErrorType(status, kind), message = "Internal server error";
  if (kind == "context") {
    message = "Input is too long for requested model.";
  } else if (type == "ModelNotReadyException") {
    message =
        "Model is not ready to serve inference requests. The AWS SDK will automatically "
        "retry the operation up to 5 times.";
  } else if (type == "UnrecognizedClientException") {
    message = "The security token included in the request is invalid.";
  } else if (type == "ThrottlingException") {
    message = "Too many requests, please wait before trying again.";
  } else if (type == "ServiceUnavailableException") {
    message = "Bedrock is unable to process your request.";
  } else if (type == "ValidationException") {
    message = "Malformed input request, please reformat your input and try again.";
  }
  return "{\"message\":\"" + message + std::string(echo) + "\"}";
}

std::string BedrockStreamError(std::string_view echo) {
  return switchyard::EncodeEventStreamMessage(
      {{":exception-type", "modelStreamErrorException"},
       {":content-type", "application/json"},
       {":message-type", "exception"}},
      "{\"message\":\"The model stream was interrupted." + std::string(echo) + "\"}");
}

}  // namespace fake
