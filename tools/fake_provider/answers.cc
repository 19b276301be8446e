#include "answers.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "base/json_writer.h"

namespace fake {

using switchyard::JsonWriter;

namespace {

// Azure's content-filter verdicts, all clear, on the prompt and on each choice.
constexpr const char* kAzureFilterResults =
    R"({"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}})";

}  // namespace

std::string AnswerBody(Api api, const AnswerSpec& a) {
  if (api == Api::kGemini) return GeminiAnswerBody(a);
  if (api == Api::kBedrock) return BedrockAnswerBody(a);
  JsonWriter w(a.content.size() + 512);
  if (api == Api::kOpenAI || api == Api::kAzure) {
    w.BeginObject()
        .Key("id")
        .String("chatcmpl-fake" + std::to_string(a.serial))
        .Key("object")
        .String("chat.completion")
        .Key("created")
        .Int(1700000000)
        .Key("model")
        .String(a.model)
        .Key("choices")
        .BeginArray()
        .BeginObject()
        .Key("index")
        .Int(0)
        .Key("message")
        .BeginObject()
        .Key("role")
        .String("assistant")
        .Key("content");
    if (a.content.empty() && !a.calls.empty()) {
      w.Raw("null");
    } else {
      w.String(a.content);
    }
    if (!a.calls.empty()) {
      w.Key("tool_calls").BeginArray();
      for (const FakeCall& c : a.calls) {
        w.BeginObject().Key("id").String(c.id).Key("type").String("function");
        w.Key("function").BeginObject().Key("name").String(c.name);
        w.Key("arguments").String(c.arguments).EndObject().EndObject();
      }
      w.EndArray();
    }
    w.Key("refusal")
        .Raw("null")
        .Key("annotations")
        .BeginArray()
        .EndArray()
        .EndObject()
        .Key("logprobs")
        .Raw("null");
    if (api == Api::kAzure) w.Key("content_filter_results").Raw(kAzureFilterResults);
    w.Key("finish_reason")
        .String(!a.finish.empty() ? a.finish
                : a.calls.empty() ? "stop"
                                  : "tool_calls")
        .EndObject()
        .EndArray()
        .Key("usage")
        .BeginObject()
        .Key("prompt_tokens")
        .Int(a.input_tokens)
        .Key("completion_tokens")
        .Int(a.output_tokens)
        .Key("total_tokens")
        .Int(a.input_tokens + a.output_tokens)
        .EndObject()
        .Key("service_tier")
        .String("default")
        .Key("system_fingerprint")
        .String("fp_fake");
    if (api == Api::kAzure) {
      w.Key("prompt_filter_results").BeginArray().BeginObject().Key("prompt_index").Int(0);
      w.Key("content_filter_results").Raw(kAzureFilterResults).EndObject().EndArray();
    }
    w.EndObject();
    return w.Take();
  }
  std::string stop = a.calls.empty() ? "end_turn" : "tool_use";
  if (a.finish == "length") stop = "max_tokens";
  if (a.finish == "content_filter") stop = "refusal";
  w.BeginObject()
      .Key("model")
      .String(a.model)
      .Key("id")
      .String("msg_fake" + std::to_string(a.serial))
      .Key("type")
      .String("message")
      .Key("role")
      .String("assistant")
      .Key("content")
      .BeginArray();
  if (!a.content.empty()) {
    w.BeginObject().Key("type").String("text").Key("text").String(a.content).EndObject();
  }
  for (const FakeCall& c : a.calls) {
    w.BeginObject().Key("type").String("tool_use").Key("id").String(c.id);
    w.Key("name").String(c.name).Key("input").Raw(c.arguments).EndObject();
  }
  w.EndArray()
      .Key("stop_reason")
      .String(stop)
      .Key("stop_sequence")
      .Raw("null")
      .Key("usage")
      .BeginObject()
      .Key("input_tokens")
      .Int(a.input_tokens)
      .Key("cache_creation_input_tokens")
      .Int(0)
      .Key("cache_read_input_tokens")
      .Int(0)
      .Key("output_tokens")
      .Int(a.output_tokens)
      .EndObject()
      .EndObject();
  return w.Take();
}

