#include "wire/bedrock_converse.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "base/json_writer.h"
#include "chat/data_url.h"
#include "wire/anthropic_messages.h"
#include "wire/body_size.h"
#include "wire/error_body.h"
#include "wire/json_read.h"
#include "wire/tool_ids.h"

namespace switchyard {
namespace {

struct Turn {
  std::string role;  // "user" or "assistant"
  std::vector<std::string> blocks;
};

std::string TextBlock(std::string_view text) {
  JsonWriter w(text.size() + 16);
  w.BeginObject().Key("text").String(text).EndObject();
  return w.Take();
}

// "image/png" -> "png": Converse names the format, not the media type.
std::string FormatOf(std::string_view media_type) {
  size_t slash = media_type.find('/');
  std::string f(slash == std::string_view::npos ? media_type : media_type.substr(slash + 1));
  return f == "jpg" ? "jpeg" : f;
}

std::string ImageBlock(const ContentPart& p) {
  DataUrl data;
  ParseDataUrl(p.image_url, &data);  // a URL never gets here (BedrockCannotCarry)
  JsonWriter w(data.data.size() + 96);
  w.BeginObject().Key("image").BeginObject().Key("format").String(FormatOf(data.media_type));
  w.Key("source").BeginObject().Key("bytes").String(data.data).EndObject();
  w.EndObject().EndObject();
  return w.Take();
}

std::string ToolUseBlock(const ToolCall& c) {
  JsonWriter w(c.arguments.size() + 96);
  w.BeginObject().Key("toolUse").BeginObject().Key("toolUseId").String(AnthropicToolId(c.id));
  w.Key("name").String(c.name).Key("input").Raw(c.arguments.empty() ? "{}" : c.arguments);
  w.EndObject().EndObject();
  return w.Take();
}

std::string ToolResultBlock(const Message& m) {
  std::string text = TextOf(m);
  JsonWriter w(text.size() + 96);
  w.BeginObject().Key("toolResult").BeginObject();
  w.Key("toolUseId").String(AnthropicToolId(m.tool_call_id));
  w.Key("content").BeginArray().Raw(TextBlock(text)).EndArray();
  if (m.is_error) w.Key("status").String("error");
  w.EndObject().EndObject();
  return w.Take();
}

std::vector<Turn> TurnsOf(const std::vector<Message>& messages) {
  std::vector<Turn> turns;
  for (const Message& m : messages) {
    if (m.role == "system") continue;
    Turn t;
    t.role = m.role == "assistant" ? "assistant" : "user";
    if (m.role == "tool") {
      t.blocks.push_back(ToolResultBlock(m));
    } else if (!m.parts.empty()) {
      for (const ContentPart& p : m.parts) {
        t.blocks.push_back(p.kind == ContentPart::Kind::kImage ? ImageBlock(p) : TextBlock(p.text));
      }
    } else if (!m.content.empty() || m.tool_calls.empty()) {
      // Converse refuses empty text blocks, except as a whole message's only text.
      t.blocks.push_back(TextBlock(m.content));
    }
    for (const ToolCall& c : m.tool_calls) t.blocks.push_back(ToolUseBlock(c));
    // Roles must alternate: tool results answering parallel calls, then the user's text,
    // go as one message.
    if (!turns.empty() && turns.back().role == t.role) {
      for (std::string& b : t.blocks) turns.back().blocks.push_back(std::move(b));
    } else {
      turns.push_back(std::move(t));
    }
  }
  return turns;
}

void WriteToolSpec(JsonWriter& w, std::string_view name, std::string_view description,
                   std::string_view schema) {
  w.BeginObject().Key("toolSpec").BeginObject().Key("name").String(name);
  if (!description.empty()) w.Key("description").String(description);
  w.Key("inputSchema").BeginObject().Key("json");
  w.Raw(schema.empty() ? R"({"type":"object","properties":{}})" : schema);
  w.EndObject().EndObject().EndObject();
}

void WriteTools(JsonWriter& w, const CompleteRequest& req, const std::vector<Message>& messages,
                const AnswerTool& answer) {
  // Converse refuses toolUse and toolResult blocks unless their tools are declared: a
  // function the history called that the request no longer offers is declared with an open
  // schema.
  std::vector<std::string_view> called = CalledFunctions(messages);
  // Converse has no "none": a request that forbids calls is sent only the tools its history
  // needs declared, and no toolChoice.
  bool none = req.tool_choice.mode == "none" && answer.name.empty();
  std::vector<const Tool*> offered;
  for (const Tool& t : req.tools) {
    if (!none || std::find(called.begin(), called.end(), t.name) != called.end()) {
      offered.push_back(&t);
    }
  }
  std::vector<std::string_view> undeclared = CalledFunctions(messages, &req.tools);
  if (offered.empty() && undeclared.empty() && answer.name.empty()) return;
  w.Key("toolConfig").BeginObject().Key("tools").BeginArray();
  for (const Tool* t : offered) WriteToolSpec(w, t->name, t->description, t->parameters);
  for (std::string_view name : undeclared) WriteToolSpec(w, name, "", R"({"type":"object"})");
  if (!answer.name.empty()) {
    WriteToolSpec(w, answer.name, kAnswerToolDescription, AnswerToolSchema(req, answer));
  }
  w.EndArray();
  const ToolChoice& c = req.tool_choice;
  if (!answer.name.empty()) {
    w.Key("toolChoice").BeginObject();
    if (req.tools.empty()) {
      w.Key("tool").BeginObject().Key("name").String(answer.name).EndObject();
    } else {
      w.Key("any").BeginObject().EndObject();
    }
    w.EndObject();
  } else if (!none && (c.mode == "required" || c.mode == "function" || c.mode == "auto")) {
    w.Key("toolChoice").BeginObject();
    if (c.mode == "function") {
      w.Key("tool").BeginObject().Key("name").String(c.name).EndObject();
    } else {
      w.Key(c.mode == "required" ? "any" : "auto").BeginObject().EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string BedrockCannotCarry(const CompleteRequest& req) {
  DataUrl data;
  for (const Message& m : req.messages) {
    for (const ContentPart& p : m.parts) {
      if (p.kind == ContentPart::Kind::kImage && !ParseDataUrl(p.image_url, &data)) {
        return "Bedrock's Converse takes images as bytes, and this request gives one by URL";
      }
    }
  }
  return "";
}

std::string EncodeBedrockRequest(const CompleteRequest& req, const std::vector<Message>& messages,
                                 int64_t max_tokens) {
  std::string system = SystemText(messages);
  JsonWriter w(BodySizeHint(req, messages));
  w.BeginObject().Key("messages").BeginArray();
  for (const Turn& t : TurnsOf(messages)) {
    w.BeginObject().Key("role").String(t.role).Key("content").BeginArray();
    for (const std::string& b : t.blocks) w.Raw(b);
    w.EndArray().EndObject();
  }
  w.EndArray();
  if (!system.empty()) w.Key("system").BeginArray().Raw(TextBlock(system)).EndArray();
  w.Key("inferenceConfig").BeginObject().Key("maxTokens").Int(max_tokens);
  if (req.temperature) w.Key("temperature").Double(*req.temperature);
  if (req.top_p) w.Key("topP").Double(*req.top_p);
  if (!req.stop.empty()) {
    w.Key("stopSequences").BeginArray();
    for (const std::string& s : req.stop) w.String(s);
    w.EndArray();
  }
  w.EndObject();
  WriteTools(w, req, messages, AnswerToolOf(req));
  w.EndObject();
  return w.Take();
}

std::string BedrockFinishReason(std::string_view s) {
  if (s == "guardrail_intervened" || s == "content_filtered") return "content_filter";
  return AnthropicFinishReason(s);
}

ParsedResponse ClassifyBedrockError(int64_t status, std::string_view type,
                                    std::string_view message) {
  // The header says "ThrottlingException:http://internal.amazon.com/coral/..."; a stream's
  // exception says "throttlingException".
  type = type.substr(0, type.find(':'));
  std::string t = Lower(type);
  ErrorBody e;
  e.type.assign(type);
  e.message.assign(message);
  if (t == "throttlingexception" || t == "servicequotaexceededexception") {
    status = 429;
  } else if (t == "modelnotreadyexception" || t == "serviceunavailableexception" ||
             t == "internalserverexception" || t == "modeltimeoutexception" ||
             t == "modelerrorexception" || t == "modelstreamerrorexception") {
    status = status >= 500 ? status : 503;
  } else if (t == "resourcenotfoundexception") {
    status = 404;
  } else if (t == "validationexception" && status < 400) {
    status = 400;
  }
  return ClassifyHttpError(status, e);
}

ParsedResponse DecodeBedrockResponse(const HttpReply& reply, const CompleteRequest& req) {
  ParsedResponse r;
  if (reply.status < 200 || reply.status >= 300) {
    // AWS's JSON errors: {"message"} or {"Message"}, the type in the x-amzn-ErrorType
    // header and sometimes in the body's "__type" too.
    ErrorBody body = ReadErrorBody(reply.body);
    std::string_view type = reply.error_type;
    std::string body_type;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(reply.body.data(), reply.body.size()).get(doc) == simdjson::SUCCESS) {
      if (body.message.empty()) body.message = StringOr(doc["Message"]);
      body_type = StringOr(doc["__type"]);
      // "__type" may carry a namespace: "com.amazon.coral.service#UnrecognizedClientException".
      body_type = body_type.substr(body_type.find('#') + 1);
    }
    if (type.empty()) type = body_type;
    r = ClassifyBedrockError(reply.status, type, body.message);
    r.retry_after_ms = RetryAfterMs(reply.retry_after, reply.retry_after_ms, reply.wall_now_ms);
    return r;
  }
  simdjson::dom::element doc;
  if (!ReadAnswerBody(reply, &doc, &r)) return r;
  simdjson::dom::array blocks;
  if (doc["output"]["message"]["content"].get_array().get(blocks) != simdjson::SUCCESS) {
    return Bad(&r, "answer has no output.message.content array");
  }
  AnswerTool answer = AnswerToolOf(req);
  bool answered = false;
  for (simdjson::dom::element block : blocks) {
    std::string_view text;
    if (block["text"].get_string().get(text) == simdjson::SUCCESS) {
      // Text around the answer tool's call is the model thinking aloud, not the answer.
      if (!answered) r.answer.content.append(text);
      continue;
    }
    simdjson::dom::object use;
    if (block["toolUse"].get_object().get(use) != simdjson::SUCCESS) continue;
    ToolCall call;
    call.id.assign(StringOr(use["toolUseId"]));
    call.name.assign(StringOr(use["name"]));
    simdjson::dom::element input;
    call.arguments = use["input"].get(input) == simdjson::SUCCESS ? simdjson::minify(input) : "{}";
    if (!answer.name.empty() && call.name == answer.name) {
      r.answer.content = UnwrapAnswer(call.arguments, answer.wrapped);
      answered = true;
      continue;
    }
    r.answer.tool_calls.push_back(std::move(call));
  }
  r.answer.finish_reason = answered && r.answer.tool_calls.empty()
                               ? "stop"
                               : BedrockFinishReason(StringOr(doc["stopReason"]));
  simdjson::dom::object usage;
  if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
    int64_t n = 0;
    for (const char* k : {"inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens"}) {
      if (usage[k].get_int64().get(n) == simdjson::SUCCESS) r.answer.usage.input_tokens += n;
    }
    if (usage["outputTokens"].get_int64().get(n) == simdjson::SUCCESS) {
      r.answer.usage.output_tokens = n;
    }
  }
  return r;
}

}  // namespace switchyard
