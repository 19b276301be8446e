#include "wire/openai_chat.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "base/json_writer.h"
#include "base/utf8.h"
#include "protocol/codec.h"
#include "wire/error_body.h"
#include "wire/json_read.h"
#include "wire/tool_ids.h"

namespace switchyard {
namespace {

Status Bad(const std::string& what) { return Status::InvalidArgument(what); }

std::string TypeName(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      return "an integer";
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

Status Expect(const std::string& path, simdjson::dom::element e, const char* want) {
  return Bad(path + ": expected " + want + ", got " + TypeName(e.type()));
}

Status Text(const std::string& path, simdjson::dom::element e, std::string* out) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Expect(path, e, "a string");
  out->assign(s);
  return Status::Ok();
}

Status Integer(const std::string& path, simdjson::dom::element e, int64_t* out) {
  if (e.get_int64().get(*out) == simdjson::SUCCESS) return Status::Ok();
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS && d == std::floor(d) && std::fabs(d) < 9e15) {
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return Expect(path, e, "an integer");
}

Status Flag(const std::string& path, simdjson::dom::element e, bool* out) {
  if (e.get_bool().get(*out) != simdjson::SUCCESS) return Expect(path, e, "a boolean");
  return Status::Ok();
}

// A JSON value as compact text: tool parameters and schemas travel on as they came.
std::string JsonText(simdjson::dom::element e) { return simdjson::minify(e); }

// One part of a message's content: text, or an image by URL.
Status Part(const std::string& at, simdjson::dom::element part, bool images_allowed,
            ContentPart* out) {
  simdjson::dom::object o;
  if (part.get_object().get(o) != simdjson::SUCCESS) return Expect(at, part, "an object");
  std::string type;
  simdjson::dom::element v;
  if (o["type"].get(v) != simdjson::SUCCESS) return Bad(at + ".type: is required");
  SY_RETURN_IF_ERROR(Text(at + ".type", v, &type));
  if (type == "text") {
    out->kind = ContentPart::Kind::kText;
    if (o["text"].get(v) != simdjson::SUCCESS) return Bad(at + ".text: is required");
    return Text(at + ".text", v, &out->text);
  }
  if (type == "image_url" && images_allowed) {
    out->kind = ContentPart::Kind::kImage;
    simdjson::dom::object image;
    if (o["image_url"].get_object().get(image) != simdjson::SUCCESS) {
      return Bad(at + ".image_url: expected an object with a url");
    }
    if (image["url"].get(v) != simdjson::SUCCESS) return Bad(at + ".image_url.url: is required");
    SY_RETURN_IF_ERROR(Text(at + ".image_url.url", v, &out->image_url));
    if (image["detail"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(Text(at + ".image_url.detail", v, &out->detail));
    }
    return Status::Ok();
  }
  return Bad(at + ".type: " + (images_allowed ? "text and image_url" : "only text") +
             " parts are supported here, got '" + Printable(type) + "'");
}

// A message's content: a string, or an array of parts. Text alone is joined into `content`;
// parts holding an image are kept whole, in order, in `parts`.
Status Content(const std::string& path, simdjson::dom::element e, bool images_allowed,
               Message* out) {
  if (e.is_string()) return Text(path, e, &out->content);
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) {
    return Expect(
        path, e,
        images_allowed ? "a string or an array of parts" : "a string or an array of text parts");
  }
  std::vector<ContentPart> parts;
  bool image = false;
  size_t i = 0;
  for (simdjson::dom::element part : list) {
    ContentPart p;
    SY_RETURN_IF_ERROR(Part(path + "[" + std::to_string(i++) + "]", part, images_allowed, &p));
    image = image || p.kind == ContentPart::Kind::kImage;
    parts.push_back(std::move(p));
  }
  if (image) {
    out->parts = std::move(parts);
    return Status::Ok();
  }
  for (const ContentPart& p : parts) {
    if (!out->content.empty()) out->content += "\n";
    out->content += p.text;
  }
  return Status::Ok();
}

Status ToolCalls(const std::string& path, simdjson::dom::element e, std::vector<ToolCall>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return Expect(path, e, "an array");
  size_t i = 0;
  for (simdjson::dom::element c : list) {
    std::string at = path + "[" + std::to_string(i++) + "]";
    simdjson::dom::object o, fn;
    if (c.get_object().get(o) != simdjson::SUCCESS) return Expect(at, c, "an object");
    ToolCall call;
    simdjson::dom::element v;
    if (o["id"].get(v) != simdjson::SUCCESS) return Bad(at + ".id: is required");
    SY_RETURN_IF_ERROR(Text(at + ".id", v, &call.id));
    std::string type = "function";
    if (o["type"].get(v) == simdjson::SUCCESS) SY_RETURN_IF_ERROR(Text(at + ".type", v, &type));
    if (type != "function") return Bad(at + ".type: only function calls are supported");
    if (o["function"].get_object().get(fn) != simdjson::SUCCESS) {
      return Bad(at + ".function: expected an object with name and arguments");
    }
    if (fn["name"].get(v) != simdjson::SUCCESS) return Bad(at + ".function.name: is required");
    SY_RETURN_IF_ERROR(Text(at + ".function.name", v, &call.name));
    if (fn["arguments"].get(v) == simdjson::SUCCESS) {
      SY_RETURN_IF_ERROR(Text(at + ".function.arguments", v, &call.arguments));
    }
    out->push_back(std::move(call));
  }
  return Status::Ok();
}

Status Messages(simdjson::dom::element e, std::vector<Message>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return Expect("messages", e, "an array");
  size_t i = 0;
  for (simdjson::dom::element m : list) {
    std::string at = "messages[" + std::to_string(i++) + "]";
    simdjson::dom::object o;
    if (m.get_object().get(o) != simdjson::SUCCESS) return Expect(at, m, "an object");
    Message msg;
    simdjson::dom::element v;
    if (o["role"].get(v) != simdjson::SUCCESS) return Bad(at + ".role: is required");
    SY_RETURN_IF_ERROR(Text(at + ".role", v, &msg.role));
    // The newer name for system messages; OpenAI treats the two alike.
    if (msg.role == "developer") msg.role = "system";
    if (msg.role == "function") {
      return Bad(at + ".role: function messages are the deprecated form; send tool messages");
    }
    bool assistant = msg.role == "assistant";
    if (assistant && o["tool_calls"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(ToolCalls(at + ".tool_calls", v, &msg.tool_calls));
    }
    // An assistant turn that only calls tools may leave its content out or null.
    if (o["content"].get(v) != simdjson::SUCCESS || v.is_null()) {
      if (!(assistant && !msg.tool_calls.empty())) return Bad(at + ".content: is required");
    } else {
      SY_RETURN_IF_ERROR(Content(at + ".content", v, msg.role == "user", &msg));
    }
    if (msg.role == "tool") {
      if (o["tool_call_id"].get(v) != simdjson::SUCCESS) {
        return Bad(at + ".tool_call_id: is required for tool messages");
      }
      SY_RETURN_IF_ERROR(Text(at + ".tool_call_id", v, &msg.tool_call_id));
    }
    for (auto field : o) {
      std::string_view k = field.key;
      bool known =
          k == "role" || k == "content" || k == "name" ||
          (assistant && (k == "tool_calls" || (k == "refusal" && field.value.is_null()))) ||
          (msg.role == "tool" && k == "tool_call_id");
      if (!known) return Bad(at + "." + Printable(k) + ": not supported");
    }
    out->push_back(std::move(msg));
  }
  return Status::Ok();
}

Status Tools(simdjson::dom::element e, std::vector<Tool>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return Expect("tools", e, "an array");
  size_t i = 0;
  for (simdjson::dom::element t : list) {
    std::string at = "tools[" + std::to_string(i++) + "]";
    simdjson::dom::object o, fn;
    if (t.get_object().get(o) != simdjson::SUCCESS) return Expect(at, t, "an object");
    std::string type;
    simdjson::dom::element v;
    if (o["type"].get(v) != simdjson::SUCCESS) return Bad(at + ".type: is required");
    SY_RETURN_IF_ERROR(Text(at + ".type", v, &type));
    if (type != "function") {
      return Bad(at + ".type: only function tools are supported, got '" + Printable(type) + "'");
    }
    if (o["function"].get_object().get(fn) != simdjson::SUCCESS) {
      return Bad(at + ".function: expected an object");
    }
    Tool tool;
    if (fn["name"].get(v) != simdjson::SUCCESS) return Bad(at + ".function.name: is required");
    SY_RETURN_IF_ERROR(Text(at + ".function.name", v, &tool.name));
    if (fn["description"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(Text(at + ".function.description", v, &tool.description));
    }
    if (fn["parameters"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      if (!v.is_object()) return Expect(at + ".function.parameters", v, "a JSON Schema object");
      tool.parameters = JsonText(v);
    }
    if (fn["strict"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(Flag(at + ".function.strict", v, &tool.strict));
    }
    for (auto field : fn) {
      std::string_view k = field.key;
      if (k != "name" && k != "description" && k != "parameters" && k != "strict") {
        return Bad(at + ".function." + Printable(k) + ": not supported");
      }
    }
    out->push_back(std::move(tool));
  }
  return Status::Ok();
}

Status ToolChoiceOf(simdjson::dom::element e, ToolChoice* out) {
  if (e.is_string()) {
    SY_RETURN_IF_ERROR(Text("tool_choice", e, &out->mode));
    if (out->mode != "auto" && out->mode != "none" && out->mode != "required") {
      return Bad("tool_choice: expected auto, none, required or a function, got '" +
                 Printable(out->mode) + "'");
    }
    return Status::Ok();
  }
  std::string_view name;
  if (!e.is_object() || e["function"]["name"].get_string().get(name) != simdjson::SUCCESS) {
    return Bad(
        "tool_choice: expected \"auto\", \"none\", \"required\" or "
        "{\"type\": \"function\", \"function\": {\"name\": ...}}");
  }
  out->mode = "function";
  out->name.assign(name);
  return Status::Ok();
}

Status ResponseFormatOf(simdjson::dom::element v, CompleteRequest* req) {
  simdjson::dom::element t;
  std::string type;
  if (!v.is_object() || v["type"].get(t) != simdjson::SUCCESS) {
    return Bad(
        "response_format: expected {\"type\": \"text\" | \"json_object\" | \"json_schema\"}");
  }
  SY_RETURN_IF_ERROR(Text("response_format.type", t, &type));
  if (type == "text") return Status::Ok();
  if (type == "json_object") {
    req->json = true;
    return Status::Ok();
  }
  if (type != "json_schema") {
    return Bad("response_format.type: expected text, json_object or json_schema, got '" +
               Printable(type) + "'");
  }
  simdjson::dom::object js;
  if (v["json_schema"].get_object().get(js) != simdjson::SUCCESS) {
    return Bad("response_format.json_schema: expected {\"name\", \"schema\", \"strict\"}");
  }
  simdjson::dom::element f;
  if (js["name"].get(f) != simdjson::SUCCESS) {
    return Bad("response_format.json_schema.name: is required");
  }
  SY_RETURN_IF_ERROR(Text("response_format.json_schema.name", f, &req->json_schema.name));
  if (js["schema"].get(f) != simdjson::SUCCESS || !f.is_object()) {
    return Bad("response_format.json_schema.schema: expected a JSON Schema object");
  }
  req->json_schema.schema = JsonText(f);
  if (js["strict"].get(f) == simdjson::SUCCESS && !f.is_null()) {
    SY_RETURN_IF_ERROR(Flag("response_format.json_schema.strict", f, &req->json_schema.strict));
  }
  req->json = true;
  return Status::Ok();
}

Status Stop(simdjson::dom::element v, std::vector<std::string>* out) {
  if (v.is_string()) {
    out->emplace_back();
    return Text("stop", v, &out->back());
  }
  simdjson::dom::array list;
  if (v.get_array().get(list) != simdjson::SUCCESS) {
    return Expect("stop", v, "a string or an array of strings");
  }
  size_t i = 0;
  for (simdjson::dom::element s : list) {
    out->emplace_back();
    SY_RETURN_IF_ERROR(Text("stop[" + std::to_string(i++) + "]", s, &out->back()));
  }
  return Status::Ok();
}

// Accepted for compatibility and not acted on: said in x-switchyard-ignored.
constexpr std::string_view kIgnorable[] = {"presence_penalty", "frequency_penalty", "logit_bias",
                                           "logprobs",         "top_logprobs",      "store",
                                           "service_tier",     "prediction"};

}  // namespace

Status ParseChatCompletion(std::string_view body, ChatCompletionRequest* out,
                           const ChatHeaders& headers) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (simdjson::error_code ec = parser.parse(body.data(), body.size(), true).get(doc);
      ec != simdjson::SUCCESS) {
    return Bad(std::string("the body is not valid JSON: ") + simdjson::error_message(ec));
  }
  simdjson::dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return Expect("body", doc, "an object");
  ChatCompletionRequest r;
  CompleteRequest& req = r.req;
  req.max_tokens = kDefaultMaxTokens;
  req.task = headers.task;
  req.deadline_ms = headers.deadline_ms;
  bool have_model = false, have_messages = false;
  for (auto field : top) {
    std::string key(field.key);
    simdjson::dom::element v = field.value;
    if (key == "model") {
      SY_RETURN_IF_ERROR(Text("model", v, &req.route));
      have_model = true;
    } else if (key == "messages") {
      SY_RETURN_IF_ERROR(Messages(v, &req.messages));
      have_messages = true;
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Integer(key, v, &req.max_tokens));
    } else if (key == "temperature" || key == "top_p") {
      double t;
      if (v.is_null()) continue;
      if (v.get_double().get(t) != simdjson::SUCCESS) return Expect(key, v, "a number");
      (key == "top_p" ? req.top_p : req.temperature) = t;
    } else if (key == "seed") {
      int64_t seed = 0;
      if (v.is_null()) continue;
      SY_RETURN_IF_ERROR(Integer(key, v, &seed));
      req.seed = seed;
    } else if (key == "stop") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Stop(v, &req.stop));
    } else if (key == "reasoning_effort") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Text(key, v, &req.reasoning_effort));
    } else if (key == "tools") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Tools(v, &req.tools));
    } else if (key == "tool_choice") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ToolChoiceOf(v, &req.tool_choice));
    } else if (key == "parallel_tool_calls") {
      bool parallel = true;
      if (v.is_null()) continue;
      SY_RETURN_IF_ERROR(Flag(key, v, &parallel));
      req.parallel_tool_calls = parallel;
    } else if (key == "functions" || key == "function_call") {
      return Bad(key + ": the deprecated form of function calling; send tools and tool_choice");
    } else if (key == "stream") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Flag(key, v, &req.stream));
    } else if (key == "stream_options") {
      simdjson::dom::element u;
      if (v.is_null()) continue;
      if (!v.is_object()) return Expect(key, v, "an object");
      if (v["include_usage"].get(u) == simdjson::SUCCESS) {
        SY_RETURN_IF_ERROR(Flag("stream_options.include_usage", u, &r.include_usage));
      }
    } else if (key == "response_format") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ResponseFormatOf(v, &req));
    } else if (key == "n") {
      int64_t n = 1;
      if (!v.is_null()) SY_RETURN_IF_ERROR(Integer(key, v, &n));
      if (n != 1) return Bad("n: only 1 is supported (switchyard returns one answer per request)");
    } else if (key == "user") {
      if (v.is_null()) continue;
      SY_RETURN_IF_ERROR(Text(key, v, &req.user));
      req.metadata.emplace_back("user", req.user);
    } else if (key == "metadata") {
      simdjson::dom::object m;
      if (v.is_null()) continue;
      if (v.get_object().get(m) != simdjson::SUCCESS) return Expect(key, v, "an object");
      for (auto kv : m) {
        std::string value;
        SY_RETURN_IF_ERROR(Text("metadata." + Printable(kv.key), kv.value, &value));
        req.metadata.emplace_back(std::string(kv.key), std::move(value));
      }
    } else if (std::find(std::begin(kIgnorable), std::end(kIgnorable), key) !=
               std::end(kIgnorable)) {
      if (!v.is_null()) r.ignored.push_back(key);
    } else {
      return Bad("Unrecognized request argument supplied: " + Printable(key));
    }
  }
  if (!have_model) return Bad("model: is required (the name of a switchyard route)");
  if (!have_messages) return Bad("messages: is required");
  SY_RETURN_IF_ERROR(CheckCompleteRequest(req));
  *out = std::move(r);
  return Status::Ok();
}