std::vector<std::string> TextPieces(const std::string& text, size_t n) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + n);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

namespace {

std::string Sse(std::string_view event, const std::string& data) {
  std::string s;
  if (!event.empty()) s.append("event: ").append(event).append("\n");
  return s.append("data: ").append(data).append("\n\n");
}

}  // namespace

StreamEvents AnswerStream(Api api, const AnswerSpec& a) {
  if (api == Api::kGemini) return GeminiAnswerStream(a);
  if (api == Api::kBedrock) return BedrockAnswerStream(a);
  StreamEvents out;
  std::vector<std::string> pieces = TextPieces(a.content, 12);
  if (api == Api::kOpenAI || api == Api::kAzure) {
    std::string id = "chatcmpl-fake" + std::to_string(a.serial);
    auto chunk = [&](const std::string& delta, const std::string& finish) {
      JsonWriter w(delta.size() + 200);
      w.BeginObject().Key("id").String(id).Key("object").String("chat.completion.chunk");
      w.Key("created").Int(1700000000).Key("model").String(a.model).Key("choices").BeginArray();
      w.BeginObject().Key("index").Int(0).Key("delta").Raw(delta).Key("finish_reason");
      if (finish.empty()) {
        w.Raw("null");
      } else {
        w.String(finish);
      }
      w.EndObject().EndArray().EndObject();
      return Sse("", w.Take());
    };
    if (api == Api::kAzure) {
      // Azure's stream opens with the prompt's filter verdicts, and no choices
      // (tests/providers/testdata/openai-compatible/azure_stream_prompt_filter.sse).
      out.events.push_back(Sse(
          "",
          std::string(
              R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":)") +
              kAzureFilterResults + "}]}"));
    }
    out.events.push_back(chunk(R"({"role":"assistant","content":"","refusal":null})", ""));
    out.preamble = out.events.size();
    for (const std::string& p : pieces) {
      JsonWriter d(p.size() + 20);
      d.BeginObject().Key("content").String(p).EndObject();
      out.events.push_back(chunk(d.Take(), ""));
    }
    // OpenAI's shape: a call opens with its index, id, type, name and empty arguments; its
    // arguments follow in pieces carrying only the index.
    for (size_t i = 0; i < a.calls.size(); ++i) {
      const FakeCall& c = a.calls[i];
      JsonWriter open(c.name.size() + 160);
      open.BeginObject().Key("tool_calls").BeginArray().BeginObject();
      open.Key("index").Int(static_cast<int64_t>(i)).Key("id").String(c.id);
      open.Key("type").String("function").Key("function").BeginObject();
      open.Key("name").String(c.name).Key("arguments").String("").EndObject();
      open.EndObject().EndArray().EndObject();
      out.events.push_back(chunk(open.Take(), ""));
      for (const std::string& p : TextPieces(c.arguments, 8)) {
        JsonWriter d(p.size() + 80);
        d.BeginObject().Key("tool_calls").BeginArray().BeginObject();
        d.Key("index").Int(static_cast<int64_t>(i)).Key("function").BeginObject();
        d.Key("arguments").String(p).EndObject().EndObject().EndArray().EndObject();
        out.events.push_back(chunk(d.Take(), ""));
      }
    }
    out.text_events = out.events.size() - out.preamble;
    out.events.push_back(chunk("{}", !a.finish.empty() ? a.finish
                                     : a.calls.empty() ? "stop"
                                                       : "tool_calls"));
    JsonWriter u(200);
    u.BeginObject().Key("id").String(id).Key("object").String("chat.completion.chunk");
    u.Key("created").Int(1700000000).Key("model").String(a.model);
    u.Key("choices").BeginArray().EndArray().Key("usage").BeginObject();
    u.Key("prompt_tokens").Int(a.input_tokens).Key("completion_tokens").Int(a.output_tokens);
    u.Key("total_tokens").Int(a.input_tokens + a.output_tokens).EndObject().EndObject();
    out.events.push_back(Sse("", u.Take()));
    out.events.push_back(Sse("", "[DONE]"));
    return out;
  }
  std::string stop = a.calls.empty() ? "end_turn" : "tool_use";
  if (a.finish == "length") stop = "max_tokens";
  if (a.finish == "content_filter") stop = "refusal";
  JsonWriter start(300);
  start.BeginObject().Key("type").String("message_start").Key("message").BeginObject();
  start.Key("id").String("msg_fake" + std::to_string(a.serial)).Key("type").String("message");
  start.Key("role").String("assistant").Key("model").String(a.model);
  start.Key("content").BeginArray().EndArray().Key("stop_reason").Raw("null");
  start.Key("usage").BeginObject().Key("input_tokens").Int(a.input_tokens);
  start.Key("output_tokens").Int(1).EndObject().EndObject().EndObject();
  out.events.push_back(Sse("message_start", start.Take()));
  out.events.push_back(
      Sse("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"));
  out.events.push_back(Sse("ping", R"({"type": "ping"})"));
  out.preamble = 3;
  for (const std::string& p : pieces) {
    JsonWriter d(p.size() + 100);
    d.BeginObject().Key("type").String("content_block_delta").Key("index").Int(0);
    d.Key("delta").BeginObject().Key("type").String("text_delta").Key("text").String(p);
    d.EndObject().EndObject();
    out.events.push_back(Sse("content_block_delta", d.Take()));
  }
  out.events.push_back(Sse("content_block_stop", R"({"type":"content_block_stop","index":0})"));
  // Anthropic's shape: each call a tool_use block of its own (the text block is index 0),
  // its input in input_json_delta pieces, the first of them empty.
  for (size_t i = 0; i < a.calls.size(); ++i) {
    const FakeCall& c = a.calls[i];
    int64_t block = static_cast<int64_t>(i) + 1;
    JsonWriter open(c.name.size() + 160);
    open.BeginObject().Key("type").String("content_block_start").Key("index").Int(block);
    open.Key("content_block").BeginObject().Key("type").String("tool_use").Key("id").String(c.id);
    open.Key("name").String(c.name).Key("input").Raw("{}").EndObject().EndObject();
    out.events.push_back(Sse("content_block_start", open.Take()));
    std::vector<std::string> parts = TextPieces(c.arguments, 8);
    parts.insert(parts.begin(), "");
    for (const std::string& p : parts) {
      JsonWriter d(p.size() + 120);
      d.BeginObject().Key("type").String("content_block_delta").Key("index").Int(block);
      d.Key("delta").BeginObject().Key("type").String("input_json_delta");
      d.Key("partial_json").String(p).EndObject().EndObject();
      out.events.push_back(Sse("content_block_delta", d.Take()));
    }
    out.events.push_back(Sse("content_block_stop", R"({"type":"content_block_stop","index":)" +
                                                       std::to_string(block) + "}"));
  }
  out.text_events = out.events.size() - out.preamble;
  JsonWriter md(200);
  md.BeginObject().Key("type").String("message_delta").Key("delta").BeginObject();
  md.Key("stop_reason").String(stop).Key("stop_sequence").Raw("null").EndObject();
  md.Key("usage").BeginObject().Key("output_tokens").Int(a.output_tokens).EndObject().EndObject();
  out.events.push_back(Sse("message_delta", md.Take()));
  out.events.push_back(Sse("message_stop", R"({"type":"message_stop"})"));
  return out;
}

