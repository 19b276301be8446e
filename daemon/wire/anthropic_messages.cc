#include "wire/anthropic_messages.h"

#include <simdjson.h>

#include "base/json_writer.h"
#include "chat/data_url.h"
#include "wire/body_size.h"
#include "wire/error_body.h"
#include "wire/json_read.h"
#include "wire/tool_ids.h"

namespace switchyard {
namespace {

// One message as Anthropic gets it: its role and content blocks, each already JSON. A user
// message of plain text alone is sent as a string.
struct Turn {
  std::string role;
  std::vector<std::string> blocks;
  bool plain = false;
  std::string text;
};

// A cache breakpoint the client set on a block, passed on as it came.
void CacheControl(JsonWriter& w, const std::string& cache_control) {
  if (!cache_control.empty()) w.Key("cache_control").Raw(cache_control);
}

std::string TextBlock(std::string_view text, const std::string& cache_control = "") {
  JsonWriter w(text.size() + 32 + cache_control.size());
  w.BeginObject().Key("type").String("text").Key("text").String(text);
  CacheControl(w, cache_control);
  w.EndObject();
  return w.Take();
}

std::string ImageBlock(const ContentPart& p) {
  JsonWriter w(p.image_url.size() + 96);
  w.BeginObject().Key("type").String("image").Key("source").BeginObject();
  DataUrl data;
  if (ParseDataUrl(p.image_url, &data)) {
    w.Key("type").String("base64").Key("media_type").String(data.media_type);
    w.Key("data").String(data.data);
  } else {
    w.Key("type").String("url").Key("url").String(p.image_url);
  }
  w.EndObject();
  CacheControl(w, p.cache_control);
  w.EndObject();
  return w.Take();
}

std::string ToolUseBlock(const ToolCall& c) {
  JsonWriter w(c.arguments.size() + c.name.size() + 96);
  w.BeginObject().Key("type").String("tool_use").Key("id").String(AnthropicToolId(c.id));
  w.Key("name").String(c.name).Key("input").Raw(c.arguments.empty() ? "{}" : c.arguments);
  CacheControl(w, c.cache_control);
  w.EndObject();
  return w.Take();
}

std::string ToolResultBlock(const Message& m) {
  std::string text = TextOf(m);
  JsonWriter w(text.size() + 96);
  w.BeginObject().Key("type").String("tool_result");
  w.Key("tool_use_id").String(AnthropicToolId(m.tool_call_id));
  w.Key("content").String(text);
  if (m.is_error) w.Key("is_error").Bool(true);
  CacheControl(w, m.cache_control);
  w.EndObject();
  return w.Take();
}

// Consecutive messages of one role become one turn: tool results, then the user's text.
void Add(std::vector<Turn>* turns, Turn t) {
  if (!turns->empty() && turns->back().role == t.role) {
    Turn& last = turns->back();
    if (last.plain) last.blocks.push_back(TextBlock(last.text));
    last.plain = false;
    if (t.plain) t.blocks.push_back(TextBlock(t.text));
    for (std::string& b : t.blocks) last.blocks.push_back(std::move(b));
    return;
  }
  turns->push_back(std::move(t));
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
        t.blocks.push_back(p.kind == ContentPart::Kind::kImage
                               ? ImageBlock(p)
                               : TextBlock(p.text, p.cache_control));
      }
    } else if (m.tool_calls.empty()) {
      t.plain = true;
      t.text = m.content;
    } else if (!m.content.empty()) {
      // Anthropic refuses empty text blocks; a turn that only calls tools has none.
      t.blocks.push_back(TextBlock(m.content));
    }
    for (const ToolCall& c : m.tool_calls) t.blocks.push_back(ToolUseBlock(c));
    Add(&turns, std::move(t));
  }
  return turns;
}

bool SchemaIsObject(std::string_view schema) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type;
  return parser.parse(schema.data(), schema.size()).get(doc) == simdjson::SUCCESS &&
         doc["type"].get_string().get(type) == simdjson::SUCCESS && type == "object";
}

void WriteTool(JsonWriter& w, std::string_view name, std::string_view description,
               std::string_view schema, const std::string& cache_control = "") {
  w.BeginObject().Key("name").String(name);
  if (!description.empty()) w.Key("description").String(description);
  w.Key("input_schema").Raw(schema.empty() ? R"({"type":"object","properties":{}})" : schema);
  CacheControl(w, cache_control);
  w.EndObject();
}