namespace {

void WriteToolCalls(JsonWriter& w, const std::vector<ToolCall>& calls) {
  w.Key("tool_calls").BeginArray();
  for (const ToolCall& c : calls) {
    w.BeginObject().Key("id").String(c.id).Key("type").String("function");
    w.Key("function").BeginObject().Key("name").String(c.name);
    w.Key("arguments").String(c.arguments).EndObject().EndObject();
  }
  w.EndArray();
}

void WriteUsage(JsonWriter& w, const Usage& u) {
  w.Key("usage").BeginObject();
  w.Key("prompt_tokens").Int(u.input_tokens);
  w.Key("completion_tokens").Int(u.output_tokens);
  w.Key("total_tokens").Int(u.input_tokens + u.output_tokens);
  w.EndObject();
}

}  // namespace

std::string ChatCompletionJson(const CompleteResult& r, int64_t created) {
  size_t bytes = r.content.size() + 320;
  for (const ToolCall& c : r.tool_calls) bytes += c.arguments.size() + c.name.size() + 96;
  JsonWriter w(bytes);
  w.BeginObject();
  w.Key("id").String("chatcmpl-sy-" + std::to_string(r.request_id));
  w.Key("object").String("chat.completion");
  w.Key("created").Int(created);
  w.Key("model").String(r.model);
  w.Key("choices").BeginArray().BeginObject();
  w.Key("index").Int(0);
  w.Key("message").BeginObject();
  w.Key("role").String("assistant").Key("content");
  // A turn that only calls tools has null content, as OpenAI sends it.
  if (r.content.empty() && !r.tool_calls.empty()) {
    w.Raw("null");
  } else {
    w.String(r.content);
  }
  if (!r.tool_calls.empty()) WriteToolCalls(w, r.tool_calls);
  w.Key("refusal").Raw("null");
  w.EndObject();
  w.Key("logprobs").Raw("null");
  w.Key("finish_reason").String(r.finish_reason.empty() ? "stop" : r.finish_reason);
  w.EndObject().EndArray();
  WriteUsage(w, r.usage);
  w.EndObject();
  return w.Take();
}