std::string KeyEcho(std::string_view key) {
  if (key.empty()) return "";
  std::string escaped;
  char buf[8];
  for (char c : key) {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
    escaped += buf;
  }
  std::string_view bare =
      key.substr(key.find_last_of('-') == std::string_view::npos ? 0 : key.find_last_of('-') + 1);
  std::string_view last8 = key.substr(key.size() > 8 ? key.size() - 8 : 0);
  std::string_view last4 = key.substr(key.size() > 4 ? key.size() - 4 : 0);
  std::string out = " (request had key ";
  out.append(key).append(", escaped ").append(escaped).append(", bare ").append(bare);
  out.append("; Incorrect API key provided: ").append(key.substr(0, 5)).append("*****");
  out.append(last4).append(". Masked: sk-...").append(last4).append(", tail ...").append(last8);
  return out.append(")");
}

std::string StreamErrorEvent(Api api, std::string_view echo) {
  if (api == Api::kBedrock) return BedrockStreamError(echo);
  if (api == Api::kGemini) {
    return R"(data: {"error":{"code":503,"message":"The model is overloaded.)" + std::string(echo) +
           "\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n";
  }
  if (api == Api::kOpenAI || api == Api::kAzure) {
    std::string data =
        "{\"error\":{\"message\":\"The server had an error while processing your "
        "request.";
    data.append(echo).append("\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
    return Sse("", data);
  }
  // The recorded layout (tests/providers/testdata/anthropic/stream_error.sse), padding too.
  std::string data =
      R"({"type":"error","error":{"details":null,"type":"overloaded_error","message":"Overloaded)";
  data.append(echo).append("\"}              }");
  return Sse("error", data);
}