void WriteTools(JsonWriter& w, const CompleteRequest& req, const std::vector<Message>& messages,
                const AnswerTool& answer) {
  // Anthropic refuses tool_use and tool_result blocks in a request that declares no tools:
  // a function the history called and the request no longer offers is declared with an open
  // schema, and (with no tools offered at all) tool_choice none keeps the model from it.
  std::vector<std::string_view> history = CalledFunctions(messages, &req.tools);
  if (req.tools.empty() && history.empty() && answer.name.empty()) return;
  w.Key("tools").BeginArray();
  for (const Tool& t : req.tools) {
    WriteTool(w, t.name, t.description, t.parameters, t.cache_control);
  }
  for (std::string_view name : history) WriteTool(w, name, "", R"({"type":"object"})");
  if (!answer.name.empty()) {
    WriteTool(w, answer.name, kAnswerToolDescription, AnswerToolSchema(req, answer));
  }
  w.EndArray();

  const ToolChoice& c = req.tool_choice;
  std::string type = c.mode == "required" ? "any" : c.mode == "function" ? "tool" : c.mode;
  if (!answer.name.empty()) {
    // The answer must come as the answer tool's input; with other tools offered, as a call
    // to one of them or to it.
    type = req.tools.empty() ? "tool" : "any";
  } else if (req.tools.empty()) {
    type = "none";
  }
  if (type.empty() && !(req.parallel_tool_calls && !*req.parallel_tool_calls)) return;
  if (type.empty()) type = "auto";
  w.Key("tool_choice").BeginObject().Key("type").String(type);
  if (type == "tool") w.Key("name").String(answer.name.empty() ? c.name : answer.name);
  if (type != "none" && req.parallel_tool_calls && !*req.parallel_tool_calls) {
    w.Key("disable_parallel_tool_use").Bool(true);
  }
  w.EndObject();
}

}  // namespace

AnswerTool AnswerToolOf(const CompleteRequest& req) {
  AnswerTool a;
  if (req.json_schema.schema.empty()) return a;
  a.name = "json_answer";
  const std::string& wanted = req.json_schema.name;
  bool usable = !wanted.empty() && wanted.size() <= 64 && !FindTool(req.tools, wanted);
  for (char ch : wanted) {
    usable = usable && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                        (ch >= '0' && ch <= '9') || ch == '_' || ch == '-');
  }
  if (usable) a.name = wanted;
  a.wrapped = !SchemaIsObject(req.json_schema.schema);
  return a;
}

std::string AnswerToolSchema(const CompleteRequest& req, const AnswerTool& answer) {
  if (!answer.wrapped) return req.json_schema.schema;
  return R"({"type":"object","properties":{"value":)" + req.json_schema.schema +
         R"(},"required":["value"]})";
}

std::string UnwrapAnswer(std::string_view input_json, bool wrapped) {
  if (!wrapped) return std::string(input_json);
  simdjson::dom::parser parser;
  simdjson::dom::element doc, value;
  if (parser.parse(input_json.data(), input_json.size()).get(doc) != simdjson::SUCCESS ||
      doc["value"].get(value) != simdjson::SUCCESS) {
    return std::string(input_json);  // the schema check says what is wrong with it
  }
  return simdjson::minify(value);
}