std::string ChatChunkJson(const ChunkEvent& e) {
  size_t bytes = e.content.size() + 200;
  if (e.tool_calls) {
    for (const ToolCallDelta& d : *e.tool_calls) bytes += d.arguments.size() + d.name.size() + 96;
  }
  JsonWriter w(bytes);
  w.BeginObject();
  w.Key("id").String(e.id);
  w.Key("object").String("chat.completion.chunk");
  w.Key("created").Int(e.created);
  w.Key("model").String(e.model);
  w.Key("choices").BeginArray();
  if (!e.usage) {
    w.BeginObject().Key("index").Int(0).Key("delta").BeginObject();
    if (e.first) w.Key("role").String("assistant");
    bool calls = e.tool_calls && !e.tool_calls->empty();
    if (calls) {
      // OpenAI's exact shape: a call's first delta names it, with empty arguments; later
      // deltas carry only its index and a piece of the arguments.
      if (e.first) w.Key("content").Raw("null");
      w.Key("tool_calls").BeginArray();
      for (const ToolCallDelta& d : *e.tool_calls) {
        w.BeginObject().Key("index").Int(d.index);
        if (!d.id.empty()) w.Key("id").String(d.id).Key("type").String("function");
        w.Key("function").BeginObject();
        if (!d.id.empty()) w.Key("name").String(d.name);
        w.Key("arguments").String(d.arguments).EndObject().EndObject();
      }
      w.EndArray();
    } else if (e.finish_reason.empty() || !e.content.empty()) {
      w.Key("content").String(e.content);
    }
    w.EndObject();
    w.Key("logprobs").Raw("null");
    w.Key("finish_reason");
    if (e.finish_reason.empty()) {
      w.Raw("null");
    } else {
      w.String(e.finish_reason);
    }
    w.EndObject();
  }
  w.EndArray();
  if (e.usage) WriteUsage(w, *e.usage);
  w.EndObject();
  return w.Take();
}