std::string ErrorBody(Api api, int status, std::string_view kind, std::string_view echo) {
  if (api == Api::kGemini) return GeminiErrorBody(status, kind, echo);
  if (api == Api::kBedrock) return BedrockErrorBody(status, kind, echo);
  if (kind == "no_tools") {
    // Ollama's, for a model whose template has no tools (tests/providers/testdata/
    // openai-compatible/ollama_error_no_tools.json).
    return std::string(R"({"error":{"message":"fake-local:latest does not support tools)") +
           std::string(echo) + R"(","type":"api_error","param":null,"code":null}})";
  }
  if (kind == "content_filter") {
    // Azure's, for a prompt its filter refused.
    return std::string(
               R"({"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.)") +
           std::string(echo) +
           R"(","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"}}}}})";
  }
  if (api == Api::kOpenAI || api == Api::kAzure) {
    std::string type = "server_error", code = "null",
                message =
                    "The server had an error while processing your request. Sorry about that!";
    if (kind == "context") {
      type = "invalid_request_error";
      code = "\"context_length_exceeded\"";
      message =
          "This model's maximum context length is 4097 tokens. However, your messages "
          "resulted in 4363 tokens. Please reduce the length of the messages.";
    } else if (kind == "auth" || status == 401) {
      type = "invalid_request_error";
      code = "\"invalid_api_key\"";
      message =
          "Incorrect API key provided: sk-fa*****************************cdef. You can find "
          "your API key at https://platform.openai.com/account/api-keys.";
    } else if (status == 429) {
      type = "tokens";
      code = "\"rate_limit_exceeded\"";
      message =
          "Rate limit reached for gpt-4o in organization org-fake on tokens per min (TPM): "
          "Limit 30000, Used 30000, Requested 500. Please try again in 1s.";
    } else if (status == 400) {
      type = "invalid_request_error";
      message = "Invalid value for 'temperature'.";
    }
    message.append(echo);
    return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type +
           "\",\"param\":null,\"code\":" + code + "}}";
  }
  std::string type = "api_error", message = "Internal server error";
  if (kind == "context") {
    type = "invalid_request_error";
    message = "prompt is too long: 205351 tokens > 200000 maximum";
  } else if (kind == "auth" || status == 401) {
    type = "authentication_error";
    message = "invalid x-api-key";
  } else if (status == 429) {
    type = "rate_limit_error";
    message =
        "This request would exceed your organization's rate limit of 40,000 input tokens per "
        "minute.";
  } else if (status == 529 || status == 503) {
    type = "overloaded_error";
    message = "Overloaded";
  } else if (status == 400) {
    type = "invalid_request_error";
    message = "temperature: range: 0..1";
  }
  message.append(echo);
  return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message +
         "\"},\"request_id\":\"req_fake\"}";
}

}  // namespace fake