std::string EncodeAnthropicRequest(std::string_view model_id, const CompleteRequest& req,
                                   const std::vector<Message>& messages, int64_t max_tokens) {
  std::string system = SystemText(messages);
  // System text with a cache breakpoint goes as text blocks, each with its own.
  std::vector<std::string> system_blocks;
  bool system_cached = false;
  for (const Message& m : messages) {
    if (m.role != "system") continue;
    if (m.parts.empty()) system_blocks.push_back(TextBlock(m.content));
    for (const ContentPart& p : m.parts) {
      system_blocks.push_back(TextBlock(p.text, p.cache_control));
      system_cached = system_cached || !p.cache_control.empty();
    }
  }
  AnswerTool answer = AnswerToolOf(req);
  JsonWriter w(BodySizeHint(req, messages));
  w.BeginObject().Key("model").String(model_id).Key("max_tokens").Int(max_tokens);
  if (system_cached) {
    w.Key("system").BeginArray();
    for (const std::string& b : system_blocks) w.Raw(b);
    w.EndArray();
  } else if (!system.empty()) {
    w.Key("system").String(system);
  }
  w.Key("messages").BeginArray();
  for (const Turn& t : TurnsOf(messages)) {
    w.BeginObject().Key("role").String(t.role).Key("content");
    if (t.plain) {
      w.String(t.text);
    } else {
      w.BeginArray();
      for (const std::string& b : t.blocks) w.Raw(b);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  if (req.temperature) w.Key("temperature").Double(*req.temperature);
  if (req.top_p) w.Key("top_p").Double(*req.top_p);
  if (req.top_k) w.Key("top_k").Int(*req.top_k);
  if (!req.thinking.empty()) w.Key("thinking").Raw(req.thinking);
  if (!req.stop.empty()) {
    w.Key("stop_sequences").BeginArray();
    for (const std::string& s : req.stop) w.String(s);
    w.EndArray();
  }
  if (!req.user.empty()) {
    w.Key("metadata").BeginObject().Key("user_id").String(req.user).EndObject();
  }
  WriteTools(w, req, messages, answer);
  // Anthropic has no JSON mode; a json request is checked on the way back (answer/).
  if (req.stream) w.Key("stream").Raw("true");
  w.EndObject();
  return w.Take();
}

ParsedResponse DecodeAnthropicResponse(const HttpReply& reply, const CompleteRequest& req) {
  ParsedResponse r;
  simdjson::dom::element doc;
  if (!ReadAnswerBody(reply, &doc, &r)) return r;
  auto bad = [&r](std::string why) { return Bad(&r, std::move(why)); };
  std::string_view sv;
  if (doc["type"].get_string().get(sv) != simdjson::SUCCESS || sv != "message") {
    return bad("answer is not a message object");
  }
  simdjson::dom::array blocks;
  if (doc["content"].get_array().get(blocks) != simdjson::SUCCESS) {
    return bad("answer has no content array");
  }
  AnswerTool answer = AnswerToolOf(req);
  bool answered = false;
  for (simdjson::dom::element block : blocks) {
    if (block["type"].get_string().get(sv) != simdjson::SUCCESS) continue;
    if (sv == "text") {
      // Text after the answer tool's call is thinking aloud too (see below).
      if (!answered && block["text"].get_string().get(sv) == simdjson::SUCCESS) {
        r.answer.content.append(sv);
      }
    } else if (sv == "tool_use") {
      ToolCall call;
      simdjson::dom::element input;
      if (block["id"].get_string().get(sv) == simdjson::SUCCESS) call.id.assign(sv);
      if (block["name"].get_string().get(sv) == simdjson::SUCCESS) call.name.assign(sv);
      if (block["input"].get(input) == simdjson::SUCCESS) call.arguments = simdjson::minify(input);
      if (!answer.name.empty() && call.name == answer.name) {
        // The answer itself, not a call: any text around it was the model thinking aloud.
        r.answer.content = UnwrapAnswer(call.arguments, answer.wrapped);
        answered = true;
        continue;
      }
      r.answer.tool_calls.push_back(std::move(call));
    }
  }
  if (answered && r.answer.tool_calls.empty()) {
    r.answer.finish_reason = "stop";
  } else if (doc["stop_reason"].get_string().get(sv) == simdjson::SUCCESS) {
    r.answer.finish_reason = AnthropicFinishReason(sv);
  }
  simdjson::dom::object usage;
  if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
    int64_t n = 0;
    // Cached prompt tokens are reported apart from input_tokens; all of them filled the window.
    for (const char* k :
         {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}) {
      if (usage[k].get_int64().get(n) == simdjson::SUCCESS) r.answer.usage.input_tokens += n;
    }
    if (usage["output_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
      r.answer.usage.output_tokens = n;
    }
  }
  return r;
}

std::string ReasoningEffortOf(std::string_view thinking) {
  simdjson::dom::element doc;
  std::string_view type;
  int64_t budget = 0;
  if (ParseJson(thinking, 0, &doc) != simdjson::SUCCESS ||
      doc["type"].get_string().get(type) != simdjson::SUCCESS || type != "enabled") {
    return "";
  }
  if (doc["budget_tokens"].get_int64().get(budget) != simdjson::SUCCESS) return "medium";
  return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

std::string AnthropicFinishReason(std::string_view s) {
  if (s == "end_turn" || s == "stop_sequence") return "stop";
  if (s == "max_tokens" || s == "model_context_window_exceeded") return "length";
  if (s == "tool_use") return "tool_calls";
  if (s == "refusal") return "content_filter";
  return std::string(s);
}

}  // namespace switchyard