namespace {

void WriteContent(JsonWriter& w, const Message& m) {
  w.Key("content");
  if (m.parts.empty()) {
    if (m.content.empty() && !m.tool_calls.empty()) {
      w.Raw("null");
    } else {
      w.String(m.content);
    }
    return;
  }
  w.BeginArray();
  for (const ContentPart& p : m.parts) {
    w.BeginObject();
    if (p.kind == ContentPart::Kind::kText) {
      w.Key("type").String("text").Key("text").String(p.text);
    } else {
      w.Key("type").String("image_url").Key("image_url").BeginObject();
      w.Key("url").String(p.image_url);
      if (!p.detail.empty()) w.Key("detail").String(p.detail);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string EncodeOpenAIRequest(std::string_view model_id, const CompleteRequest& req,
                                const std::vector<Message>& messages, int64_t max_tokens) {
  size_t bytes = 256 + req.json_schema.schema.size();
  for (const Message& m : messages) {
    bytes += m.content.size() + 32;
    for (const ContentPart& p : m.parts) bytes += p.text.size() + p.image_url.size() + 48;
    for (const ToolCall& c : m.tool_calls) bytes += c.arguments.size() + 96;
  }
  for (const Tool& t : req.tools) bytes += t.parameters.size() + t.description.size() + 96;
  JsonWriter w(bytes);
  w.BeginObject().Key("model").String(model_id).Key("messages").BeginArray();
  for (const Message& m : messages) {
    w.BeginObject().Key("role").String(m.role);
    if (m.role == "tool") {
      w.Key("tool_call_id").String(OpenAIToolId(m.tool_call_id));
      // OpenAI has no flag for a failed call: the result says so in its text.
      if (m.is_error) {
        w.Key("content").String("Error: " + TextOf(m));
      } else {
        WriteContent(w, m);
      }
    } else {
      WriteContent(w, m);
    }
    if (!m.tool_calls.empty()) {
      std::vector<ToolCall> calls = m.tool_calls;
      for (ToolCall& c : calls) c.id = OpenAIToolId(c.id);
      WriteToolCalls(w, calls);
    }
    w.EndObject();
  }
  w.EndArray();
  // max_completion_tokens is the current field; max_tokens is deprecated and refused by
  // o-series models.
  w.Key("max_completion_tokens").Int(max_tokens);
  if (req.temperature) w.Key("temperature").Double(*req.temperature);
  if (req.top_p) w.Key("top_p").Double(*req.top_p);
  if (req.seed) w.Key("seed").Int(*req.seed);
  if (!req.stop.empty()) {
    w.Key("stop").BeginArray();
    for (const std::string& s : req.stop) w.String(s);
    w.EndArray();
  }
  if (!req.user.empty()) w.Key("user").String(req.user);
  if (!req.reasoning_effort.empty()) w.Key("reasoning_effort").String(req.reasoning_effort);
  if (!req.tools.empty()) {
    w.Key("tools").BeginArray();
    for (const Tool& t : req.tools) {
      w.BeginObject().Key("type").String("function").Key("function").BeginObject();
      w.Key("name").String(t.name);
      if (!t.description.empty()) w.Key("description").String(t.description);
      if (!t.parameters.empty()) w.Key("parameters").Raw(t.parameters);
      if (t.strict) w.Key("strict").Bool(true);
      w.EndObject().EndObject();
    }
    w.EndArray();
    // OpenAI refuses parallel_tool_calls on a request without tools.
    if (req.parallel_tool_calls) w.Key("parallel_tool_calls").Bool(*req.parallel_tool_calls);
  }
  const ToolChoice& choice = req.tool_choice;
  if (choice.mode == "function") {
    w.Key("tool_choice").BeginObject().Key("type").String("function");
    w.Key("function").BeginObject().Key("name").String(choice.name).EndObject().EndObject();
  } else if (!choice.mode.empty()) {
    w.Key("tool_choice").String(choice.mode);
  }
  if (!req.json_schema.schema.empty()) {
    w.Key("response_format").BeginObject().Key("type").String("json_schema");
    w.Key("json_schema").BeginObject();
    w.Key("name").String(req.json_schema.name.empty() ? "answer" : req.json_schema.name);
    w.Key("schema").Raw(req.json_schema.schema);
    if (req.json_schema.strict) w.Key("strict").Bool(true);
    w.EndObject().EndObject();
  } else if (req.json) {
    w.Key("response_format").BeginObject().Key("type").String("json_object").EndObject();
  }
  if (req.stream) {
    // Without include_usage a stream reports no tokens, and its cost would be a guess.
    w.Key("stream").Raw("true").Key("stream_options").BeginObject();
    w.Key("include_usage").Raw("true").EndObject();
  }
  w.EndObject();
  return w.Take();
}

ParsedResponse DecodeOpenAIResponse(const HttpReply& reply) {
  ParsedResponse r;
  simdjson::dom::element doc;
  if (!ReadAnswerBody(reply, &doc, &r)) return r;
  auto bad = [&r](std::string why) { return Bad(&r, std::move(why)); };
  simdjson::dom::array choices;
  if (doc["choices"].get_array().get(choices) != simdjson::SUCCESS) {
    return bad("answer has no choices array");
  }
  simdjson::dom::object choice;
  if (choices.at(0).get_object().get(choice) != simdjson::SUCCESS) {
    return bad("answer has no choices[0]");
  }
  simdjson::dom::object message;
  if (choice["message"].get_object().get(message) != simdjson::SUCCESS) {
    return bad("choices[0] has no message");
  }
  std::string_view sv;
  simdjson::dom::element content;
  if (message["content"].get(content) == simdjson::SUCCESS) {
    if (content.get_string().get(sv) == simdjson::SUCCESS) {
      r.answer.content.assign(sv);
    } else if (!content.is_null()) {
      return bad("choices[0].message.content is not a string");
    }
  }
  if (r.answer.content.empty() && message["refusal"].get_string().get(sv) == simdjson::SUCCESS) {
    r.answer.content.assign(sv);
  }
  simdjson::dom::array calls;
  if (message["tool_calls"].get_array().get(calls) == simdjson::SUCCESS) {
    for (simdjson::dom::element c : calls) {
      ToolCall call;
      if (c["id"].get_string().get(sv) == simdjson::SUCCESS) call.id.assign(sv);
      if (c["function"]["name"].get_string().get(sv) == simdjson::SUCCESS) call.name.assign(sv);
      if (c["function"]["arguments"].get_string().get(sv) == simdjson::SUCCESS) {
        call.arguments.assign(sv);
      }
      if (call.name.empty()) return bad("choices[0].message.tool_calls has a call without a name");
      // Some OpenAI-compatible servers (Gemini's) send "id": "": the client needs one to
      // answer the call by.
      if (call.id.empty()) call.id = "call_" + std::to_string(r.answer.tool_calls.size());
      r.answer.tool_calls.push_back(std::move(call));
    }
  }
  if (choice["finish_reason"].get_string().get(sv) == simdjson::SUCCESS) {
    r.answer.finish_reason.assign(sv);
  }
  // A turn that calls tools ends for that reason, whatever a server calls it ("stop").
  if (!r.answer.tool_calls.empty() && r.answer.finish_reason == "stop") {
    r.answer.finish_reason = "tool_calls";
  }
  simdjson::dom::object usage;
  if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
    int64_t n = 0;
    if (usage["prompt_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
      r.answer.usage.input_tokens = n;
    }
    if (usage["completion_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
      r.answer.usage.output_tokens = n;
    }
  }
  return r;
}

std::string OpenAIErrorJson(std::string_view message, std::string_view type,
                            std::string_view code) {
  JsonWriter w(message.size() + 96);
  w.BeginObject().Key("error").BeginObject();
  w.Key("message").String(message).Key("type").String(type).Key("code").String(code);
  w.EndObject().EndObject();
  return w.Take();
}

HttpError HttpErrorOf(std::string_view code) {
  if (code == "bad_request" || code == "request_rejected") return {400, "invalid_request_error"};
  if (code == "no_route") return {404, "invalid_request_error"};
  if (code == "overloaded") return {429, "rate_limit_error"};
  if (code == "shutting_down") return {503, "server_error"};
  if (code == "deadline_exceeded") return {504, "server_error"};
  return {502, "server_error"};  // all_models_failed, partial_answer, ...
}

}  // namespace switchyard
